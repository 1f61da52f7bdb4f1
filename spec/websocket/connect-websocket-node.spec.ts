import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { connectWebSocket, InvalidOptionError, lines, pin, TransportError, type WebSocketEvent } from '../../lib';
import { resolveNodeWebSocketOptions } from '../../lib/websocket/connect-websocket-node';
import { createTestPki, type TestPki } from '../../lib/testing';
import { collect, eventually, openSocketHandles } from '../support/collect';
import { startWebSocketServer, type TestWebSocketServer } from '../support/websocket-server';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
const servers: TestWebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function server(options: Parameters<typeof startWebSocketServer>[0]): Promise<TestWebSocketServer> {
  const s = await startWebSocketServer(options);
  servers.push(s);
  return s;
}
const types = (events: WebSocketEvent[]) => events.map((e) => e.type);

describe('connectWebSocket in Node (the ws package)', () => {
  it('verifies a wss: server as connect() does, then speaks WebSocket over that verified socket', async () => {
    const leaf = await pki.leaf();
    const closeCodes: number[] = [];
    const s = await server({
      tls: leaf,
      onConnection: (ws) => {
        ws.send('* OK ready\r\n');
        ws.on('message', (data) => ws.send(Buffer.concat([Buffer.from('echo: '), data as Buffer])));
        ws.on('close', (code) => closeCodes.push(code));
      },
    });
    const seen: WebSocketEvent[] = [];
    const echoed = await firstValueFrom(
      connectWebSocket(`wss://localhost:${s.port}/imap`, { ca: pki.ca.cert }).pipe(
        map((e) => {
          seen.push(e);
          if (e.type === 'connected') e.writer.write('a1 NOOP\r\n');
          return e;
        }),
        lines(),
        filter((e) => e.type === 'line'),
        map((e) => e.text),
        take(2),
        toArray(),
      ),
    );
    expect(echoed).toEqual(['* OK ready', 'echo: a1 NOOP']);
    const connected = seen[0];
    if (connected?.type !== 'connected' || connected.verifiedBy !== 'policy')
      throw new Error('expected a connected event verified by the policy');
    expect(connected.peer.subject).toBe('CN=localhost');
    expect(connected.peer.spkiPin).toBe(leaf.spkiPin);
    expect(connected.session.alpn).toBe('http/1.1'); // rxtls offers only http/1.1: a WebSocket is an HTTP/1.1 upgrade
    expect(connected.webSocket).toEqual({ url: `wss://localhost:${s.port}/imap`, protocol: '' });
    await eventually(() => closeCodes.length > 0, 3000, 'the server to see the close');
    expect(closeCodes).toEqual([1000]);
  });

  it('sends nothing, not even the upgrade request, to a server that fails verification', async () => {
    const s = await server({ tls: await pki.selfSigned(), onConnection: () => undefined });
    const { events, error } = await collect(connectWebSocket(`wss://localhost:${s.port}/`));
    expect(error).toBeUndefined();
    expect(types(events)).toEqual(['certFailed', 'closed']);
    expect(events[0]?.type === 'certFailed' && events[0].errors.map((e) => e.code)).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(events[1]).toEqual({ type: 'closed', by: 'local', clean: false });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.upgrades()).toBe(0);
  });

  it('takes any policy of the family: a pin that does not match is certFailed', async () => {
    const s = await server({ tls: await pki.leaf(), onConnection: () => undefined });
    const { events } = await collect(
      connectWebSocket(`wss://localhost:${s.port}/`, {
        ca: pki.ca.cert,
        verify: pin('sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
      }),
    );
    expect(types(events)).toEqual(['certFailed', 'closed']);
    expect(s.upgrades()).toBe(0);
  });

  it('speaks ws: to a loopback address, and says nothing verified it', async () => {
    const s = await server({ onConnection: (ws) => ws.close(1000, 'bye') });
    const { events } = await collect(connectWebSocket(`ws://127.0.0.1:${s.port}/`));
    expect(events[0]).toMatchObject({ type: 'connected', verifiedBy: 'none' });
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'peer', clean: true, code: 1000, reason: 'bye' });
  });

  it('fails the connection, telling the server 1009, when a message exceeds maxMessageBytes', async () => {
    const serverSaw: number[] = [];
    const s = await server({ onConnection: (ws) => (ws.send(Buffer.alloc(2048)), ws.on('close', (code) => serverSaw.push(code))) });
    const { events } = await collect(connectWebSocket(`ws://127.0.0.1:${s.port}/`, { maxMessageBytes: 1024 }));
    expect(types(events)).toEqual(['connected', 'closed']);
    expect(events[1]).toMatchObject({ type: 'closed', by: 'peer', clean: false, error: { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } });
    await eventually(() => serverSaw.length > 0, 3000, 'the server to see the close');
    expect(serverSaw).toEqual([1009]);
  });

  it('reports a refused connection as an error notification with its code', async () => {
    const s = await server({ onConnection: () => undefined });
    const { close } = s;
    await close();
    servers.splice(0);
    const refused = await collect(connectWebSocket(`ws://127.0.0.1:${s.port}/`));
    expect(refused.error).toBeInstanceOf(TransportError);
    expect(refused.error?.code).toBe('ECONNREFUSED');
  });

  it('leaves no socket behind after many subscribe/unsubscribe cycles', async () => {
    const s = await server({ tls: await pki.leaf(), onConnection: (ws) => ws.send('hi') });
    const before = openSocketHandles();
    for (let i = 0; i < 20; i += 1) {
      await firstValueFrom(connectWebSocket(`wss://localhost:${s.port}/`, { ca: pki.ca.cert }).pipe(filter((e) => e.type === 'data')));
    }
    await eventually(() => openSocketHandles() <= before, 5000, 'the sockets to close');
  });
});

describe('connectWebSocket in Node: its options, resolved once', () => {
  it.each([
    [{ maxMessageBytes: 2 ** 31 }, 'maxMessageBytes'],
    [{ headers: { Authorization: 5 } }, 'headers'],
    [{ headers: null }, 'headers'],
    [{ highWaterBytes: 0 }, 'highWaterBytes'],
  ])('refuses %j as an error notification naming %s, before any socket is opened', async (options, option) => {
    const { error, events } = await collect(connectWebSocket('wss://127.0.0.1:1/', options as never));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });

  it('resolves the URL, the bounds and the TLS options of a wss: server in one pass', () => {
    const resolved = resolveNodeWebSocketOptions('wss://[::1]/', { servername: 'gw.example.com', handshakeTimeout: 5000 });
    expect(resolved).toMatchObject({ host: '::1', port: 443, maxMessageBytes: 1024 * 1024, headers: undefined });
    expect(resolved.tls).toEqual({
      host: '::1',
      port: 443,
      alpn: ['http/1.1'],
      connectTimeout: 30_000,
      servername: 'gw.example.com',
      handshakeTimeout: 5000,
    });
  });
});
