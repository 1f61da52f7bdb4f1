import type { LookupFunction } from 'node:net';
import { filter, firstValueFrom, map, take, tap } from 'rxjs';
import { connectWebSocket, InvalidOptionError, type NodeWebSocketOptions, type WebSocketEvent } from '../../lib';
import { createTestPki, startSilentServer, type TestPki, type TestServer } from '../../lib/testing';
import { activeTimers, collect, eventually, openSocketHandles } from '../support/collect';
import { startWebSocketServer, type TestWebSocketServer } from '../support/websocket-server';
import { startBlackHole, type BlackHole } from '../client/dial-black-hole';

// connectWebSocket in Node on a dual-stack name whose first address never answers: the broken
// IPv6 route, on loopback — a custom lookup answers ::1 first, where a black hole takes no SYN.

/** A resolver that answers these addresses for any name, recording the names it was asked. */
function answering(...addresses: string[]): LookupFunction & { asked: string[] } {
  const asked: string[] = [];
  const lookup = ((host: string, _options: unknown, callback: (error: null, found: { address: string; family: number }[]) => void) => {
    asked.push(host);
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as unknown as LookupFunction & { asked: string[] };
  lookup.asked = asked;
  return lookup;
}

let pki: TestPki;
let secure: TestWebSocketServer; // wss: on 127.0.0.1, echoes
let plain: TestWebSocketServer; // ws: on 127.0.0.1, echoes
let silent: TestServer; // accepts TCP and never answers: an upgrade that never comes back
const holes: BlackHole[] = [];
beforeAll(async () => {
  silent = await startSilentServer();
  pki = await createTestPki();
  const onConnection = (socket: import('ws').WebSocket) => socket.on('message', (m: Buffer) => socket.send(m));
  secure = await startWebSocketServer({ tls: await pki.leaf(), onConnection });
  plain = await startWebSocketServer({ onConnection });
  // The same ports on ::1 never answer.
  holes.push(await startBlackHole('::1', secure.port), await startBlackHole('::1', plain.port));
});
afterAll(async () => {
  await Promise.all(holes.map((h) => h.stop()));
  await Promise.all([secure?.close(), plain?.close(), silent?.close()]);
});

const echoOf = (url: string, options: NodeWebSocketOptions) =>
  firstValueFrom(
    connectWebSocket(url, options).pipe(
      tap((e) => e.type === 'connected' && e.writer.write('ping over the second address')),
      filter((e): e is Extract<WebSocketEvent, { type: 'data' }> => e.type === 'data'),
      take(1),
      map((e) => e.bytes.toString()),
    ),
  );

describe('connectWebSocket on a dual-stack name (lookup, attemptTimeout)', () => {
  it('wss: tries every address: ::1 never answers, 127.0.0.1 does, and the server verified is the URL’s', async () => {
    const lookup = answering('::1', '127.0.0.1');
    const started = Date.now();
    const text = await echoOf(`wss://dual.test:${secure.port}/`, { servername: 'localhost', ca: pki.ca.cert, lookup, attemptTimeout: 200 });
    expect(text).toBe('ping over the second address');
    expect(lookup.asked).toEqual(['dual.test']);
    // Not stuck on ::1 until connectTimeout (30 s): the next address started after attemptTimeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ws: to localhost goes through the same dialer, the upgrade carried by the socket it opened', async () => {
    const lookup = answering('::1', '127.0.0.1');
    expect(await echoOf(`ws://localhost:${plain.port}/`, { lookup, attemptTimeout: 200 })).toBe('ping over the second address');
    expect(lookup.asked).toEqual(['localhost']);
  });

  it('one deadline: with every address a black hole, connectTimeout ends it, naming the addresses tried', async () => {
    const { error } = await collect(
      connectWebSocket(`wss://dual.test:${secure.port}/`, { lookup: answering('::1', '::1'), attemptTimeout: 50, connectTimeout: 400 }),
    );
    expect(error?.code).toBe('ERR_RXTLS_CONNECT_TIMEOUT');
    expect(error?.message).toMatch(/connect timed out after 400 ms \(option connectTimeout\) while connecting to ::1, ::1/);
  });

  it('one deadline: what the resolution spent is not given to the upgrade again', async () => {
    // The name takes 1 s to resolve, then TCP connects and the upgrade is never answered.
    const slow = ((_host: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      setTimeout(() => callback(null, [{ address: '127.0.0.1', family: 4 }]), 1000);
    }) as unknown as LookupFunction;
    const started = Date.now();
    const { error } = await collect(connectWebSocket(`ws://localhost:${silent.port}/`, { lookup: slow, connectTimeout: 1500 }));
    const took = Date.now() - started;
    expect(error?.code).toBe('ERR_RXTLS_CONNECT_TIMEOUT');
    expect(error?.message).toMatch(/the WebSocket did not open within 1500 ms \(option connectTimeout\)/);
    expect(silent.acceptedConnections()).toBeGreaterThan(0); // TCP did connect: it was the upgrade that ran out of time
    // Separate budgets would have taken 1 s + 1.5 s; one deadline ends at 1.5 s (some slack for a loaded machine).
    expect(took).toBeLessThan(2300);
  });

  it('refuses a lookup that is not a function, and an attemptTimeout that is not a positive integer, naming them', async () => {
    for (const [options, option] of [
      [{ lookup: 'dns' }, 'lookup'],
      [{ attemptTimeout: 0 }, 'attemptTimeout'],
    ] as const) {
      const { error } = await collect(connectWebSocket(`ws://127.0.0.1:${plain.port}/`, options as never));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  it('unsubscribing while the first address hangs leaves no socket and no timer behind', async () => {
    const sockets = openSocketHandles();
    const timers = activeTimers();
    const subscription = connectWebSocket(`wss://dual.test:${secure.port}/`, {
      lookup: answering('::1', '::1'),
      attemptTimeout: 50,
      ca: pki.ca.cert,
    }).subscribe({ error: () => undefined });
    await new Promise((r) => setTimeout(r, 150));
    subscription.unsubscribe();
    await eventually(() => openSocketHandles() <= sockets && activeTimers() <= timers, 5000, 'the attempts to be gone');
  });
});
