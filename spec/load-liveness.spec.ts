import { getEventListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import { connect, type ConnectEvent } from '../lib';
import { createTestPki, startSilentServer, startTlsServer, type TestPki, type TestServer } from '../lib/testing';
import { activeTimerCallers, activeTimers, eventually, openSocketHandles } from './support/collect';

// The soak of the dead-peer machinery, bounded in count and time: idle timeouts and aborts in
// every phase, many at once, and afterwards no socket, timer or abort listener left behind.
let pki: TestPki;
let quiet: TestServer; // handshakes, then never says a word
let silent: TestServer; // never answers the ClientHello
beforeAll(async () => {
  pki = await createTestPki();
  quiet = await startTlsServer({ ...(await pki.leaf()) });
  silent = await startSilentServer();
});
afterAll(async () => Promise.all([quiet.close(), silent.close()]));

const to = (server: TestServer) => ({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: pki.ca.cert });
/** What the process holds besides what the specs' servers hold: sockets and timers. */
const held = () => ({ handles: openSocketHandles(), timers: activeTimers() });

describe('dead peers under load (bounded, loopback)', () => {
  it('200 connections to a peer gone quiet all end by idleTimeout, leaving no socket or timer', async () => {
    const before = held();
    const COUNT = 200;
    const closed: ConnectEvent[] = [];
    const subscriptions: Subscription[] = [];
    for (let i = 0; i < COUNT; i++)
      subscriptions.push(
        connect({ ...to(quiet), idleTimeout: 300, handshakeTimeout: 30_000 }).subscribe((e) => e.type === 'closed' && closed.push(e)),
      );
    await eventually(() => closed.length === COUNT, 30_000, `${COUNT} idle timeouts`);
    expect(
      closed.every(
        (e) => e.type === 'closed' && e.by === 'local' && !e.clean && (e.error as { code?: string }).code === 'ERR_RXTLS_IDLE_TIMEOUT',
      ),
    ).toBe(true);
    subscriptions.forEach((s) => s.unsubscribe());
    await eventually(() => openSocketHandles() <= before.handles, 10_000, 'the sockets to go');
    await eventually(() => activeTimers() <= before.timers, 5000, `no timer left: ${activeTimerCallers().join(', ')}`);
  }, 60_000);

  it('300 connections on one signal, aborted in every phase, all end with ERR_RXTLS_ABORTED and leave nothing', async () => {
    const before = held();
    const controller = new AbortController();
    const outcomes: { kind: 'error' | 'closed'; code?: string }[] = [];
    const subscriptions: Subscription[] = [];
    const watch = (target: TestServer) =>
      subscriptions.push(
        connect({ ...to(target), signal: controller.signal, handshakeTimeout: 30_000 }).subscribe({
          next: (e) => {
            if (e.type === 'connected') connected += 1;
            if (e.type === 'closed') outcomes.push({ kind: 'closed', code: (e.error as { code?: string } | undefined)?.code });
          },
          error: (e: { code?: string }) => outcomes.push({ kind: 'error', code: e.code }),
        }),
      );
    let connected = 0;
    for (let i = 0; i < 100; i++) watch(quiet); // these will be connected when the abort comes
    await eventually(() => connected === 100, 30_000, '100 handshakes');
    for (let i = 0; i < 100; i++) watch(silent); // these will be stuck in their handshake
    for (let i = 0; i < 100; i++) watch(quiet); // and these still connecting, or just connected
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('shutdown'));
    await eventually(() => outcomes.length === 300, 20_000, '300 outcomes');
    expect(outcomes.every((o) => o.code === 'ERR_RXTLS_ABORTED')).toBe(true);
    expect(outcomes.filter((o) => o.kind === 'closed').length).toBeGreaterThanOrEqual(100); // aborted after connected
    expect(outcomes.filter((o) => o.kind === 'error').length).toBeGreaterThanOrEqual(100); // aborted before
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    subscriptions.forEach((s) => s.unsubscribe());
    await eventually(() => openSocketHandles() <= before.handles, 10_000, 'the sockets to go');
    await eventually(() => activeTimers() <= before.timers, 5000, `no timer left: ${activeTimerCallers().join(', ')}`);
  }, 60_000);
});
