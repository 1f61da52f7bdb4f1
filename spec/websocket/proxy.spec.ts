import type { LookupFunction } from 'node:net';
import { inspect } from 'node:util';
import { filter, firstValueFrom, map, take, tap } from 'rxjs';
import { connectWebSocket, InvalidOptionError, TransportError, type NodeWebSocketOptions, type WebSocketEvent } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { collect } from '../support/collect';
import { startWebSocketServer, type TestWebSocketServer } from '../support/websocket-server';
import { describeWithMicrosocks, startMicrosocks } from '../interop/microsocks';
import { describeWithTinyproxy, startRecordingRelay, startTinyproxy, type RecordingRelay, type RunningProxy } from '../interop/tinyproxy';

// connectWebSocket in Node through real proxies (tinyproxy, microsocks) to a real wss: server,
// with a relay of our own between the proxy and the server recording what the proxy passed on.

const PLAINTEXT = 'the secret websocket message 5d2e9b';
const USER = 'rxtls-ws-user';
const PASSWORD = 'Pw-WS-83Kq-unique';

/** Every way a value could show a secret: String(), JSON, util.inspect (with causes). */
const shown = (value: unknown) =>
  [value instanceof Error ? value.message : '', String(value), safeJson(value), inspect(value, { depth: 6, showHidden: true })].join('\n');
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

let pki: TestPki;
let echo: TestWebSocketServer; // wss:, echoes every message
let plainEcho: TestWebSocketServer; // ws:, echoes every message
let relay: RecordingRelay; // in front of the wss: server
let plainRelay: RecordingRelay; // in front of the ws: server
beforeAll(async () => {
  pki = await createTestPki();
  const onConnection = (socket: import('ws').WebSocket) => socket.on('message', (m: Buffer) => socket.send(m));
  echo = await startWebSocketServer({ tls: await pki.leaf(), onConnection });
  plainEcho = await startWebSocketServer({ onConnection });
  relay = await startRecordingRelay(echo.port);
  plainRelay = await startRecordingRelay(plainEcho.port);
});
afterAll(async () => {
  await Promise.all([relay?.close(), plainRelay?.close()]);
  await Promise.all([echo?.close(), plainEcho?.close()]);
});

/** Opens the WebSocket, sends PLAINTEXT once connected, and returns the echo and the connected event. */
async function echoThrough(
  options: NodeWebSocketOptions,
  url = `wss://localhost:${relay.port}/`,
): Promise<{ text: string; connected: WebSocketEvent }> {
  let connected: WebSocketEvent | undefined;
  const text = await firstValueFrom(
    connectWebSocket(url, { ca: pki.ca.cert, ...options }).pipe(
      tap((e) => {
        if (e.type === 'connected') {
          connected = e;
          e.writer.write(PLAINTEXT);
        }
      }),
      filter((e): e is Extract<WebSocketEvent, { type: 'data' }> => e.type === 'data'),
      take(1),
      map((e) => e.bytes.toString()),
    ),
  );
  return { text, connected: connected as WebSocketEvent };
}

/** From behind the proxy, for each connection it relayed since `mark`: TLS records only — no upgrade request, no message, no credentials. */
function expectOnlyCiphertextRelayed(mark: number): void {
  const relayed = relay.sessions.slice(mark);
  expect(relayed).toHaveLength(1);
  for (const direction of relayed.flatMap((session) => [session.toTarget, session.fromTarget])) {
    const bytes = Buffer.concat(direction);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes[0]).toBe(0x16); // a TLS handshake record first: no CONNECT, no SOCKS bytes, no HTTP before TLS
    for (const visible of [PLAINTEXT, 'secret', 'Upgrade', 'websocket', 'Sec-WebSocket', USER, PASSWORD])
      expect(bytes.includes(Buffer.from(visible))).toBe(false);
  }
}

/** The connected event shows neither the proxy's user nor its password, however it is printed. */
function expectNoCredentialsIn(connected: WebSocketEvent): void {
  expect(connected.type).toBe('connected');
  const { writer: _w, reader: _r, ...facts } = connected as Extract<WebSocketEvent, { type: 'connected' }>;
  expect(shown(facts)).not.toContain(PASSWORD);
  expect(shown(facts)).not.toContain(USER);
}

