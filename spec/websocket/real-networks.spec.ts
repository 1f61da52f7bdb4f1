import type { IncomingMessage } from 'node:http';
import { filter, firstValueFrom, NEVER, take, toArray, type Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import {
  connectWebSocket,
  converse,
  DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS,
  heartbeat,
  line,
  lines,
  reconnect,
  type Dialogue,
  type LineEvent,
  type WebSocketEvent,
} from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startWebSocketServer, type TestWebSocketServer } from '../support/websocket-server';
import { kernelKeepAlive, kernelTcpTable } from '../transport/kernel-keepalive';

// connectWebSocket in Node with the rest of issue 17's kit: TCP keepalive on the sockets it
// dials (wss: and ws:), heartbeat() in a dialogue, and reconnect() resuming the TLS session.

let pki: TestPki;
let answering: TestWebSocketServer; // wss:, answers "TAG NOOP" with "TAG OK", or nothing while mute
let hangingUp: TestWebSocketServer; // wss:, says hello and closes (1000) at once
let plain: TestWebSocketServer; // ws:, holds the connection open and says nothing
let mute = false;
/** The client ports of the WebSockets that reached `answering` and `plain`, as their servers saw them. */
const clientPorts: number[] = [];
const remember = (_socket: WebSocket, request: IncomingMessage) => clientPorts.push(request.socket.remotePort ?? 0);
const running: Subscription[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  const leaf = await pki.leaf();
  answering = await startWebSocketServer({
    tls: leaf,
    onConnection: (socket: WebSocket, request: IncomingMessage) => {
      remember(socket, request);
      socket.on('message', (m: Buffer) => {
        const text = m.toString();
        if (!mute && text.endsWith(' NOOP\r\n')) socket.send(`${text.split(' ')[0]} OK NOOP completed\r\n`);
      });
    },
  });
  hangingUp = await startWebSocketServer({
    tls: leaf,
    onConnection: (socket: WebSocket) => (socket.send('hello\r\n'), socket.close(1000)),
  });
  plain = await startWebSocketServer({ onConnection: remember });
});
afterEach(() => {
  running.splice(0).forEach((s) => s.unsubscribe());
  mute = false;
  clientPorts.length = 0;
});
afterAll(async () => Promise.all([answering.close(), hangingUp.close(), plain.close()]));

const wss = (server: TestWebSocketServer) => `wss://localhost:${server.port}/`;

describe('connectWebSocket with heartbeat()', () => {
  /** How long a live server may take to answer a no-op: generous, as a loaded machine can stall the event loop for longer than the quiet period. */
  const ANSWER_WITHIN = 5000;
  /** Idle between commands; the heartbeat sends a NOOP after each quiet period. */
  const idleClient = (timeout = 500): Dialogue<WebSocketEvent | LineEvent> => {
    let n = 0;
    return (events$) => NEVER.pipe(heartbeat(events$, { quiet: 200, timeout, send: () => line(`hb${++n} NOOP`) }));
  };

  it('keeps a WebSocket whose server answers the no-ops open', async () => {
    const seen: (WebSocketEvent | LineEvent)[] = [];
    running.push(
      connectWebSocket(wss(answering), { ca: pki.ca.cert })
        .pipe(lines(), converse(idleClient(ANSWER_WITHIN)))
        .subscribe((e) => seen.push(e)),
    );
    const answered = () => seen.filter((e) => e.type === 'line').length;
    await eventually(() => answered() >= 3, 10_000, 'three answered heartbeats');
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
  });

  it('fails it with ERR_RXTLS_HEARTBEAT_TIMEOUT when the server stops answering', async () => {
    mute = true;
    const { events, error } = await collect(connectWebSocket(wss(answering), { ca: pki.ca.cert }).pipe(lines(), converse(idleClient())));
    expect(events.map((e) => e.type)).toEqual(['connected']);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_HEARTBEAT_TIMEOUT', host: '127.0.0.1', port: answering.port });
  });
});

describe('connectWebSocket with reconnect()', () => {
  it('passes the latest ticket on: every reconnect to the same wss: server is a resumed handshake', async () => {
    const connected = await firstValueFrom(
      reconnect(({ session }) => connectWebSocket(wss(hangingUp), { ca: pki.ca.cert, ...(session && { session }) }), {
        initialDelay: 10,
        maxDelay: 50,
      }).pipe(
        filter((e) => e.type === 'connected'),
        take(4),
        toArray(),
      ),
    );
    const resumed = connected.map((e) => ('session' in e ? e.session.resumed : undefined));
    expect(resumed).toEqual([false, true, true, true]);
  });
});

(kernelTcpTable ? describe : describe.skip)('connectWebSocket({ keepAlive }), as the kernel sees the client socket', () => {
  /** Opens the WebSocket and reads its client socket's keepalive from the kernel. */
  const keepAliveOf = async (url: string, server: TestWebSocketServer, keepAlive?: boolean | number) => {
    clientPorts.length = 0;
    const options = { ca: pki.ca.cert, ...(keepAlive !== undefined && { keepAlive }) };
    running.push(connectWebSocket(url, options).subscribe());
    await eventually(() => clientPorts.length === 1, 5000, 'the upgrade');
    return kernelKeepAlive(clientPorts[0] as number, server.port);
  };
  const plainUrl = () => `ws://127.0.0.1:${plain.port}/`;

  it.each([
    ['wss:', () => [wss(answering), answering] as const],
    ['ws:', () => [plainUrl(), plain] as const],
  ])('%s is on by default, with DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS before the first probe', async (_scheme, target) => {
    const [url, server] = target();
    const state = await keepAliveOf(url, server);
    expect(state?.armed).toBe(true);
    expect(state?.msLeft).toBeLessThanOrEqual(DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS);
    expect(state?.msLeft).toBeGreaterThan(DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS - 5000);
  });

  it('ws: takes the delay in ms, and is off with keepAlive: false', async () => {
    const state = await keepAliveOf(plainUrl(), plain, 4000);
    expect(state?.armed).toBe(true);
    expect(state?.msLeft).toBeLessThanOrEqual(4000);
    expect(await keepAliveOf(plainUrl(), plain, false)).toEqual({ armed: false, msLeft: 0 });
  });
});
