import type { Subscription } from 'rxjs';
import { connectWebSocket, gateway, type GatewayEvent, type GatewayOptions, type WebSocketEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { kernelKeepAlive, kernelTcpTable } from '../transport/kernel-keepalive';

// The gateway's idleTimeout, keepAlive and signal, with a real TLS target and WebSocket clients on loopback.
let pki: TestPki;
let target: TestServer; // greets once, then says nothing
const running: Subscription[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  target = await startTlsServer({ ...(await pki.leaf()), greeting: '* OK ready\r\n' });
});
afterEach(() => running.splice(0).forEach((s) => s.unsubscribe()));
afterAll(() => target.close());

/** Starts a gateway to the target; `ended` records how its Observable ended. */
const startGateway = (options: Partial<GatewayOptions>, events: GatewayEvent[] = [], ended = { completed: false }) =>
  new Promise<number>((resolve, reject) => {
    running.push(
      gateway({ port: 0, targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert }, ...options }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type === 'listening') resolve(e.port);
        },
        error: reject,
        complete: () => (ended.completed = true),
      }),
    );
  });

describe('gateway({ idleTimeout })', () => {
  it('closes a bridge nothing crossed for that long: 1001 to the client, bridgeClosed by the gateway with ERR_RXTLS_IDLE_TIMEOUT', async () => {
    const events: GatewayEvent[] = [];
    const port = await startGateway({ idleTimeout: 400 }, events);
    const client = await collect(connectWebSocket(`ws://127.0.0.1:${port}/`));
    expect(client.events.map((e) => e.type)).toEqual(['connected', 'data', 'closed']); // the greeting crossed, then nothing
    expect(client.events.at(-1)).toMatchObject({ code: 1001, clean: false });
    await eventually(() => events.some((e) => e.type === 'bridgeClosed'), 5000, 'bridgeClosed');
    expect(events.find((e) => e.type === 'bridgeClosed')).toMatchObject({ closedBy: 'gateway', error: { code: 'ERR_RXTLS_IDLE_TIMEOUT' } });
  });

  it('keeps a bridge across which bytes keep going', async () => {
    const port = await startGateway({ idleTimeout: 1000 });
    const seen: WebSocketEvent[] = [];
    let tick: ReturnType<typeof setInterval> | undefined;
    running.push(
      connectWebSocket(`ws://127.0.0.1:${port}/`).subscribe((e) => {
        seen.push(e);
        if (e.type === 'connected') tick = setInterval(() => e.writer.write('a1 NOOP\r\n'), 100); // the client talks
      }),
    );
    await new Promise((r) => setTimeout(r, 3500)); // three and a half idle periods
    clearInterval(tick);
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
  });

  it("refuses upstream.idleTimeout and upstream.signal: the gateway's own options are the ones", async () => {
    for (const upstream of [{ idleTimeout: 10 }, { signal: new AbortController().signal }]) {
      const { error } = await collect(gateway({ port: 0, targets: ['localhost:1'], upstream: upstream as GatewayOptions['upstream'] }));
      expect(error).toMatchObject({ code: 'ERR_RXTLS_INVALID_OPTION', option: `upstream.${Object.keys(upstream)[0]}` });
    }
  });
});

describe('gateway({ signal })', () => {
  it('aborting stops it as unsubscribing does: bridges closed with 1001, the port released, the Observable complete', async () => {
    const controller = new AbortController();
    const events: GatewayEvent[] = [];
    const ended = { completed: false };
    const port = await startGateway({ signal: controller.signal }, events, ended);
    const seen: WebSocketEvent[] = [];
    const client = new Promise<void>((resolve) =>
      running.push(connectWebSocket(`ws://127.0.0.1:${port}/`).subscribe({ next: (e) => seen.push(e), complete: resolve })),
    );
    await eventually(() => seen.some((e) => e.type === 'data'), 5000, 'the greeting');
    controller.abort(new Error('maintenance'));
    expect(ended.completed).toBe(true);
    await client;
    expect(seen.at(-1)).toMatchObject({ type: 'closed', code: 1001 });
    const again = await collect(connectWebSocket(`ws://127.0.0.1:${port}/`));
    expect(again.error).toBeDefined(); // nothing listens any more
  });

  it('with a signal already aborted listens on nothing: ERR_RXTLS_ABORTED with the reason', async () => {
    const reason = new Error('not today');
    const { error } = await collect(gateway({ port: 0, targets: ['localhost:1'], signal: AbortSignal.abort(reason) }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
  });
});

(kernelTcpTable ? describe : describe.skip)('gateway({ keepAlive })', () => {
  it("sets keepalive on the clients' sockets as they are accepted (the kernel says so)", async () => {
    const port = await startGateway({ keepAlive: 5000 });
    const seen: WebSocketEvent[] = [];
    running.push(connectWebSocket(`ws://127.0.0.1:${port}/`).subscribe((e) => seen.push(e)));
    await eventually(() => seen.length > 0, 5000, 'connected');
    const { readFileSync } = await import('node:fs');
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const clients = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((row) => row.trim().split(/\s+/))
      .filter(([, from, to]) => from?.endsWith(`:${hex}`) && to !== undefined && !to.endsWith(':0000'))
      .map(([, , to]) => parseInt(to?.split(':')[1] ?? '0', 16));
    expect(clients).toHaveLength(1);
    const state = await kernelKeepAlive(port, clients[0] ?? 0);
    expect(state?.armed).toBe(true);
    expect(state?.msLeft).toBeLessThanOrEqual(5000);
  });
});
