import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { readServerFlight } from '../../../lib/diagnostics/wire/server-flight';
import { certificate, certificateRequest, distinguishedName, encryptedRecords, handshake, records, serverHello } from './tls-serializer';

const MAX = 262_144;
const read = (chunks: readonly Buffer[], secret?: Buffer) =>
  readServerFlight(chunks, { maxMessageBytes: MAX, ...(secret && { serverHandshakeSecret: secret }) });

/** Cuts `bytes` at the given points (any chunking of one stream). */
function chunked(bytes: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(at, cut));
    at = cut;
  }
  return chunks;
}

const der = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b));
const name = fc.array(fc.tuple(fc.constantFrom('2.5.4.3', '2.5.4.10', '2.5.4.6'), fc.string({ minLength: 1, maxLength: 20 })), {
  minLength: 1,
  maxLength: 3,
});
const flightModel = fc.record({
  version: fc.constantFrom(0x0301, 0x0302, 0x0303, 0x0304),
  suite: fc.constantFrom(0x1301, 0x1302, 0x1303),
  certificates: fc.array(der, { minLength: 1, maxLength: 5 }),
  request: fc.option(
    fc.record({
      names: fc.array(name, { maxLength: 3 }),
      algorithms: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 6 }),
    }),
    { nil: undefined },
  ),
  recordCuts: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 20 }),
  padding: fc.integer({ min: 0, max: 40 }),
});

/** The bytes a server of this model sends, and the secret its TLS 1.3 records are encrypted under. */
interface Model {
  readonly version: number;
  readonly suite: number;
  readonly certificates: readonly Buffer[];
  readonly request: { readonly names: readonly (readonly [string, string])[][]; readonly algorithms: readonly number[] } | undefined;
  readonly recordCuts: readonly number[];
  readonly padding: number;
}
function serialize(model: Model) {
  const { version, suite, certificates: ders, request, recordCuts, padding } = model;
  const tls13 = version === 0x0304;
  const secret = randomBytes(TLS13_HASH_BYTES[suite] ?? 32);
  const names = (request?.names ?? []).map((n) => distinguishedName(n));
  const algorithms = version >= 0x0303 ? (request?.algorithms ?? []) : [];
  const requestMessage = request ? certificateRequest(version, names, version >= 0x0303 ? algorithms : []) : Buffer.alloc(0);
  const hello = records(22, serverHello(version, tls13 ? suite : 0xc02b));
  if (!tls13) {
    const stream = Buffer.concat([
      certificate(ders, false),
      handshake(12, Buffer.alloc(10, 9)),
      requestMessage,
      handshake(14, Buffer.alloc(0)),
    ]);
    return { bytes: Buffer.concat([hello, records(22, stream, recordCuts)]), secret: undefined, names, algorithms };
  }
  const stream = Buffer.concat([
    handshake(8, Buffer.from([0, 0])),
    requestMessage,
    certificate(ders, true, [5]),
    handshake(15, Buffer.alloc(8, 3)),
    handshake(20, Buffer.alloc(32, 4)),
  ]);
  const ccs = Buffer.from([20, 3, 3, 0, 1, 1]);
  return { bytes: Buffer.concat([hello, ccs, encryptedRecords(suite, secret, stream, recordCuts, padding)]), secret, names, algorithms };
}
const TLS13_HASH_BYTES: Record<number, number> = { 0x1301: 32, 0x1302: 48, 0x1303: 32 };

