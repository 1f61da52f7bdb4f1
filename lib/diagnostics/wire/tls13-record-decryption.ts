/**
 * Decrypts the records a TLS 1.3 server sends under its handshake traffic secret (RFC 8446
 * §5.2, §5.3, §7.1, §7.3): key and iv from the secret by HKDF-Expand-Label, the nonce the iv
 * XOR the record's sequence number, the record header as additional data; then the padding
 * and the inner content type come off. The AEAD and the HMAC are node:crypto's; only
 * HKDF-Expand is written here (`crypto.hkdfSync` always extracts first, which TLS 1.3's
 * derivations from a secret do not).
 * @module
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import type { TlsRecord } from './tls-records';
import { WireFormatError } from './wire-format-error';

/**
 * A TLS 1.3 cipher suite: its AEAD as node:crypto names it, its key length and its hash.
 *
 * @example
 * ```ts
 * import { TLS13_SUITES } from './tls13-record-decryption';
 * console.log(TLS13_SUITES[0x1302]?.hash); // sha384
 * ```
 */
export interface Tls13Suite {
  /** The IANA name. */
  readonly name: string;
  /** node:crypto's name of the AEAD. */
  readonly cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  /** Key length in bytes. */
  readonly keyBytes: number;
  /** The hash of HKDF. */
  readonly hash: 'sha256' | 'sha384';
}

/** The suites of RFC 8446 §B.4 that OpenSSL enables by default. */
export const TLS13_SUITES: Readonly<Record<number, Tls13Suite>> = {
  0x1301: { name: 'TLS_AES_128_GCM_SHA256', cipher: 'aes-128-gcm', keyBytes: 16, hash: 'sha256' },
  0x1302: { name: 'TLS_AES_256_GCM_SHA384', cipher: 'aes-256-gcm', keyBytes: 32, hash: 'sha384' },
  0x1303: { name: 'TLS_CHACHA20_POLY1305_SHA256', cipher: 'chacha20-poly1305', keyBytes: 32, hash: 'sha256' },
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * HKDF-Expand (RFC 5869 §2.3): `length` bytes of T(1) | T(2) | … with T(i) = HMAC(prk, T(i-1) | info | i).
 *
 * @example
 * ```ts
 * import { hkdfExpand } from './tls13-record-decryption';
 * console.log(hkdfExpand('sha256', Buffer.alloc(32), Buffer.from('info'), 42).length); // 42
 * ```
 */
export function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1, total = 0; total < length; i += 1) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
    total += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * HKDF-Expand-Label (RFC 8446 §7.1): HKDF-Expand of the HkdfLabel `length | "tls13 " + label | context`.
 *
 * @example
 * ```ts
 * import { hkdfExpandLabel } from './tls13-record-decryption';
 * const key = hkdfExpandLabel('sha256', Buffer.alloc(32), 'key', Buffer.alloc(0), 16);
 * ```
 */
export function hkdfExpandLabel(hash: string, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/**
 * A record's content after decryption: its true content type and the content without padding.
 *
 * @example
 * ```ts
 * import type { InnerPlaintext } from './tls13-record-decryption';
 * const isHandshake = (inner: InnerPlaintext) => inner.type === 22;
 * ```
 */
export interface InnerPlaintext {
  /** The inner content type (22 handshake, 21 alert). */
  readonly type: number;
  /** The content. */
  readonly content: Buffer;
}

/**
 * Decrypts one direction's records under one traffic secret, in order (the sequence number
 * counts the records given, from 0); a record that does not authenticate is a
 * {@link WireFormatError}, as is a suite it does not know.
 *
 * @example
 * ```ts
 * import { Tls13RecordDecrypter } from './tls13-record-decryption';
 * const decrypter = new Tls13RecordDecrypter(0x1301, Buffer.alloc(32));
 * // decrypter.decrypt(record) for each application_data record of the server's first flight
 * ```
 */
export class Tls13RecordDecrypter {
  private readonly suite: Tls13Suite;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private sequence = 0n;

  constructor(cipherSuite: number, secret: Buffer) {
    const suite = TLS13_SUITES[cipherSuite];
    if (suite === undefined)
      throw new WireFormatError('TLS 1.3 record', `cipher suite 0x${cipherSuite.toString(16)} is not one this reader knows`);
    this.suite = suite;
    this.key = hkdfExpandLabel(suite.hash, secret, 'key', Buffer.alloc(0), suite.keyBytes);
    this.iv = hkdfExpandLabel(suite.hash, secret, 'iv', Buffer.alloc(0), IV_BYTES);
  }

  /** Decrypts the next record (an application_data record of this direction). */
  decrypt(record: TlsRecord): InnerPlaintext {
    const sequence = this.sequence;
    this.sequence += 1n;
    if (record.fragment.length < TAG_BYTES + 1)
      throw new WireFormatError('TLS 1.3 record', `${record.fragment.length} bytes is too short for an encrypted record`);
    const nonce = Buffer.from(this.iv);
    for (let i = 0; i < 8; i += 1) {
      const at = IV_BYTES - 1 - i;
      nonce[at] = (nonce[at] ?? 0) ^ Number((sequence >> BigInt(8 * i)) & 0xffn);
    }
    const ciphertext = record.fragment.subarray(0, record.fragment.length - TAG_BYTES);
    const tag = record.fragment.subarray(record.fragment.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher =
        this.suite.cipher === 'chacha20-poly1305'
          ? createDecipheriv(this.suite.cipher, this.key, nonce, { authTagLength: TAG_BYTES })
          : createDecipheriv(this.suite.cipher, this.key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(record.header, { plaintextLength: ciphertext.length });
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new WireFormatError('TLS 1.3 record', `record ${sequence} does not decrypt under the server handshake traffic secret`);
    }
    let end = plaintext.length;
    while (end > 0 && plaintext[end - 1] === 0) end -= 1;
    if (end === 0) throw new WireFormatError('TLS 1.3 record', `record ${sequence} has no content type (all padding)`);
    return { type: plaintext[end - 1] ?? 0, content: plaintext.subarray(0, end - 1) };
  }
}
