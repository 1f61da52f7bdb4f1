/**
 * The CertificateRequest handshake message: the server asks for a client certificate, and
 * may list the CAs it accepts. TLS 1.0 and 1.1 (RFC 4346 §7.4.4): certificate_types and
 * certificate_authorities; TLS 1.2 (RFC 5246 §7.4.4): and supported_signature_algorithms
 * between them; TLS 1.3 (RFC 8446 §4.3.2): a context and extensions, the CAs in the
 * certificate_authorities extension (47), the algorithms in signature_algorithms (13).
 * @module
 */
import { ByteReader } from './byte-reader';

const SIGNATURE_ALGORITHMS = 13;
const CERTIFICATE_AUTHORITIES = 47;

/**
 * What a CertificateRequest says.
 *
 * @example
 * ```ts
 * import type { CertificateRequest } from './certificate-request-message';
 * const anyCa = (request: CertificateRequest) => request.certificateAuthorities.length === 0;
 * ```
 */
export interface CertificateRequest {
  /** The DER-encoded distinguished names of the CAs the server accepts, in its order (none: any). */
  readonly certificateAuthorities: readonly Buffer[];
  /** The signature schemes it accepts (TLS 1.2 and 1.3), as their 16-bit code points. */
  readonly signatureAlgorithms: readonly number[];
}

function distinguishedNames(list: ByteReader): Buffer[] {
  const names: Buffer[] = [];
  while (list.remaining > 0) names.push(Buffer.from(list.vector(2, 'DistinguishedName', 1).rest()));
  return names;
}

function schemes(list: ByteReader): number[] {
  const codes: number[] = [];
  while (list.remaining > 0) codes.push(list.uint(2, 'SignatureScheme'));
  return codes;
}

/**
 * Reads a CertificateRequest's body for the negotiated `version` (0x0301 TLS 1.0 … 0x0304 TLS
 * 1.3); throws {@link WireFormatError} on any length that does not fit.
 *
 * @example
 * ```ts
 * import { parseCertificateRequest } from './certificate-request-message';
 * // TLS 1.2: types [rsa_sign], algorithms [0x0403], no CA names
 * const body = Buffer.from([1, 1, 0, 2, 4, 3, 0, 0]);
 * console.log(parseCertificateRequest(body, 0x0303)); // { certificateAuthorities: [], signatureAlgorithms: [ 1027 ] }
 * ```
 */
export function parseCertificateRequest(body: Buffer, version: number): CertificateRequest {
  const reader = new ByteReader(body, 'CertificateRequest');
  if (version >= 0x0304) {
    reader.vector(1, 'certificate_request_context');
    const extensions = reader.vector(2, 'extensions', 2);
    reader.end('extensions');
    let certificateAuthorities: Buffer[] = [];
    let signatureAlgorithms: number[] = [];
    while (extensions.remaining > 0) {
      const type = extensions.uint(2, 'extension_type');
      const data = extensions.vector(2, 'extension_data');
      if (type === CERTIFICATE_AUTHORITIES) {
        certificateAuthorities = distinguishedNames(data.vector(2, 'authorities', 3));
        data.end('authorities');
      } else if (type === SIGNATURE_ALGORITHMS) {
        signatureAlgorithms = schemes(data.vector(2, 'supported_signature_algorithms', 2));
        data.end('supported_signature_algorithms');
      }
    }
    return { certificateAuthorities, signatureAlgorithms };
  }
  reader.vector(1, 'certificate_types', 1);
  const signatureAlgorithms = version >= 0x0303 ? schemes(reader.vector(2, 'supported_signature_algorithms', 2)) : [];
  const certificateAuthorities = distinguishedNames(reader.vector(2, 'certificate_authorities'));
  reader.end('certificate_authorities');
  return { certificateAuthorities, signatureAlgorithms };
}