describe('readServerFlight', () => {
  it('reads back what a sender writes, TLS 1.0 to 1.3 (every TLS 1.3 suite, decrypted), however the records are cut', () => {
    fc.assert(
      fc.property(flightModel, (model) => {
        const { bytes, secret, names, algorithms } = serialize(model);
        const flight = read([bytes], secret);
        expect(flight.error).toBeUndefined();
        expect(flight).toMatchObject({ version: model.version, complete: true, encrypted: false, resumed: false });
        expect(flight.certificates?.map((c) => c.der)).toEqual(model.certificates);
        expect(flight.certificates?.every((c) => c.extensionTypes.join() === (model.version === 0x0304 ? '5' : ''))).toBe(true);
        if (model.request === undefined) expect(flight.certificateRequest).toBeUndefined();
        else expect(flight.certificateRequest).toEqual({ certificateAuthorities: names, signatureAlgorithms: algorithms });
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same flight for any chunking of the byte stream', () => {
    fc.assert(
      fc.property(flightModel, fc.array(fc.nat(), { maxLength: 30 }), (model, points) => {
        const { bytes, secret } = serialize(model);
        expect(read(chunked(bytes, points), secret)).toEqual(read([bytes], secret));
      }),
      { numRuns: 150 },
    );
  });

  it('says the TLS 1.3 flight is encrypted when no secret is given, and does not decrypt it under a wrong one', () => {
    const model = {
      version: 0x0304,
      suite: 0x1301,
      certificates: [Buffer.from([0x30, 0])],
      request: undefined,
      recordCuts: [],
      padding: 0,
    };
    const { bytes } = serialize(model);
    expect(read([bytes])).toMatchObject({ version: 0x0304, encrypted: true, complete: false });
    expect(read([bytes]).certificates).toBeUndefined();
    expect(read([bytes], Buffer.alloc(32, 1))).toMatchObject({
      error: 'TLS 1.3 record: record 0 does not decrypt under the server handshake traffic secret',
    });
  });

  it('follows a HelloRetryRequest to the real ServerHello', () => {
    const secret = randomBytes(32);
    const stream = Buffer.concat([
      handshake(8, Buffer.from([0, 0])),
      certificate([Buffer.from([1, 2, 3])], true),
      handshake(20, Buffer.alloc(32)),
    ]);
    const bytes = Buffer.concat([
      records(22, serverHello(0x0304, 0x1301, true)),
      Buffer.from([20, 3, 3, 0, 1, 1]),
      records(22, serverHello(0x0304, 0x1301)),
      encryptedRecords(0x1301, secret, stream),
    ]);
    expect(read([bytes], secret)).toMatchObject({ complete: true, certificates: [{ der: Buffer.from([1, 2, 3]) }] });
  });

  it('stops at an alert, at a resumed session, and at the end of the flight (what follows is encrypted)', () => {
    expect(read([Buffer.from([21, 3, 3, 0, 2, 2, 40])])).toEqual({
      alert: { level: 2, description: 40 },
      complete: false,
      resumed: false,
      encrypted: false,
    });
    const resumed = Buffer.concat([
      records(22, serverHello(0x0303, 0xc02b)),
      Buffer.from([20, 3, 3, 0, 1, 1]),
      Buffer.from([22, 3, 3, 0, 3, 9, 9, 9]),
    ]);
    expect(read([resumed])).toMatchObject({ resumed: true, complete: true });
    const full = Buffer.concat([
      records(22, Buffer.concat([serverHello(0x0303, 0xc02b), certificate([Buffer.from([7])], false), handshake(14, Buffer.alloc(0))])),
      Buffer.from([22, 3, 3, 0, 3, 0xff, 0xff, 0xff]),
    ]);
    expect(read([full])).toMatchObject({ complete: true, certificates: [{ der: Buffer.from([7]) }] });
    expect(read([full]).error).toBeUndefined();
  });

  it('reports a cut flight as incomplete, and what it read before the cut', () => {
    const hello = serverHello(0x0303, 0xc02b);
    const chain = certificate([Buffer.alloc(100, 1)], false);
    const bytes = records(22, Buffer.concat([hello, chain, handshake(14, Buffer.alloc(0))]), [hello.length, chain.length]);
    const cut = read([bytes.subarray(0, bytes.length - 2)]);
    expect(cut).toMatchObject({ complete: false, version: 0x0303, certificates: [{ der: Buffer.alloc(100, 1) }] });
    expect(cut.error).toBeUndefined();
  });

  it('refuses a message longer than the bound instead of buffering it', () => {
    const bytes = records(22, Buffer.concat([serverHello(0x0303, 0xc02b), Buffer.from([11, 0x10, 0, 0])]));
    expect(readServerFlight([bytes], { maxMessageBytes: 1024 }).error).toBe(
      'handshake: message type 11 announces 1048576 bytes, more than the 1024 read',
    );
  });
});
