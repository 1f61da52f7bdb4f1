/**
 * The Certificate handshake message: the chain as the server sent it, in its order. TLS 1.2
 * and below (RFC 5246 §7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`; TLS 1.3 (RFC 8446
 * §4.4.2): a certificate_request_context, then `CertificateEntry certificate_list<0..2^24-1>`,
 * each entry its cert_data and its extensions (a stapled OCSP response, SCTs).
 * @module
 */
import { ByteReader } from './byte-reader';

/**
 * One certificate as sent.
 *
 * @example
 * ```ts
 * import { X509Certificate } from 'node:crypto';
 * import type { CertificateEntry } from './certificate-message';
 * const subjectOf = (entry: CertificateEntry) => new X509Certificate(entry.der).subject;
 * ```
 */
export interface CertificateEntry {
  /** The certificate, DER (not checked here to be one: X509Certificate does that). */
  readonly der: Buffer;
  /** TLS 1.3: the types of the entry's extensions (5 status_request, 18 signed_certificate_timestamp); empty before 1.3. */
  readonly extensionTypes: readonly number[];
}

/**
 * Reads a Certificate message's body, of TLS 1.3 (`tls13`) or an earlier version; throws
 * {@link WireFormatError} on any length that does not fit.
 *
 * @example
 * ```ts
 * import { parseCertificateMessage } from './certificate-message';
 * const body = Buffer.from([0, 0, 5, 0, 0, 2, 0x30, 0x00]); // one 2-byte "certificate"
 * console.log(parseCertificateMessage(body, false)); // [ { der: <Buffer 30 00>, extensionTypes: [] } ]
 * ```
 */
export function parseCertificateMessage(body: Buffer, tls13: boolean): CertificateEntry[] {
  const reader = new ByteReader(body, 'Certificate');
  if (tls13) reader.vector(1, 'certificate_request_context');
  const list = reader.vector(3, 'certificate_list');
  reader.end('certificate_list');
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const der = list.vector(3, 'cert_data', 1).rest();
    const extensionTypes: number[] = [];
    if (tls13) {
      const extensions = list.vector(2, 'extensions');
      while (extensions.remaining > 0) {
        extensionTypes.push(extensions.uint(2, 'extension_type'));
        extensions.vector(2, 'extension_data');
      }
    }
    entries.push({ der: Buffer.from(der), extensionTypes });
  }
  return entries;
}
