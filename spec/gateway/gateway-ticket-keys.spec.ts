import { randomBytes } from 'node:crypto';
import { firstValueFrom, Subject } from 'rxjs';
import { gateway, listening, type RunningServer, type TicketKeys } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { visit } from '../support/resumption';

/** A wss: gateway's own TLS sessions: sealed with `ticketKeys`, resumed by another gateway holding them. */
let pki: TestPki;
let credentials: { cert: string; key: string };
const running: RunningServer[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf();
});
afterEach(() => Promise.all(running.splice(0).map((s) => s.close())));

async function wssGateway(ticketKeys: TicketKeys | Subject<TicketKeys>): Promise<RunningServer> {
  const server = await listening(gateway({ port: 0, targets: ['127.0.0.1:9'], credentials, ticketKeys }));
  running.push(server);
  return server;
}

/** A TLS connection to the gateway's port, no upgrade asked. */
const tlsVisit = (port: number, session?: Buffer) => visit({ host: 'localhost', port, ca: pki.ca.cert, ...(session && { session }) });

describe('gateway({ credentials, ticketKeys })', () => {
  it('two gateways with the same keys resume each other’s sessions; with other keys, a full handshake', async () => {
    const keys = randomBytes(48);
    const [a, b, stranger] = await Promise.all([wssGateway(keys), wssGateway(keys), wssGateway(randomBytes(48))]);
    const first = await tlsVisit(a.port);
    expect(first).toMatchObject({ resumed: false, ticket: expect.any(Buffer) });
    expect(await tlsVisit(b.port, first.ticket)).toMatchObject({ resumed: true });
    expect(await tlsVisit(stranger.port, first.ticket)).toMatchObject({ resumed: false });
  });

  it('listens once the first keys of an Observable came, and rotates with it', async () => {
    const keys = new Subject<TicketKeys>();
    const events: string[] = [];
    const subscription = gateway({ port: 0, targets: ['127.0.0.1:9'], credentials, ticketKeys: keys, ticketKeyGrace: 0 }).subscribe((e) =>
      events.push(e.type === 'listening' ? String(e.port) : e.type),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toEqual([]);
      keys.next(randomBytes(48));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const port = Number(events[0]);
      expect(port).toBeGreaterThan(0);
      const before = await tlsVisit(port);
      expect(await tlsVisit(port, before.ticket)).toMatchObject({ resumed: true });
      keys.next(randomBytes(48)); // no grace: the old key opens nothing
      expect(await tlsVisit(port, before.ticket)).toMatchObject({ resumed: false });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('refuses ticketKeys without credentials: a ws: gateway has no TLS sessions', async () => {
    await expect(firstValueFrom(gateway({ port: 0, targets: ['127.0.0.1:9'], ticketKeys: randomBytes(48) }))).rejects.toThrow(
      /option "ticketKeys" needs credentials: a ws: gateway has no TLS sessions to resume \(got "\(hidden\)"\)/,
    );
  });
});
