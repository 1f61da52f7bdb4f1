import { certError } from '../cert-errors';
import { InvalidOptionError } from '../errors';
import type { VerificationPolicy } from './policy';

/** `AB:CD:…` or `abcd…`, any case: 64 hex digits. */
export function normalizeFingerprint(fingerprint: string): string | undefined {
  const hex = fingerprint.replace(/:/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : undefined;
}

/**
 * Accepts exactly the leaf certificate with this SHA-256 fingerprint — even self-signed, even
 * for another name — and nothing else: for development servers whose certificate you know.
 * Anything else is `FINGERPRINT_MISMATCH`.
 *
 * @example
 * ```ts
 * import { connect, fingerprint } from 'rxtls';
 * connect({ host: 'dev.local', port: 8993, verify: fingerprint('3A:5F:…:9C') });
 * ```
 */
export function fingerprint(sha256: string): VerificationPolicy {
  const wanted = typeof sha256 === 'string' ? normalizeFingerprint(sha256) : undefined;
  if (!wanted) throw new InvalidOptionError('fingerprint', sha256, 'must be a SHA-256 fingerprint: 64 hex digits, colons allowed');
  return {
    name: 'fingerprint',
    check: ({ peer }) =>
      normalizeFingerprint(peer.fingerprint256) === wanted
        ? []
        : [certError('FINGERPRINT_MISMATCH', `leaf fingerprint ${peer.fingerprint256} is not the expected ${sha256}`, peer.subject)],
  };
}
