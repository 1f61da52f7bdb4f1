import type { VerificationPolicy } from './policy';

let warned = false;

/**
 * Accepts any certificate at all — expired, self-signed, for another host, from anyone. The
 * connection is encrypted but not authenticated: anyone on the path can read and change it.
 * For throwaway experiments only; prints one warning to stderr per process.
 *
 * @example
 * ```ts
 * import { connect, insecureAcceptAnyCertificate } from 'rxtls';
 * connect({ host: '127.0.0.1', port: 8443, verify: insecureAcceptAnyCertificate() }); // never in production
 * ```
 */
export function insecureAcceptAnyCertificate(): VerificationPolicy {
  if (!warned) {
    warned = true;
    process.emitWarning('insecureAcceptAnyCertificate(): TLS peers are NOT verified; anyone on the network path can impersonate them', {
      code: 'RXTLS_INSECURE',
      type: 'SecurityWarning',
    });
  }
  return { name: 'insecureAcceptAnyCertificate', check: () => [] };
}
