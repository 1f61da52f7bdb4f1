import { getEventListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { connectWebSocket, type WebSocketEvent } from '../../lib';
import { createTestPki, startSilentServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startWebSocketServer, type TestWebSocketServer } from '../support/websocket-server';

// connectWebSocket in Node: idleTimeout and signal, against real ws servers on loopback (wss: and ws:).
let pki: TestPki;
let quiet: TestWebSocketServer; // wss:, opens and then sends nothing
let chatty: TestWebSocketServer; // ws:, sends a message every 50 ms
let silent: TestServer; // TCP that never answers the ClientHello
const ticking: ReturnType<typeof setInterval>[] = [];
const running: Subscription[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  const leaf = await pki.leaf();
  quiet = await startWebSocketServer({ tls: leaf, onConnection: () => undefined });
  chatty = await startWebSocketServer({
    onConnection: (socket: WebSocket) => {
      const tick = setInterval(() => socket.send('tick'), 50);
      ticking.push(tick);
      socket.once('close', () => clearInterval(tick));
    },
  });
  silent = await startSilentServer();
});
afterEach(() => running.splice(0).forEach((s) => s.unsubscribe()));
afterAll(async () => {
  ticking.forEach(clearInterval);
  await Promise.all([quiet.close(), chatty.close(), silent.close()]);
});

const wss = (server: { port: number }) => `wss://localhost:${server.port}/`;
const reason = new Error('user left');

describe('connectWebSocket({ idleTimeout })', () => {
  it('closes a WebSocket whose server sends nothing: closed by local, not clean, ERR_RXTLS_IDLE_TIMEOUT', async () => {
    const { events, error } = await collect(connectWebSocket(wss(quiet), { ca: pki.ca.cert, idleTimeout: 300 }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['connected', 'closed']);
    expect(events.at(-1)).toMatchObject({ by: 'local', clean: false, error: { code: 'ERR_RXTLS_IDLE_TIMEOUT' } });
  });

  it('keeps a WebSocket whose server talks, and does not count the time its reader is paused', async () => {
    const seen: WebSocketEvent[] = [];
    running.push(
      connectWebSocket(`ws://127.0.0.1:${chatty.port}/`, { idleTimeout: 1000 }).subscribe((e) => {
        seen.push(e);
        if (e.type === 'connected') e.reader.pause();
      }),
    );
    await eventually(() => seen.length > 0, 5000, 'connected');
    await new Promise((r) => setTimeout(r, 2500)); // paused for two and a half idle periods
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
    const connected = seen[0];
    if (connected?.type === 'connected') connected.reader.resume();
    await new Promise((r) => setTimeout(r, 2500)); // reading: messages every 50 ms keep it open
    expect(seen.filter((e) => e.type === 'data').length).toBeGreaterThan(3);
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
  });
});

describe('connectWebSocket({ signal })', () => {
  it('with a signal already aborted opens nothing: ERR_RXTLS_ABORTED, and no upgrade reached the server', async () => {
    const before = quiet.upgrades();
    const { error } = await collect(connectWebSocket(wss(quiet), { ca: pki.ca.cert, signal: AbortSignal.abort(reason) }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
    const plain = await collect(connectWebSocket(`ws://127.0.0.1:${chatty.port}/`, { signal: AbortSignal.abort(reason) }));
    expect(plain.error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
    expect(quiet.upgrades()).toBe(before);
  });

  it('during the TLS handshake: an error notification', async () => {
    const controller = new AbortController();
    const accepted = silent.acceptedConnections();
    const result = collect(connectWebSocket(`wss://localhost:${silent.port}/`, { ca: pki.ca.cert, signal: controller.signal }));
    await eventually(() => silent.acceptedConnections() === accepted + 1, 5000, 'TCP to connect');
    controller.abort(reason);
    expect((await result).error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
  });

  it('after it opened: closed by local, not clean, with the reason; no listener is left on the signal', async () => {
    const controller = new AbortController();
    const seen: WebSocketEvent[] = [];
    await new Promise<void>((resolve) =>
      running.push(
        connectWebSocket(wss(quiet), { ca: pki.ca.cert, signal: controller.signal }).subscribe({
          next: (e) => {
            seen.push(e);
            if (e.type === 'connected') controller.abort(reason);
          },
          complete: resolve,
        }),
      ),
    );
    expect(seen.map((e) => e.type)).toEqual(['connected', 'closed']);
    expect(seen.at(-1)).toMatchObject({ by: 'local', clean: false, error: { code: 'ERR_RXTLS_ABORTED', cause: reason } });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('refuses anything but an AbortSignal, naming signal', async () => {
    const { error } = await collect(connectWebSocket(wss(quiet), { signal: {} as AbortSignal }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_INVALID_OPTION', option: 'signal' });
  });
});
