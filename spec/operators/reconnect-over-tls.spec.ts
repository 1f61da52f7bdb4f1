import { randomBytes } from 'node:crypto';
import { filter, map, type Subscription } from 'rxjs';
import {
  connect,
  converse,
  line,
  lines,
  reconnect,
  type ConnectedEvent,
  type Dialogue,
  type ReconnectingEvent,
  type TlsEvent,
} from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { eventually } from '../support/collect';

// A real node:tls server on loopback that is stopped and started again on the same port: with the
// same ticket keys the reconnects resume the session; with new keys they are full handshakes.
const RESTARTS = 20;
let pki: TestPki;
let credentials: { cert: string; key: string };
let server: TestServer | undefined;
let client: Subscription | undefined;
beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf();
});
afterEach(async () => {
  client?.unsubscribe();
  client = undefined;
  await server?.close();
  server = undefined;
});

/** Starts the server (a greeting, so the client knows the ticket had time to arrive) on `port`, 0 for any. */
async function start(port: number, ticketKeys: Buffer): Promise<TestServer> {
  // TLS 1.3 sends the ticket right after the handshake, before our greeting: once the client has
  // read the greeting, it has the ticket.
  server = await startTlsServer({ ...credentials, ticketKeys, port, greeting: '* OK ready\r\n' });
  return server;
}

/** Restarts the server RESTARTS times, each after the client read the greeting; returns every `connected`. */
async function restartsSeenByClient(
  keysFor: (restart: number) => Buffer,
): Promise<{ connected: ConnectedEvent[]; reconnecting: ReconnectingEvent[] }> {
  const first = await start(0, keysFor(0));
  const port = first.port;
  const connected: ConnectedEvent[] = [];
  const reconnecting: ReconnectingEvent[] = [];
  let greetings = 0;
  client = reconnect(({ session }) => connect({ host: 'localhost', port, ca: pki.ca.cert, session }), { initialDelay: 20, maxDelay: 100 })
    .pipe(lines())
    .subscribe({
      next: (e) => {
        if (e.type === 'connected') connected.push(e);
        if (e.type === 'reconnecting') reconnecting.push(e);
        if (e.type === 'line' && e.text === '* OK ready') greetings += 1;
      },
      error: (e: unknown) => {
        throw e;
      },
    });
  for (let restart = 1; restart <= RESTARTS; restart++) {
    await eventually(() => greetings === restart, 10_000, `greeting ${restart}`);
    await server?.close();
    await start(port, keysFor(restart));
  }
  await eventually(() => greetings === RESTARTS + 1, 10_000, 'the last greeting');
  return { connected, reconnecting };
}

describe('reconnect() against a real server that restarts', () => {
  it(`with the same ticket keys, ≥ 90% of ${RESTARTS} reconnects resume the session`, async () => {
    const keys = randomBytes(48);
    const { connected, reconnecting } = await restartsSeenByClient(() => keys);
    expect(connected).toHaveLength(RESTARTS + 1);
    expect(connected[0]?.session.resumed).toBe(false);
    const resumed = connected.slice(1).filter((c) => c.session.resumed).length;
    expect(resumed).toBeGreaterThanOrEqual(Math.ceil(0.9 * RESTARTS));
    // the resumed sessions are still about the verified server
    expect(connected.every((c) => c.peer.subject.includes('localhost'))).toBe(true);
    expect(reconnecting.length).toBeGreaterThanOrEqual(RESTARTS);
    expect(reconnecting.filter((r) => r.resuming).length).toBeGreaterThanOrEqual(RESTARTS);
  }, 60_000);

  it('with new ticket keys at every restart, the reconnects fall back to full handshakes (negative control)', async () => {
    const { connected } = await restartsSeenByClient(() => randomBytes(48));
    expect(connected).toHaveLength(RESTARTS + 1);
    expect(connected.filter((c) => c.session.resumed)).toHaveLength(0);
  }, 60_000);

  it('a dialogue restarts after each reconnect, with lines() and converse() after reconnect()', async () => {
    const keys = randomBytes(48);
    // the server greets and echoes: each connection's dialogue says hello and reads its echo
    server = await startTlsServer({ ...credentials, ticketKeys: keys, greeting: '* OK ready\r\n', echo: true });
    const port = server.port;
    let dialogues = 0;
    const echoes: string[] = [];
    const greetAgain: Dialogue<TlsEvent | ReconnectingEvent> = (events$) => {
      const n = ++dialogues;
      // answers the greeting and then stays (a dialogue that completes would end the connection)
      return events$.pipe(
        filter((e) => e.type === 'line' && e.text === '* OK ready'),
        map(() => line(`HELLO ${n}`)),
      );
    };
    client = reconnect(({ session }) => connect({ host: 'localhost', port, ca: pki.ca.cert, session }), { initialDelay: 20, maxDelay: 100 })
      .pipe(lines(), converse(greetAgain))
      .subscribe((e) => {
        if (e.type === 'line' && e.text.startsWith('HELLO')) echoes.push(e.text);
      });
    for (let restart = 1; restart <= 3; restart++) {
      await eventually(() => echoes.length === restart, 10_000, `echo ${restart}`);
      await server?.close();
      server = await startTlsServer({ ...credentials, ticketKeys: keys, port, greeting: '* OK ready\r\n', echo: true });
    }
    await eventually(() => echoes.length === 4, 10_000, 'the last echo');
    // one dialogue per connection, each heard back on its own connection only
    expect(echoes).toEqual(['HELLO 1', 'HELLO 2', 'HELLO 3', 'HELLO 4']);
    expect(dialogues).toBe(4);
  }, 30_000);
});
