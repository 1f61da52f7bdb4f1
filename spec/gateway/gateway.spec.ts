import type { TLSSocket } from 'node:tls';
import { filter, firstValueFrom, map, take, toArray, type Subscription } from 'rxjs';
import {
  connectWebSocket,
  gateway,
  InvalidOptionError,
  lines,
  TransportError,
  type GatewayEvent,
  type GatewayOptions,
  type WebSocketEvent,
} from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually, openSocketHandles } from '../support/collect';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const servers: TestServer[] = [];
const running: Subscription[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) s.unsubscribe();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function tlsServer(
  behaviour: Omit<Parameters<typeof startTlsServer>[0], 'cert' | 'key'>,
  credentials?: { cert: string; key: string },
) {
  const s = await startTlsServer({ ...(credentials ?? (await pki.leaf())), ...behaviour });
  servers.push(s);
  return s;
}

/** Starts a gateway; resolves with its port and the events it emitted so far (and later). */
async function startGateway(options: Omit<GatewayOptions, 'port'>): Promise<{ port: number; events: GatewayEvent[] }> {
  const events: GatewayEvent[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    running.push(
      gateway({ port: 0, ...options }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type === 'listening') resolve(e.port);
        },
        error: reject,
      }),
    );
  });
  return { port, events };
}

const wsLines = (events$: ReturnType<typeof connectWebSocket>, count: number) =>
  firstValueFrom(
    events$.pipe(
      lines(),
      filter((e) => e.type === 'line'),
      map((e) => e.text),
      take(count),
      toArray(),
    ),
  );

