import { randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { connect, lines, reconnect, type ConnectedEvent } from '../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../lib/testing';
import { activeTimerCallers, activeTimers, eventually, openSocketHandles } from './support/collect';
import { freePort } from './interop/peers';

// Reconnect loops under load, on loopback only: every loop has a fixed count and every wait a
// deadline; afterwards no socket handle and no timer of ours may be left.
let pki: TestPki;
let credentials: { cert: string; key: string };
const ticketKeys = randomBytes(48);
const running: Subscription[] = [];
let server: TestServer | undefined;
beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf();
});
afterEach(async () => {
  running.splice(0).forEach((s) => s.unsubscribe());
  await server?.close();
  server = undefined;
});

const start = async (port: number) => {
  server = await startTlsServer({ ...credentials, ticketKeys, port, greeting: '* OK ready\r\n' });
  return server.port;
};

/** Waits until what this file started is gone: sockets and timers back to where they were. */
async function nothingLeft(handles: number, timers: number): Promise<void> {
  await eventually(() => openSocketHandles() <= handles, 5000, 'no socket handle left');
  await eventually(() => activeTimers() <= timers, 5000, `no timer left (${activeTimerCallers().join('; ')})`);
}

describe('reconnect loops (bounded, loopback)', () => {
  it('50 clients ride out 5 server restarts, resuming, and leave nothing behind', async () => {
    const handles = openSocketHandles();
    const timers = activeTimers();
    const port = await start(0);
    const CLIENTS = 50;
    const RESTARTS = 5;
    const connected: ConnectedEvent[] = [];
    let greetings = 0;
    for (let i = 0; i < CLIENTS; i++) {
      running.push(
        reconnect(({ session }) => connect({ host: 'localhost', port, ca: pki.ca.cert, session }), { initialDelay: 50, maxDelay: 200 })
          .pipe(lines())
          .subscribe({
            next: (e) => {
              if (e.type === 'connected') connected.push(e);
              if (e.type === 'line') greetings += 1;
            },
            error: (e: unknown) => {
              throw e;
            },
          }),
      );
    }
    for (let restart = 1; restart <= RESTARTS; restart++) {
      await eventually(() => greetings === CLIENTS * restart, 10_000, `every client greeted (round ${restart})`);
      await server?.close();
      await start(port);
    }
    await eventually(() => greetings === CLIENTS * (RESTARTS + 1), 10_000, 'every client greeted (last round)');
    expect(connected).toHaveLength(CLIENTS * (RESTARTS + 1));
    const reconnects = connected.slice(CLIENTS);
    expect(reconnects.filter((c) => c.session.resumed).length).toBeGreaterThanOrEqual(0.9 * reconnects.length);
    running.splice(0).forEach((s) => s.unsubscribe());
    await server?.close();
    server = undefined;
    await nothingLeft(handles, timers);
  }, 30_000);

  it('100 clients retrying a port nobody listens on stop at maxAttempts, and leave nothing behind', async () => {
    const handles = openSocketHandles();
    const timers = activeTimers();
    const port = await freePort();
    const CLIENTS = 100;
    const MAX_ATTEMPTS = 6;
    let attempts = 0;
    let failed = 0;
    for (let i = 0; i < CLIENTS; i++) {
      running.push(
        reconnect(
          ({ attempt, session }) => {
            if (attempt > 0) attempts += 1;
            return connect({ host: '127.0.0.1', servername: 'localhost', port, ca: pki.ca.cert, session });
          },
          { initialDelay: 5, maxDelay: 40, maxAttempts: MAX_ATTEMPTS },
        ).subscribe({ error: (e: { code?: string }) => e.code === 'ECONNREFUSED' && (failed += 1) }),
      );
    }
    await eventually(() => failed === CLIENTS, 10_000, 'every client to give up');
    expect(attempts).toBe(CLIENTS * MAX_ATTEMPTS);
    await nothingLeft(handles, timers);
  }, 20_000);

  it('200 unsubscriptions at arbitrary moments — connecting, connected, waiting — leave nothing behind', async () => {
    const handles = openSocketHandles();
    const timers = activeTimers();
    const port = await start(0);
    // the server drops every connection at once, so each client alternates between connecting and waiting
    await server?.close();
    server = await startTlsServer({ ...credentials, ticketKeys, port, onConnection: (socket) => setTimeout(() => socket.destroy(), 5) });
    const ROUNDS = 200;
    const kinds = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      let last = 'subscribed';
      const subscription = reconnect(({ session }) => connect({ host: 'localhost', port, ca: pki.ca.cert, session }), {
        initialDelay: 10,
        maxDelay: 20,
      }).subscribe({
        next: (e) => (last = e.type),
        error: (e: unknown) => {
          throw e;
        },
      });
      running.push(subscription);
      await new Promise((r) => setTimeout(r, i % 25));
      kinds.add(last);
      subscription.unsubscribe();
    }
    // the moments really were different: during a handshake, a connection, a wait
    expect(kinds.size).toBeGreaterThanOrEqual(3);
    await server?.close();
    server = undefined;
    await nothingLeft(handles, timers);
  }, 30_000);
});
