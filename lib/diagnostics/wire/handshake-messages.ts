/**
 * Handshake messages (RFC 8446 §4): a type byte, a 3-byte length, the body — reassembled from
 * the fragments of as many records as they span, and split where several share one record.
 * @module
 */
import { WireFormatError } from './wire-format-error';

/** The handshake message types the doctor reads (RFC 8446 §4, RFC 5246 §7.4). */
export const HANDSHAKE_TYPE = {
  serverHello: 2,
  newSessionTicket: 4,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  finished: 20,
  certificateStatus: 22,
} as const;

const HEADER_BYTES = 4;

/**
 * One handshake message.
 *
 * @example
 * ```ts
 * import type { HandshakeMessage } from './handshake-messages';
 * const isCertificate = (m: HandshakeMessage) => m.type === 11;
 * ```
 */
export interface HandshakeMessage {
  /** Its type (11 Certificate, 13 CertificateRequest, …). */
  readonly type: number;
  /** Its body, without the 4-byte header. */
  readonly body: Buffer;
}

/**
 * Reassembles handshake messages from the fragments of handshake records, holding back at
 * most one incomplete message; a message announced longer than `maxMessageBytes` is a
 * {@link WireFormatError}, so a lying length cannot make it buffer without bound.
 *
 * @example
 * ```ts
 * import { HandshakeReassembler } from './handshake-messages';
 * const reassembler = new HandshakeReassembler(1024);
 * reassembler.push(Buffer.from([14, 0, 0]));
 * console.log(reassembler.push(Buffer.from([0]))); // [ { type: 14, body: <Buffer > } ]
 * ```
 */
export class HandshakeReassembler {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes held back: the start of a message not complete yet. */
  get pending(): number {
    return this.buffered.length;
  }

  /** Takes the next fragment; returns the messages it completed. */
  push(fragment: Buffer): HandshakeMessage[] {
    this.buffered = this.buffered.length === 0 ? fragment : Buffer.concat([this.buffered, fragment]);
    const messages: HandshakeMessage[] = [];
    let at = 0;
    while (this.buffered.length - at >= HEADER_BYTES) {
      const type = this.buffered.readUInt8(at);
      const length = this.buffered.readUIntBE(at + 1, 3);
      if (length > this.maxMessageBytes)
        throw new WireFormatError(
          'handshake',
          `message type ${type} announces ${length} bytes, more than the ${this.maxMessageBytes} read`,
        );
      if (this.buffered.length - at < HEADER_BYTES + length) break;
      messages.push({ type, body: Buffer.from(this.buffered.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)) });
      at += HEADER_BYTES + length;
    }
    this.buffered = Buffer.from(this.buffered.subarray(at));
    return messages;
  }
}
