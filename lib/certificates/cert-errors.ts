import type { CertErrorCode, OpenSslCertErrorCode } from '../errors';
import type { CertError } from '../events';

/**
 * OpenSSL's own wording (OpenSSL 3, `X509_verify_cert_error_string`) for the verification
 * codes Node reports, so that `reason` reads the same as `openssl s_client` prints it.
 */
const OPENSSL_REASONS: Readonly<Record<OpenSslCertErrorCode, string>> = {
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_CRL: 'unable to get certificate CRL',
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "unable to decrypt certificate's signature",
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: "unable to decrypt CRL's signature",
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'unable to decode issuer public key',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CRL_SIGNATURE_FAILURE: 'CRL signature failure',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CRL_NOT_YET_VALID: 'CRL is not yet valid',
  CRL_HAS_EXPIRED: 'CRL has expired',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: "format error in certificate's notBefore field",
  ERROR_IN_CERT_NOT_AFTER_FIELD: "format error in certificate's notAfter field",
  ERROR_IN_CRL_LAST_UPDATE_FIELD: "format error in CRL's lastUpdate field",
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: "format error in CRL's nextUpdate field",
  OUT_OF_MEM: 'out of memory',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_CHAIN_TOO_LONG: 'certificate chain too long',
  CERT_REVOKED: 'certificate revoked',
  INVALID_CA: 'invalid CA certificate',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  INVALID_PURPOSE: 'unsuitable certificate purpose',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  HOSTNAME_MISMATCH: 'hostname mismatch',
  UNSPECIFIED: 'unspecified certificate verification error',
  KEYUSAGE_NO_CERTSIGN: 'key usage does not include certificate signing',
  KEYUSAGE_NO_DIGITAL_SIGNATURE: 'key usage does not include digital signature',
  INVALID_NON_CA: 'invalid non-CA certificate (has CA markings)',
  PATH_LOOP: 'Path loop',
  INVALID_EXTENSION: 'invalid or inconsistent certificate extension',
  EXCLUDED_VIOLATION: 'excluded subtree violation',
  PERMITTED_VIOLATION: 'permitted subtree violation',
  UNSUPPORTED_SIGNATURE_ALGORITHM: 'Cannot find certificate signature algorithm',
  EE_KEY_TOO_SMALL: 'EE certificate key too weak',
  CA_KEY_TOO_SMALL: 'CA certificate key too weak',
  CA_MD_TOO_WEAK: 'CA signature digest algorithm too weak',
};

/** Builds a {@link CertError}, taking OpenSSL's wording for `reason` when the code is OpenSSL's. */
export function certError(code: CertErrorCode | (string & {}), reason?: string, certificate?: string): CertError {
  const text = reason ?? opensslReason(code) ?? code.toLowerCase().replace(/_/g, ' ');
  return certificate === undefined ? { code, reason: text } : { code, reason: text, certificate };
}

/** OpenSSL's wording for `code`, when it is one of OpenSSL's verification codes. */
export function opensslReason(code: string): string | undefined {
  return Object.hasOwn(OPENSSL_REASONS, code) ? OPENSSL_REASONS[code as OpenSslCertErrorCode] : undefined;
}

/** Keeps the first error of each code and certificate, in order. */
export function uniqueCertErrors(errors: readonly CertError[]): CertError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.code}\u0000${e.certificate ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * OpenSSL's verdict on a finished handshake, as a code. Node names only some OpenSSL codes and
 * reports the rest as `UNSPECIFIED`; its handle's `verifyError()` still carries OpenSSL's own
 * reason, which names the code exactly (`EE_KEY_TOO_SMALL`, `INVALID_CA`, `CA_MD_TOO_WEAK`, …).
 */
export function opensslVerdict(socket: { readonly authorizationError?: unknown }): CertErrorCode | (string & {}) | undefined {
  const code = typeof socket.authorizationError === 'string' && socket.authorizationError !== '' ? socket.authorizationError : undefined;
  if (code !== 'UNSPECIFIED') return code;
  // Private (`_handle`), and read only here: no public API carries OpenSSL's reason for the codes
  // Node leaves unnamed. Where it is missing we keep `UNSPECIFIED`, never a guess; and
  // spec/certificates/node-internals.spec.ts fails on any Node line where it moved.
  const handle = (socket as { _handle?: { verifyError?: () => Error | null } })._handle;
  const reason = handle?.verifyError?.()?.message;
  return (reason !== undefined && opensslCodeFor(reason)) || code;
}

/** The code whose OpenSSL wording `reason` is (`'invalid CA certificate'` → `INVALID_CA`), if it is one. */
export function opensslCodeFor(reason: string): OpenSslCertErrorCode | undefined {
  const wanted = reason.toLowerCase();
  return (Object.entries(OPENSSL_REASONS) as Array<[OpenSslCertErrorCode, string]>).find(([, text]) => text.toLowerCase() === wanted)?.[0];
}
