import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { ByteReader } from '../../../lib/diagnostics/wire/byte-reader';
import { parseCertificateMessage } from '../../../lib/diagnostics/wire/certificate-message';
import { parseCertificateRequest } from '../../../lib/diagnostics/wire/certificate-request-message';
import { distinguishedNameText } from '../../../lib/diagnostics/wire/distinguished-name';
import { HandshakeReassembler } from '../../../lib/diagnostics/wire/handshake-messages';
import { readServerFlight } from '../../../lib/diagnostics/wire/server-flight';
import { parseServerHello } from '../../../lib/diagnostics/wire/server-hello';
import { Tls13RecordDecrypter } from '../../../lib/diagnostics/wire/tls13-record-decryption';
import { RecordSplitter } from '../../../lib/diagnostics/wire/tls-records';
import { WireFormatError } from '../../../lib/diagnostics/wire/wire-format-error';
import { certificate, certificateRequest, distinguishedName, encryptedRecords, handshake, records, serverHello } from './tls-serializer';

/** Runs `read`; anything it throws must be a WireFormatError (a RangeError would be a read out of bounds). */
function onlyWireErrors(read: () => unknown): void {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).code).toBe('ERR_RXTLS_WIRE_MALFORMED');
  }
}

const bytes = fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b));
const version = fc.constantFrom(0x0301, 0x0302, 0x0303, 0x0304);

/** A valid TLS 1.2 and TLS 1.3 flight, to mutate. */
const secret = randomBytes(32);
const validFlights = [
  records(
    22,
    Buffer.concat([
      serverHello(0x0303, 0xc02b),
      certificate([randomBytes(80), randomBytes(60)], false),
      certificateRequest(0x0303, [distinguishedName([['2.5.4.3', 'CA']])], [0x0403]),
      handshake(14, Buffer.alloc(0)),
    ]),
    [30, 50],
  ),
  Buffer.concat([
    records(22, serverHello(0x0304, 0x1301)),
    encryptedRecords(
      0x1301,
      secret,
      Buffer.concat([
        handshake(8, Buffer.from([0, 0])),
        certificateRequest(0x0304, [distinguishedName([['2.5.4.3', 'CA']])], [0x0403]),
        certificate([randomBytes(80)], true),
        handshake(20, Buffer.alloc(32)),
      ]),
      [40],
    ),
  ]),
];

describe('the wire readers on hostile bytes', () => {
  it('each parser throws nothing but WireFormatError on random bytes', () => {
    fc.assert(
      fc.property(bytes, version, fc.boolean(), (input, v, tls13) => {
        onlyWireErrors(() => parseServerHello(input));
        onlyWireErrors(() => parseCertificateMessage(input, tls13));
        onlyWireErrors(() => parseCertificateRequest(input, v));
        onlyWireErrors(() => distinguishedNameText(input));
        onlyWireErrors(() => new RecordSplitter().push(input));
        onlyWireErrors(() => new HandshakeReassembler(1000).push(input));
        onlyWireErrors(() =>
          new Tls13RecordDecrypter(0x1301, secret).decrypt({
            type: 23,
            version: 0x0303,
            header: Buffer.from([23, 3, 3, 0, 0]),
            fragment: input,
          }),
        );
      }),
      { numRuns: 600 },
    );
  });

  it('readServerFlight never throws on random bytes, nor on a valid flight with bytes changed, cut or inserted', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        expect(() => readServerFlight([input], { maxMessageBytes: 4096, serverHandshakeSecret: secret })).not.toThrow();
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...validFlights),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (flight, changes, cut) => {
          const mutated = Buffer.from(flight);
          for (const [at, value] of changes) mutated[at % mutated.length] = value;
          expect(() => readServerFlight([mutated], { maxMessageBytes: 4096, serverHandshakeSecret: secret })).not.toThrow();
          const shortened = flight.subarray(0, cut % flight.length);
          expect(() => readServerFlight([shortened], { maxMessageBytes: 4096, serverHandshakeSecret: secret })).not.toThrow();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the valid flights read without an error (the mutations start from real input)', () => {
    for (const flight of validFlights)
      expect(readServerFlight([flight], { maxMessageBytes: 4096, serverHandshakeSecret: secret })).toMatchObject({
        complete: true,
        certificateRequest: { certificateAuthorities: [expect.any(Buffer)] },
      });
  });

  it('ByteReader checks every length against what remains', () => {
    const reader = new ByteReader(Buffer.from([0, 5, 1, 2]), 'test');
    expect(() => reader.vector(2, 'items')).toThrow(new WireFormatError('test', 'items runs past the end (5 bytes, 2 left)'));
    expect(() => new ByteReader(Buffer.from([9]), 'test').uint(2, 'n')).toThrow('test: n needs 2 bytes, 1 left');
    expect(() => new ByteReader(Buffer.from([0]), 'test').vector(1, 'v', 1)).toThrow('test: v is 0 bytes, outside 1..255');
    expect(() => new ByteReader(Buffer.from([0, 1]), 'test').end('x')).toThrow('test: 2 bytes after x');
  });
});

describe('record splitting and handshake reassembly', () => {
  const message = fc.record({ type: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) });

  it('any chunking of the byte stream gives the same records, and any record cutting the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, recordCuts, chunkPoints) => {
          const stream = Buffer.concat(messages.map((m) => handshake(m.type, m.body)));
          const wire = records(22, stream, recordCuts);
          const points = [...new Set(chunkPoints.map((p) => p % (wire.length + 1)))].sort((a, b) => a - b);
          const splitter = new RecordSplitter();
          const reassembler = new HandshakeReassembler(1000);
          const got = [];
          let at = 0;
          for (const point of [...points, wire.length]) {
            for (const record of splitter.push(wire.subarray(at, point))) got.push(...reassembler.push(record.fragment));
            at = point;
          }
          expect(got).toEqual(messages);
          expect([splitter.pending, reassembler.pending]).toEqual([0, 0]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a record header no TLS peer sends', () => {
    expect(() => new RecordSplitter().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow('record: content type 71 is not a TLS one');
    expect(() => new RecordSplitter().push(Buffer.from([22, 2, 0, 0, 1]))).toThrow('record: version 0x0200 is not TLS');
    expect(() => new RecordSplitter().push(Buffer.from([23, 3, 3, 0x48, 0x01]))).toThrow('record: length 18433 exceeds 16640');
  });
});
