/**
 * The names of TLS signature schemes (RFC 8446 §4.2.3; the IANA registry), for the
 * algorithms a CertificateRequest accepts.
 * @module
 */

const SCHEMES: Readonly<Record<number, string>> = {
  0x0201: 'rsa_pkcs1_sha1',
  0x0202: 'dsa_sha1',
  0x0203: 'ecdsa_sha1',
  0x0301: 'rsa_pkcs1_sha224',
  0x0302: 'dsa_sha224',
  0x0303: 'ecdsa_sha224',
  0x0402: 'dsa_sha256',
  0x0502: 'dsa_sha384',
  0x0602: 'dsa_sha512',
  0x0401: 'rsa_pkcs1_sha256',
  0x0403: 'ecdsa_secp256r1_sha256',
  0x0501: 'rsa_pkcs1_sha384',
  0x0503: 'ecdsa_secp384r1_sha384',
  0x0601: 'rsa_pkcs1_sha512',
  0x0603: 'ecdsa_secp521r1_sha512',
  0x0804: 'rsa_pss_rsae_sha256',
  0x0805: 'rsa_pss_rsae_sha384',
  0x0806: 'rsa_pss_rsae_sha512',
  0x0807: 'ed25519',
  0x0808: 'ed448',
  0x0809: 'rsa_pss_pss_sha256',
  0x080a: 'rsa_pss_pss_sha384',
  0x080b: 'rsa_pss_pss_sha512',
};

/**
 * A signature scheme's IANA name, or its code point in hex when it has none here.
 *
 * @example
 * ```ts
 * import { signatureSchemeName } from './signature-schemes';
 * console.log(signatureSchemeName(0x0804), signatureSchemeName(0x0102)); // rsa_pss_rsae_sha256 0x0102
 * ```
 */
export function signatureSchemeName(code: number): string {
  return SCHEMES[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}