describeWithTinyproxy('connectWebSocket through tinyproxy (HTTP CONNECT)', () => {
  let open: RunningProxy;
  let guarded: RunningProxy;
  beforeAll(async () => {
    open = await startTinyproxy({ connectPorts: [relay.port, plainRelay.port] });
    guarded = await startTinyproxy({ connectPorts: [relay.port], basicAuth: { user: USER, password: PASSWORD } });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('with BasicAuth: TLS end to end to the wss: server, and the proxy relayed only ciphertext', async () => {
    const mark = relay.sessions.length;
    const before = relay.connections();
    const { text, connected } = await echoThrough({ proxy: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}` });
    expect(text).toBe(PLAINTEXT);
    expect(relay.connections()).toBe(before + 1);
    expect(connected).toMatchObject({ type: 'connected', verifiedBy: 'policy', peer: { servername: 'localhost' } });
    expectOnlyCiphertextRelayed(mark);
    expectNoCredentialsIn(connected);
  });

  it('verification is about the WebSocket server, never the proxy: a wrong servername is certFailed, and no upgrade is sent', async () => {
    const upgrades = echo.upgrades();
    const { events } = await collect(
      connectWebSocket(`wss://localhost:${relay.port}/`, {
        ca: pki.ca.cert,
        servername: 'other.example',
        proxy: `http://127.0.0.1:${open.port}`,
      }),
    );
    expect(events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const failed = events[0];
    if (failed?.type === 'certFailed') expect(failed.errors.map((e) => e.code)).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(echo.upgrades()).toBe(upgrades);
  });

  it('a wrong password: ERR_RXTLS_PROXY_AUTH_REQUIRED naming the proxy hop, no credentials shown, nothing relayed', async () => {
    const mark = relay.sessions.length;
    const { error, events } = await collect(
      connectWebSocket(`wss://localhost:${relay.port}/`, {
        ca: pki.ca.cert,
        proxy: `http://${USER}:${PASSWORD}-wrong@127.0.0.1:${guarded.port}`,
      }),
    );
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ERR_RXTLS_PROXY_AUTH_REQUIRED');
    expect(error?.message).toMatch(new RegExp(`proxy http://127\\.0\\.0\\.1:${guarded.port} .*status 40[17]`));
    expect(shown(error)).not.toContain(PASSWORD);
    expect(shown(error)).not.toContain(USER);
    expect(relay.sessions.slice(mark).flatMap((c) => c.toTarget)).toHaveLength(0);
  });

  it('ws: through a proxy is refused unless allowPlaintext, naming the option and hiding the password', async () => {
    const proxy = `http://${USER}:${PASSWORD}@127.0.0.1:${open.port}`;
    const before = plainRelay.connections();
    const { error } = await collect(connectWebSocket(`ws://127.0.0.1:${plainRelay.port}/`, { proxy }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('proxy');
    expect(error?.message).toMatch(/not encrypted.*allowPlaintext/);
    expect(shown(error)).not.toContain(PASSWORD);
    expect(plainRelay.connections()).toBe(before);
  });

  it('ws: with allowPlaintext goes through the proxy (which then reads it, as asked)', async () => {
    const { text, connected } = await echoThrough(
      { proxy: `http://127.0.0.1:${open.port}`, allowPlaintext: true },
      `ws://127.0.0.1:${plainRelay.port}/`,
    );
    expect(text).toBe(PLAINTEXT);
    expect(connected).toMatchObject({ type: 'connected', verifiedBy: 'none' });
    expect(Buffer.concat(plainRelay.sessions.at(-1)?.toTarget ?? []).toString('latin1')).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
  });

  describe("proxy: 'env'", () => {
    const NAMES = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'];
    const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
    beforeEach(() => NAMES.forEach((n) => Reflect.deleteProperty(process.env, n)));
    afterEach(() => {
      for (const name of NAMES) {
        if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = saved[name];
      }
    });

    it('HTTPS_PROXY is used when asked, with its credentials hidden from the events', async () => {
      const mark = relay.sessions.length;
      process.env['HTTPS_PROXY'] = `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}`;
      const before = relay.connections();
      const { text, connected } = await echoThrough({ proxy: 'env' });
      expect(text).toBe(PLAINTEXT);
      expect(relay.connections()).toBe(before + 1);
      expectOnlyCiphertextRelayed(mark);
      expectNoCredentialsIn(connected);
    });

    it('a wss: server on NO_PROXY is reached directly: the proxy and its relay see nothing', async () => {
      // Through the proxy the server's own port is refused (outside ConnectPort); directly, it answers.
      process.env['HTTPS_PROXY'] = `http://127.0.0.1:${open.port}`;
      process.env['NO_PROXY'] = 'example.org, localhost';
      const logBefore = open.log().length;
      const before = relay.connections();
      const { text } = await echoThrough({ proxy: 'env' }, `wss://localhost:${echo.port}/`);
      expect(text).toBe(PLAINTEXT);
      expect(relay.connections()).toBe(before);
      await new Promise((r) => setTimeout(r, 100));
      expect(open.log().slice(logBefore)).not.toContain(`CONNECT localhost:${echo.port}`);
    });
  });
});

describeWithMicrosocks('connectWebSocket through microsocks (SOCKS5)', () => {
  let socks: RunningProxy;
  let guarded: RunningProxy;
  beforeAll(async () => {
    socks = await startMicrosocks();
    guarded = await startMicrosocks({ user: USER, password: PASSWORD });
  });
  afterAll(async () => {
    await socks?.stop();
    await guarded?.stop();
  });

  it('socks5h with user/password: end to end, and the proxy relayed only ciphertext', async () => {
    const mark = relay.sessions.length;
    const { text, connected } = await echoThrough({ proxy: `socks5h://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}` });
    expect(text).toBe(PLAINTEXT);
    expectOnlyCiphertextRelayed(mark);
    expectNoCredentialsIn(connected);
  });

  it('socks5 resolves the name here (with the custom lookup) and sends the proxy an address', async () => {
    const mark = relay.sessions.length;
    const asked: string[] = [];
    const lookup = ((host: string, _o: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      asked.push(host);
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    }) as unknown as LookupFunction;
    const { text } = await echoThrough({ proxy: `socks5://127.0.0.1:${socks.port}`, lookup });
    expect(text).toBe(PLAINTEXT);
    expect(asked).toEqual(['localhost']); // the target's name; the proxy's address needed no lookup
    expectOnlyCiphertextRelayed(mark);
  });

  it('a wrong password: ERR_RXTLS_PROXY_AUTH_REQUIRED, no password shown', async () => {
    const { error } = await collect(
      connectWebSocket(`wss://localhost:${relay.port}/`, {
        ca: pki.ca.cert,
        proxy: `socks5h://${USER}:wrong-${PASSWORD}@127.0.0.1:${guarded.port}`,
      }),
    );
    expect(error?.code).toBe('ERR_RXTLS_PROXY_AUTH_REQUIRED');
    expect(shown(error)).not.toContain(PASSWORD);
  });
});
