import { Subscription } from 'rxjs';
import { connect, type ConnectedEvent, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { eventually } from '../support/collect';

let pki: TestPki;
let echo: TestServer;
beforeAll(async () => {
  pki = await createTestPki();
  echo = await startTlsServer({ ...(await pki.leaf()), onConnection: (socket) => socket.resume() });
});
afterAll(() => echo.close());

/** Connects, and hands back the connected event and everything seen so far (and later). */
async function connected(): Promise<{ connected: ConnectedEvent; events: TlsEvent[]; subscription: Subscription }> {
  const events: TlsEvent[] = [];
  let subscription = new Subscription();
  const event = await new Promise<ConnectedEvent>((resolve, reject) => {
    subscription = connect({ host: 'localhost', port: echo.port, ca: pki.ca.cert }).subscribe({
      next: (e) => {
        events.push(e);
        if (e.type === 'connected') resolve(e);
      },
      error: reject,
    });
  });
  return { connected: event, events, subscription };
}

describe('the writer of a connection that is closing', () => {
  it('drain() waits for the closed event, so a write/drain loop stops by itself instead of spinning', async () => {
    const { connected: c, events, subscription } = await connected();
    c.writer.end(); // not writable from now on, but `closed` comes only once the peer answered
    let rounds = 0;
    // A pump as users write it; bounded, so a spinning loop fails the test instead of hanging.
    while (!events.some((e) => e.type === 'closed') && rounds < 10_000) {
      rounds++;
      if (!c.writer.write('x')) await c.writer.drain();
    }
    expect(events.map((e) => e.type)).toEqual(['connected', 'closed']);
    expect(rounds).toBe(1);
    subscription.unsubscribe();
  });

  it('drain() resolves after an unsubscribe destroyed the socket', async () => {
    const { connected: c, subscription } = await connected();
    subscription.unsubscribe();
    let resolved = false;
    void c.writer.drain().then(() => (resolved = true));
    await eventually(() => resolved, 2000, 'drain() to resolve');
    expect(c.writer.write('after close')).toBe(false);
  });
});
