import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { hkdfExpand, hkdfExpandLabel, Tls13RecordDecrypter } from '../../../lib/diagnostics/wire/tls13-record-decryption';
import { RecordSplitter } from '../../../lib/diagnostics/wire/tls-records';
import { encryptedRecords } from './tls-serializer';

describe('TLS 1.3 record decryption', () => {
  it('HKDF-Expand is node:crypto HKDF without its extract step', () => {
    for (const [hash, length] of [
      ['sha256', 42],
      ['sha384', 100],
      ['sha256', 32],
    ] as const) {
      const ikm = randomBytes(32);
      const salt = randomBytes(16);
      const info = randomBytes(10);
      const prk = createHmac(hash, salt).update(ikm).digest();
      expect(hkdfExpand(hash, prk, info, length)).toEqual(Buffer.from(hkdfSync(hash, ikm, salt, info, length)));
    }
  });

  it('HKDF-Expand-Label gives RFC 8448\'s "derived" secret from the early secret', () => {
    // RFC 8448 §3: early secret = HKDF-Extract(0, 0); derived = Derive-Secret(early, "derived", "").
    const early = createHmac('sha256', Buffer.alloc(32)).update(Buffer.alloc(32)).digest();
    expect(early.toString('hex')).toBe('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
    const emptyHash = Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex');
    expect(hkdfExpandLabel('sha256', early, 'derived', emptyHash, 32).toString('hex')).toBe(
      '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
    );
  });

  it.each([0x1301, 0x1302, 0x1303])(
    'decrypts suite 0x%s in sequence, padding and the inner type stripped; a changed byte does not authenticate',
    (suite) => {
      const secret = randomBytes(suite === 0x1302 ? 48 : 32);
      const stream = randomBytes(300);
      const wire = encryptedRecords(suite, secret, stream, [100, 100], 17);
      const recordsOf = (bytes: Buffer) => new RecordSplitter().push(bytes);
      const decrypter = new Tls13RecordDecrypter(suite, secret);
      const inner = recordsOf(wire).map((r) => decrypter.decrypt(r));
      expect(inner.map((i) => i.type)).toEqual([22, 22, 22]);
      expect(Buffer.concat(inner.map((i) => i.content))).toEqual(stream);
      const tampered = Buffer.from(wire);
      tampered[10] = (tampered[10] ?? 0) ^ 1;
      const [first] = recordsOf(tampered);
      expect(() => new Tls13RecordDecrypter(suite, secret).decrypt(first!)).toThrow(
        'does not decrypt under the server handshake traffic secret',
      );
      // out of sequence: the second record is not record 0
      const [, second] = recordsOf(wire);
      expect(() => new Tls13RecordDecrypter(suite, secret).decrypt(second!)).toThrow('record 0 does not decrypt');
    },
  );

  it('refuses an unknown suite and a record of padding only', () => {
    expect(() => new Tls13RecordDecrypter(0x1304, Buffer.alloc(32))).toThrow('cipher suite 0x1304 is not one this reader knows');
    const secret = randomBytes(32);
    const [zeros] = new RecordSplitter().push(encryptedRecords(0x1301, secret, Buffer.alloc(5), [], 3, 0));
    expect(() => new Tls13RecordDecrypter(0x1301, secret).decrypt(zeros!)).toThrow('record 0 has no content type (all padding)');
    const [short] = new RecordSplitter().push(Buffer.from([23, 3, 3, 0, 4, 1, 2, 3, 4]));
    expect(() => new Tls13RecordDecrypter(0x1301, secret).decrypt(short!)).toThrow('4 bytes is too short for an encrypted record');
  });
});
