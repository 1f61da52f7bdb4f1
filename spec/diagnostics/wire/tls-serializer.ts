/**
 * A serializer of the server's first flight, written from the RFCs for the specs: the inverse of
 * lib/diagnostics/wire/, so that a round trip proves the readers read what a sender writes.
 */
import { createCipheriv } from 'node:crypto';
import { hkdfExpandLabel, TLS13_SUITES } from '../../../lib/diagnostics/wire/tls13-record-decryption';

const u = (value: number, size: 1 | 2 | 3) => {
  const bytes = Buffer.alloc(size);
  bytes.writeUIntBE(value, 0, size);
  return bytes;
};
/** A vector with a `size`-byte length prefix. */
export const vector = (size: 1 | 2 | 3, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u(body.length, size), body]);
};

/** A handshake message: type, 3-byte length, body. */
export const handshake = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u(body.length, 3), body]);

/** ServerHello, TLS 1.3 if `version` is 0x0304 (legacy_version 0x0303 and supported_versions). */
export function serverHello(version: number, cipherSuite: number, helloRetryRequest = false): Buffer {
  const random = helloRetryRequest
    ? Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex')
    : Buffer.alloc(32, 7);
  const extensions = version === 0x0304 ? vector(2, u(43, 2), vector(2, u(0x0304, 2))) : vector(2);
  return handshake(
    2,
    Buffer.concat([
      u(version === 0x0304 ? 0x0303 : version, 2),
      random,
      vector(1, Buffer.alloc(32, 1)),
      u(cipherSuite, 2),
      Buffer.from([0]),
      extensions,
    ]),
  );
}

/** Certificate: TLS 1.3 entries carry an (empty, or given) extensions block. */
export function certificate(ders: readonly Buffer[], tls13: boolean, extensionTypes: readonly number[] = []): Buffer {
  const entries = ders.map((der) =>
    Buffer.concat([vector(3, der), ...(tls13 ? [vector(2, ...extensionTypes.map((t) => Buffer.concat([u(t, 2), vector(2)])))] : [])]),
  );
  return handshake(11, Buffer.concat([...(tls13 ? [vector(1)] : []), vector(3, ...entries)]));
}

/** CertificateRequest of `version`, naming `names` (DER) and `algorithms`. */
export function certificateRequest(version: number, names: readonly Buffer[], algorithms: readonly number[]): Buffer {
  const nameList = names.map((n) => vector(2, n));
  const schemes = vector(2, ...algorithms.map((a) => u(a, 2)));
  if (version >= 0x0304) {
    const extensions = [
      Buffer.concat([u(13, 2), vector(2, schemes)]),
      ...(names.length > 0 ? [Buffer.concat([u(47, 2), vector(2, vector(2, ...nameList))])] : []),
    ];
    return handshake(13, Buffer.concat([vector(1), vector(2, ...extensions)]));
  }
  return handshake(13, Buffer.concat([vector(1, Buffer.from([1, 64])), ...(version >= 0x0303 ? [schemes] : []), vector(2, ...nameList)]));
}

/** Records of `type` carrying `stream`, cut at the given fragment sizes (the last fragment takes the rest). */
export function records(type: number, stream: Buffer, cuts: readonly number[] = []): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    if (at >= stream.length) break;
    const size = Math.max(1, Math.min(cut, 16384, stream.length - at));
    out.push(Buffer.concat([Buffer.from([type, 3, 3]), u(size, 2), stream.subarray(at, at + size)]));
    at += size;
  }
  for (; at < stream.length; at += 16384) {
    const piece = stream.subarray(at, at + 16384);
    out.push(Buffer.concat([Buffer.from([type, 3, 3]), u(piece.length, 2), piece]));
  }
  return Buffer.concat(out);
}

/** TLS 1.3 records: each piece of `stream` (cut as given) encrypted under `secret` with its inner type (22) and `padding` zeros. */
export function encryptedRecords(
  cipherSuite: number,
  secret: Buffer,
  stream: Buffer,
  cuts: readonly number[] = [],
  padding = 0,
  innerType = 22,
): Buffer {
  const suite = TLS13_SUITES[cipherSuite];
  if (suite === undefined) throw new TypeError(`no suite ${cipherSuite}`);
  const key = hkdfExpandLabel(suite.hash, secret, 'key', Buffer.alloc(0), suite.keyBytes);
  const iv = hkdfExpandLabel(suite.hash, secret, 'iv', Buffer.alloc(0), 12);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, Infinity]) {
    if (at >= stream.length) break;
    const size = Math.max(1, Math.min(cut, 16000, stream.length - at));
    pieces.push(stream.subarray(at, at + size));
    at += size;
  }
  return Buffer.concat(
    pieces.map((piece, sequence) => {
      const nonce = Buffer.from(iv);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ sequence) >>> 0, 8);
      const inner = Buffer.concat([piece, Buffer.from([innerType]), Buffer.alloc(padding)]);
      const header = Buffer.concat([Buffer.from([23, 3, 3]), u(inner.length + 16, 2)]);
      const cipher = createCipheriv(suite.cipher as 'aes-128-gcm', key, nonce, { authTagLength: 16 });
      cipher.setAAD(header, { plaintextLength: inner.length });
      const body = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
      return Buffer.concat([header, body]);
    }),
  );
}

/** A DER distinguished name of (OID, UTF8String) attributes, one a relative name. */
export function distinguishedName(attributes: readonly (readonly [string, string])[]): Buffer {
  const der = (tag: number, content: Buffer) => {
    const length =
      content.length < 0x80
        ? Buffer.from([content.length])
        : content.length < 0x100
          ? Buffer.from([0x81, content.length])
          : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, content]);
  };
  const oid = (text: string) => {
    const [a = 0, b = 0, ...rest] = text.split('.').map(Number);
    const bytes = [a * 40 + b];
    for (const part of rest) {
      const groups: number[] = [];
      let value = part;
      do {
        groups.unshift(value & 0x7f);
        value = Math.floor(value / 128);
      } while (value > 0);
      bytes.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
    }
    return der(0x06, Buffer.from(bytes));
  };
  return der(
    0x30,
    Buffer.concat(
      attributes.map(([type, value]) => der(0x31, der(0x30, Buffer.concat([oid(type), der(0x0c, Buffer.from(value, 'utf8'))])))),
    ),
  );
}
