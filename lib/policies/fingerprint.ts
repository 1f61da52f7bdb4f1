import { certError } from '../certificates/cert-errors';
import { InvalidOptionError } from '../errors';
import type { VerificationPolicy } from './policy';

/** `AB:CD:…` or `abcd…`, any case: 64 hex digits, as upper-case hex without colons. */
export function normalizeFingerprint(fingerprint: string): string | undefined {
  const hex = fingerprint.replace(/:/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : undefined;
}

/** Hex digits per hash people take for a certificate fingerprint, to name the wrong one. */
const OTHER_HASHES: Readonly<Record<number, string>> = { 32: 'MD5', 40: 'SHA-1', 96: 'SHA-384', 128: 'SHA-512' };

const EXPECTED_FINGERPRINT =
  'must be the SHA-256 fingerprint of the certificate: 64 hex digits, any case, with or without colons (AB:CD:…); compute it with `openssl x509 -in cert.pem -noout -fingerprint -sha256`';

/**
 * The upper-case hex of a SHA-256 fingerprint given with or without colons (or the spaces some
 * viewers print), in any case, optionally as OpenSSL prints it (`sha256 Fingerprint=AB:…`); or
 * an {@link InvalidOptionError} for `option` that names what is wrong and how to compute it.
 */
export function parseFingerprint(option: string, value: unknown): string {
  // Stryker disable next-line StringLiteral: a value that is not a string is refused as such before its text is looked at
  const text = typeof value === 'string' ? value.trim() : '';
  const declared = /^(\w+) Fingerprint=/i.exec(text);
  const hex = text.slice(declared?.[0].length ?? 0).replace(/[:\s]/g, '');
  // Stryker disable next-line OptionalChaining: a match of the pattern always has its group
  const problem = fingerprintProblem(value, declared?.[1]?.toUpperCase(), hex);
  if (problem !== undefined) throw new InvalidOptionError(option, value, `${problem}; it ${EXPECTED_FINGERPRINT}`);
  return hex.toUpperCase();
}

/** What keeps `hex` (declared as made with `algorithm`, if it was) from being a SHA-256 fingerprint. */
function fingerprintProblem(value: unknown, algorithm: string | undefined, hex: string): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (algorithm !== undefined && algorithm !== 'SHA256') return `is a ${algorithm} fingerprint, and rxtls compares SHA-256 only`;
  if (hex === '') return 'is empty';
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return 'holds characters that are not hex digits';
  if (hex.length === 64) return undefined;
  const other = OTHER_HASHES[hex.length];
  return `has ${hex.length} hex digits${other ? ` (a ${other} fingerprint)` : ''}`;
}

/**
 * Accepts exactly the leaf certificate with this SHA-256 fingerprint — even self-signed, even
 * for another name — and nothing else: for development servers whose certificate you know.
 * The fingerprint is 64 hex digits in any case, with or without colons, or a line of
 * `openssl x509 -noout -fingerprint -sha256`; a SHA-1 fingerprint or any other length is an
 * {@link InvalidOptionError} that says so. Anything else is `FINGERPRINT_MISMATCH`.
 *
 * @param sha256 - the leaf's SHA-256 fingerprint, e.g. `3A:5F:…:9C`.
 * @returns a policy that accepts only that leaf.
 * @example
 * ```ts
 * import { connect, fingerprint } from 'rxtls';
 * connect({ host: 'dev.local', port: 8993, verify: fingerprint('3A:5F:…:9C') });
 * ```
 */
export function fingerprint(sha256: string): VerificationPolicy {
  const wanted = parseFingerprint('fingerprint', sha256);
  const expected = wanted.replace(/(..)(?!$)/g, '$1:');
  return {
    name: 'fingerprint',
    check: ({ peer }) =>
      normalizeFingerprint(peer.fingerprint256) === wanted
        ? []
        : [certError('FINGERPRINT_MISMATCH', `leaf fingerprint ${peer.fingerprint256} is not the expected ${expected}`, peer.subject)],
  };
}
