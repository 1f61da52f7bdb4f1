/**
 * TLS records (RFC 8446 §5.1, RFC 5246 §6.2): the 5-byte header — content type, legacy version,
 * length — and the fragment, split out of a byte stream however it was chunked.
 * @module
 */
import { WireFormatError } from './wire-format-error';

/** The content types (RFC 8446 §5.1). */
export const CONTENT_TYPE = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

/** The longest fragment a record may carry: 2^14 bytes plus the 256 of AEAD expansion (TLSCiphertext, RFC 8446 §5.2). */
export const MAX_FRAGMENT_BYTES = 2 ** 14 + 256;

const HEADER_BYTES = 5;
const CONTENT_TYPES = new Set<number>(Object.values(CONTENT_TYPE));

/**
 * One TLS record.
 *
 * @example
 * ```ts
 * import type { TlsRecord } from './tls-records';
 * const isHandshake = (r: TlsRecord) => r.type === 22;
 * ```
 */
export interface TlsRecord {
  /** Its content type: 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data. */
  readonly type: number;
  /** The legacy record version (0x0301 to 0x0303). */
  readonly version: number;
  /** The 5 header bytes as sent: the additional data of a TLS 1.3 record's AEAD. */
  readonly header: Buffer;
  /** The fragment. */
  readonly fragment: Buffer;
}

/**
 * Splits a byte stream into records, holding back at most one incomplete record; throws
 * {@link WireFormatError} on a header no TLS peer sends (unknown content type, a version that is
 * not 3.x, a length above {@link MAX_FRAGMENT_BYTES}).
 *
 * @example
 * ```ts
 * import { RecordSplitter } from './tls-records';
 * const splitter = new RecordSplitter();
 * splitter.push(Buffer.from([22, 3, 3, 0, 2, 14]));
 * console.log(splitter.push(Buffer.from([0])).length, splitter.pending); // 1 0
 * ```
 */
export class RecordSplitter {
  private buffered: Buffer = Buffer.alloc(0);

  /** Bytes held back: the start of a record not complete yet. */
  get pending(): number {
    return this.buffered.length;
  }

  /** Takes the next bytes of the stream; returns the records they completed. */
  push(chunk: Buffer): TlsRecord[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const records: TlsRecord[] = [];
    let at = 0;
    while (this.buffered.length - at >= HEADER_BYTES) {
      const type = this.buffered.readUInt8(at);
      const version = this.buffered.readUInt16BE(at + 1);
      const length = this.buffered.readUInt16BE(at + 3);
      if (!CONTENT_TYPES.has(type)) throw new WireFormatError('record', `content type ${type} is not a TLS one`);
      if (version >> 8 !== 3) throw new WireFormatError('record', `version 0x${version.toString(16).padStart(4, '0')} is not TLS`);
      if (length > MAX_FRAGMENT_BYTES) throw new WireFormatError('record', `length ${length} exceeds ${MAX_FRAGMENT_BYTES}`);
      if (this.buffered.length - at < HEADER_BYTES + length) break;
      records.push({
        type,
        version,
        header: Buffer.from(this.buffered.subarray(at, at + HEADER_BYTES)),
        fragment: Buffer.from(this.buffered.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)),
      });
      at += HEADER_BYTES + length;
    }
    this.buffered = Buffer.from(this.buffered.subarray(at));
    return records;
  }
}
