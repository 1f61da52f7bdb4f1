import { InvalidOptionError } from '../errors';
import { normalizeFingerprint, parseFingerprint } from './fingerprint';
import type { VerificationPolicy } from './policy';

/**
 * Qt's `ignoreSslErrors` for one certificate: the standard checks apply, except that the
 * named error codes are tolerated when — and only when — the leaf has the given SHA-256
 * fingerprint. Another certificate with the same problems is still rejected.
 *
 * @example
 * ```ts
 * import { allowErrors, connect } from 'rxtls';
 * // The printer's self-signed certificate, and nothing else, may be self-signed and name "printer".
 * connect({
 *   host: '192.0.2.7',
 *   port: 443,
 *   verify: allowErrors(['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID'], 'AB:CD:…'),
 * });
 * ```
 */
export function allowErrors(codes: readonly string[], forFingerprint: string): VerificationPolicy {
  if (!Array.isArray(codes) || codes.length === 0 || codes.some((c) => typeof c !== 'string' || c === '')) {
    throw new InvalidOptionError('codes', codes, 'must be a non-empty array of error codes such as "CERT_HAS_EXPIRED"');
  }
  const wanted = parseFingerprint('forFingerprint', forFingerprint);
  const tolerated = new Set(codes);
  return {
    name: 'allowErrors',
    check: ({ peer, problems }) =>
      normalizeFingerprint(peer.fingerprint256) === wanted ? problems.filter((p) => !tolerated.has(p.code)) : problems,
  };
}