describe('gateway: WebSocket clients bridged to verified TLS services', () => {
  it('bridges bytes both ways, end to end over real sockets, and propagates the client’s close to the TLS service', async () => {
    let serverSawEnd = false;
    const target = await tlsServer({
      greeting: '* OK ready\r\n',
      echo: true,
      onConnection: (socket: TLSSocket) => socket.on('end', () => (serverSawEnd = true)),
    });
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } });
    const got = await wsLines(
      connectWebSocket(`ws://127.0.0.1:${gw.port}/`).pipe(
        map((e) => {
          if (e.type === 'connected') e.writer.write('a1 NOOP\r\n');
          return e;
        }),
      ),
      2,
    );
    expect(got).toEqual(['* OK ready', 'a1 NOOP']);
    await eventually(() => gw.events.some((e) => e.type === 'bridgeClosed'), 5000, 'the bridge to close');
    expect(gw.events.map((e) => e.type)).toEqual(['listening', 'bridged', 'bridgeClosed']);
    expect(gw.events[1]).toMatchObject({
      type: 'bridged',
      id: 1,
      target: `localhost:${target.port}`,
      remoteAddress: '127.0.0.1',
      peer: { subject: 'CN=localhost' },
    });
    expect(gw.events[2]).toMatchObject({ type: 'bridgeClosed', id: 1, closedBy: 'client', code: 1000, bytesUp: 9, bytesDown: 12 + 9 });
    expect(serverSawEnd).toBe(true);
  });

  it('closes the WebSocket with 1000 when the TLS service ends in order', async () => {
    const target = await tlsServer({ greeting: 'bye\r\n', onConnection: (socket: TLSSocket) => setTimeout(() => socket.end(), 20) });
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } });
    const { events } = await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`));
    expect(events.map((e) => e.type)).toEqual(['connected', 'data', 'closed']);
    expect(events[2]).toMatchObject({ type: 'closed', by: 'peer', clean: true, code: 1000 });
    await eventually(() => gw.events.some((e) => e.type === 'bridgeClosed'), 5000, 'the bridge to close');
    expect(gw.events.at(-1)).toMatchObject({ type: 'bridgeClosed', closedBy: 'target' });
  });

  it('closes the WebSocket with 1014 (bad gateway) when the TLS service drops TCP without close_notify', async () => {
    const target = await tlsServer({ onConnection: (socket: TLSSocket) => setTimeout(() => socket.destroy(), 20) });
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } });
    const { events } = await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`));
    expect(events.at(-1)).toMatchObject({
      type: 'closed',
      by: 'peer',
      clean: false,
      code: 1014,
      reason: expect.stringMatching(/ERR_RXTLS_TLS_TRUNCATED/),
    });
    await eventually(() => gw.events.some((e) => e.type === 'bridgeClosed'), 5000, 'the bridge to close');
    const closed = gw.events.find((e) => e.type === 'bridgeClosed');
    const error = closed?.type === 'bridgeClosed' ? closed.error : undefined;
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_TLS_TRUNCATED', host: 'localhost', port: target.port });
  });

  it('refuses a target that is not on the allow-list with 403, and never connects to it', async () => {
    const allowed = await tlsServer({ greeting: 'hi\r\n' });
    const other = await tlsServer({ greeting: 'secret\r\n' });
    const gw = await startGateway({ targets: [`localhost:${allowed.port}`], upstream: { ca: pki.ca.cert } });
    const { events, error } = await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/?target=localhost:${other.port}`));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.message).toMatch(/403/);
    expect(gw.events.at(-1)).toMatchObject({
      type: 'refused',
      status: 403,
      target: `localhost:${other.port}`,
      reason: expect.stringMatching(/allow-list/),
    });
    expect(other.acceptedConnections()).toBe(0);
    // the one on the list, asked for by name, is reachable
    expect(await wsLines(connectWebSocket(`ws://127.0.0.1:${gw.port}/?target=localhost:${allowed.port}`), 1)).toEqual(['hi']);
  });

  it('refuses an Origin that is not allowed with 403, and accepts one that is', async () => {
    const target = await tlsServer({ greeting: 'hi\r\n' });
    const gw = await startGateway({
      targets: [`localhost:${target.port}`],
      upstream: { ca: pki.ca.cert },
      origins: ['http://app.test:8080'],
    });
    const refused = await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`, { headers: { Origin: 'https://evil.test' } }));
    expect(refused.error?.message).toMatch(/403/);
    expect(gw.events.at(-1)).toMatchObject({ type: 'refused', status: 403, origin: 'https://evil.test' });
    expect(target.acceptedConnections()).toBe(0);
    expect(await wsLines(connectWebSocket(`ws://127.0.0.1:${gw.port}/`, { headers: { Origin: 'http://app.test:8080' } }), 1)).toEqual([
      'hi',
    ]);
  });

  it('answers 502, before any upgrade, when the target fails verification', async () => {
    const target = await tlsServer({ greeting: 'hi\r\n' }, await pki.selfSigned());
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } });
    const { events, error } = await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`));
    expect(events).toEqual([]);
    expect(error?.message).toMatch(/502/);
    expect(gw.events.at(-1)).toMatchObject({
      type: 'refused',
      status: 502,
      reason: expect.stringMatching(/certificate was rejected.*self-signed/),
    });
  });

  it('answers 502 when the target is down, and 404 on another path', async () => {
    const target = await tlsServer({});
    const port = target.port;
    await servers.pop()?.close();
    const gw = await startGateway({ targets: [`localhost:${port}`], upstream: { ca: pki.ca.cert } });
    expect((await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`))).error?.message).toMatch(/502/);
    expect(gw.events.at(-1)).toMatchObject({
      type: 'refused',
      status: 502,
      reason: expect.stringMatching(/ECONNREFUSED|connection refused/),
    });
    expect((await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/elsewhere`))).error?.message).toMatch(/404/);
  });

  it('refuses clients past maxConnections with 503, and takes them again once a bridge closes', async () => {
    const target = await tlsServer({ greeting: 'hi\r\n' });
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert }, maxConnections: 1 });
    let first: Extract<WebSocketEvent, { type: 'connected' }> | undefined;
    const holding = connectWebSocket(`ws://127.0.0.1:${gw.port}/`).subscribe((e) => e.type === 'connected' && (first = e));
    await eventually(() => first !== undefined, 5000, 'the first client');
    expect((await collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`))).error?.message).toMatch(/503/);
    holding.unsubscribe();
    await eventually(() => gw.events.some((e) => e.type === 'bridgeClosed'), 5000, 'the first bridge to close');
    expect(await wsLines(connectWebSocket(`ws://127.0.0.1:${gw.port}/`), 1)).toEqual(['hi']);
  });

  it('delivers 8 MiB intact through pause and resume with a small maxBufferedBytes', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const total = 8 * 1024 * 1024;
    const target = await tlsServer({
      onConnection: (socket: TLSSocket) => {
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
          socket.end();
        };
        pump();
      },
    });
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert }, maxBufferedBytes: 256 * 1024 });
    let received = 0;
    const { events } = await collect(
      connectWebSocket(`ws://127.0.0.1:${gw.port}/`, { maxMessageBytes: 128 * 1024 }).pipe(
        map((e) => {
          if (e.type === 'data') received += e.bytes.length;
          return e;
        }),
      ),
    );
    expect(events.at(-1)).toMatchObject({ type: 'closed', clean: true });
    expect(received).toBe(total);
  });

  it('closes every bridge with 1001 when the gateway is unsubscribed, and leaves no socket open', async () => {
    const target = await tlsServer({ greeting: 'hi\r\n' });
    const before = openSocketHandles();
    const gw = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } });
    const closing = collect(connectWebSocket(`ws://127.0.0.1:${gw.port}/`));
    await eventually(() => gw.events.some((e) => e.type === 'bridged'), 5000, 'the bridge');
    for (const s of running.splice(0)) s.unsubscribe();
    const { events } = await closing;
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'peer', clean: false, code: 1001 });
    await eventually(() => openSocketHandles() <= before, 5000, 'every socket to close');
  });

  it.each([
    [{ port: 0, targets: [] }, 'targets'],
    [{ port: 0, targets: ['no-port'] }, 'targets'],
    [{ port: -1, targets: ['a:1'] }, 'port'],
    [{ port: 0, targets: ['a:1'], origins: ['*'] }, 'origins'],
    [{ port: 0, targets: ['a:1'], maxConnections: 0 }, 'maxConnections'],
    [{ port: 0, targets: ['a:1'], path: 'x' }, 'path'],
  ])('refuses %j, naming %s', async (options, option) => {
    const { error } = await collect(gateway(options as GatewayOptions));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });

  it('reports a port in use as an error notification naming it', async () => {
    const gw = await startGateway({ targets: ['localhost:1'] });
    const { error } = await collect(gateway({ port: gw.port, targets: ['localhost:1'] }));
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('EADDRINUSE');
  });
});
