import type { LookupFunction } from 'node:net';
import { createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { filter, firstValueFrom, take } from 'rxjs';
import { connect, connectStartTls, InvalidOptionError, TransportError } from '../../lib';
import { interleaveFamilies, type DialAddress } from '../../lib/client/dial/resolve-addresses';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { activeTimers, collect, eventually, openSocketHandles } from '../support/collect';
import { freePort } from '../interop/peers';
import { startBlackHole, type BlackHole } from './dial-black-hole';

/** A resolver that answers these addresses for any name, as dns.lookup does with { all: true }. */
const answering =
  (...addresses: string[]): LookupFunction =>
  (_host, _options, callback) =>
    (callback as (error: null, found: { address: string; family: number }[]) => void)(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

let pki: TestPki;
let server: TestServer;
let hole: BlackHole;
beforeAll(async () => {
  pki = await createTestPki();
  server = await startTlsServer({ ...(await pki.leaf()), greeting: 'hello\r\n' });
  // The same port on ::1 never answers: the broken IPv6 route of a dual-stack host, on loopback.
  hole = await startBlackHole('::1', server.port);
});
afterAll(async () => {
  await hole?.stop();
  await server?.close();
});

const dualStack = (lookup: LookupFunction, extra: object = {}) =>
  connect({ host: 'dual.test', servername: 'localhost', port: server.port, ca: pki.ca.cert, lookup, ...extra });

describe('interleaveFamilies', () => {
  it('alternates families from the first answer’s, each family in its order', () => {
    const a = (address: string): DialAddress => ({ address, family: address.includes(':') ? 6 : 4 });
    expect(interleaveFamilies(['::1', '::2', '::3', '1.1.1.1', '2.2.2.2'].map(a)).map((x) => x.address)).toEqual([
      '::1',
      '1.1.1.1',
      '::2',
      '2.2.2.2',
      '::3',
    ]);
  });

  it('is a permutation that keeps each family’s order and alternates while both remain (property)', () => {
    const address = fc.oneof(
      fc.ipV4().map((v): DialAddress => ({ address: v, family: 4 })),
      fc.ipV6().map((v): DialAddress => ({ address: v, family: 6 })),
    );
    fc.assert(
      fc.property(fc.array(address, { maxLength: 12 }), (addresses) => {
        const out = interleaveFamilies(addresses);
        expect([...out].sort(byAddress)).toEqual([...addresses].sort(byAddress));
        for (const family of [4, 6]) expect(out.filter((x) => x.family === family)).toEqual(addresses.filter((x) => x.family === family));
        if (addresses.length > 0) expect(out[0]?.family).toBe(addresses[0]?.family);
        const fewer = Math.min(...[4, 6].map((f) => addresses.filter((x) => x.family === f).length));
        for (let i = 1; i < 2 * fewer; i++) expect(out[i]?.family).not.toBe(out[i - 1]?.family);
      }),
    );
  });
});
const byAddress = (x: DialAddress, y: DialAddress) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0);

describe('dual-stack: every address of a name is tried', () => {
  it('the black hole really never answers: alone, it ends in ERR_RXTLS_CONNECT_TIMEOUT naming the address', async () => {
    const { error } = await collect(dualStack(answering('::1'), { connectTimeout: 600 }));
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ERR_RXTLS_CONNECT_TIMEOUT');
    expect(error?.message).toMatch(/600 ms \(option connectTimeout\) while connecting to ::1/);
  });

  it('a host whose first address never answers still connects through the next one, verified as the target', async () => {
    const events = await firstValueFrom(
      dualStack(answering('::1', '127.0.0.1'), { attemptTimeout: 200 }).pipe(
        filter((e) => e.type === 'connected'),
        take(1),
      ),
    );
    expect(events.type).toBe('connected');
    if (events.type === 'connected') expect(events.peer.subjectAltNames).toContain('DNS:localhost');
  });

  it('the attempt that lost is destroyed: a dual-stack connection holds as many handles as a direct one', async () => {
    await eventually(() => server.openConnections() === 0, 5000, 'earlier connections to close');
    const baseline = openSocketHandles();
    const held = async (source: ReturnType<typeof connect>) => {
      const subscription = source.subscribe();
      await eventually(() => server.openConnections() === 1, 10_000, 'the connection');
      await new Promise((r) => setTimeout(r, 300)); // past the attempt timeout: a live loser would show now
      const handles = openSocketHandles() - baseline;
      subscription.unsubscribe();
      await eventually(() => server.openConnections() === 0, 5000, 'the close');
      return handles;
    };
    const direct = await held(connect({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: pki.ca.cert }));
    const dual = await held(dualStack(answering('::1', '127.0.0.1'), { attemptTimeout: 100 }));
    expect(dual).toBe(direct);
  });

  it('an address that fails starts the next at once, and when every address fails the error names each', async () => {
    const port = await freePort(); // nothing listens there, on either address
    const started = Date.now();
    const { error } = await collect(
      connect({ host: 'refused.test', port, lookup: answering('127.0.0.1', '127.0.0.2'), attemptTimeout: 60_000 }),
    );
    expect(Date.now() - started).toBeLessThan(30_000); // not waiting for the 60 s attempt timeout
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ECONNREFUSED');
    expect(error?.message).toMatch(/every address failed: 127\.0\.0\.1 \(connection refused.*\), 127\.0\.0\.2 \(connection refused/);
    expect((error as TransportError).host).toBe('refused.test');
  });

  it('unsubscribing while attempts wait leaves no socket and no timer behind', async () => {
    await eventually(() => server.openConnections() === 0, 5000, 'earlier connections to close');
    const before = { handles: openSocketHandles(), timers: activeTimers() };
    const subscription = dualStack(answering('::1', '::1'), { attemptTimeout: 50 }).subscribe({ error: () => undefined });
    await new Promise((r) => setTimeout(r, 200)); // both attempts started, neither answered
    expect(openSocketHandles()).toBeGreaterThan(before.handles);
    subscription.unsubscribe();
    await eventually(() => openSocketHandles() <= before.handles && activeTimers() <= before.timers, 5000, 'handles and timers to go');
  });

  it('connectStartTls dials the same way: the plaintext greeting comes through the second address', async () => {
    const plain: Server = createServer((socket) => socket.end('220 ready\r\n'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const { port } = plain.address() as { port: number };
    const plainHole = await startBlackHole('::1', port);
    try {
      const { events } = await collect(
        connectStartTls({ host: 'mail.test', port, lookup: answering('::1', '127.0.0.1'), attemptTimeout: 100 }).pipe(take(2)),
      );
      expect(events.map((e) => e.type)).toEqual(['plaintext', 'data']);
    } finally {
      await plainHole.stop();
      await new Promise((r) => plain.close(r));
    }
  });
});

describe('dial options', () => {
  it.each([
    [{ lookup: 42 }, 'lookup'],
    [{ lookup: 'dns' }, 'lookup'],
    [{ attemptTimeout: 0 }, 'attemptTimeout'],
    [{ attemptTimeout: 1.5 }, 'attemptTimeout'],
    [{ tls: { lookup: answering('127.0.0.1') } }, 'tls.lookup'],
    [{ tls: { autoSelectFamily: false } }, 'tls.autoSelectFamily'],
  ])('%p is an InvalidOptionError naming %s', async (extra, option) => {
    const { error } = await collect(connect({ host: 'localhost', port: 1, ...(extra as object) }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });

  it('a resolver that answers something other than addresses is an ENOTFOUND error naming the option lookup', async () => {
    const garbage: LookupFunction = (_h, _o, callback) => (callback as (e: null, a: unknown) => void)(null, [{ address: 'not an ip' }]);
    const { error } = await collect(connect({ host: 'x.test', port: 1, lookup: garbage }));
    expect(error?.code).toBe('ENOTFOUND');
    expect(error?.message).toMatch(/option lookup.*"not an ip", which is not an IP address/);
  });

  it("a resolver's error passes through with its code", async () => {
    const failing: LookupFunction = (host, _o, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), '', 4);
    const { error } = await collect(connect({ host: 'nowhere.test', port: 993, lookup: failing }));
    expect(error?.code).toBe('ENOTFOUND');
    expect(error?.message).toMatch(/^nowhere\.test:993: host not found \(DNS\)/);
  });
});
