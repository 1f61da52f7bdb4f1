import { randomBytes } from 'node:crypto';
import { EMPTY, Subject, firstValueFrom, tap, type Observable } from 'rxjs';
import { connectStartTls, converse, line, lines, listening, listenStartTls, serve, type RunningServer, type TicketKeys } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { smtpClient } from '../../examples/smtp-starttls';
import { smtpServer } from '../../examples/smtp/server';
import { collect } from '../support/collect';
import { visit } from '../support/resumption';

/**
 * Session tickets sealed with the servers' own `ticketKeys`, over real TLS on loopback: servers
 * that share keys resume each other's sessions, rotation keeps the previous keys opening tickets
 * for the grace period, and servers with other keys fall back to full handshakes.
 */
let pki: TestPki;
let credentials: { cert: string; key: string };
const running: RunningServer[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf({ names: ['localhost', 'other.test'] });
});
afterEach(() => Promise.all(running.splice(0).map((s) => s.close())));

async function greeter(
  ticketKeys: TicketKeys | Observable<TicketKeys>,
  extra: { ticketKeyGrace?: number; sni?: boolean } = {},
): Promise<RunningServer> {
  const { sni, ...options } = extra;
  const server = await listening(
    serve(
      {
        credentials: { ...credentials, ...(sni && { sni: { 'other.test': credentials } }) },
        ticketKeys,
        ...options,
      },
      () => [line('* OK ready')],
    ),
  );
  running.push(server);
  return server;
}

/** One connection to `port`, until the greeting and the ticket. */
const greeted = (port: number, session?: Buffer, extra: { maxVersion?: 'TLSv1.2'; servername?: string } = {}) =>
  visit({ host: 'localhost', port, ca: pki.ca.cert, ...(session && { session }), ...extra }, { greeting: true });

describe('ticketKeys: servers that share keys resume each other’s sessions', () => {
  for (const maxVersion of [undefined, 'TLSv1.2'] as const) {
    const version = maxVersion ?? 'TLS 1.3';
    it(`${version}: a ticket from one server resumes on the other; with other keys, a full handshake (negative control)`, async () => {
      const keys = randomBytes(48);
      const [a, b, stranger] = await Promise.all([greeter(keys), greeter(keys), greeter(randomBytes(48))]);
      const extra = maxVersion ? { maxVersion } : {};
      const first = await greeted(a.port, undefined, extra);
      expect(first).toMatchObject({ resumed: false, ticket: expect.any(Buffer) });
      expect(await greeted(b.port, first.ticket, extra)).toMatchObject({ resumed: true });
      expect(await greeted(stranger.port, first.ticket, extra)).toMatchObject({ resumed: false });
    });
  }

  it('a context chosen by SNI seals and opens with the same keys', async () => {
    const keys = [randomBytes(48)];
    const [a, b] = await Promise.all([greeter(keys, { sni: true }), greeter(keys, { sni: true })]);
    const first = await greeted(a.port, undefined, { servername: 'other.test' });
    expect(await greeted(b.port, first.ticket, { servername: 'other.test' })).toMatchObject({ resumed: true });
  });

  it('an array: the first key seals; a ticket sealed with a later one still opens', async () => {
    const [older, newer] = [randomBytes(48), randomBytes(48)];
    const sealedWithOlder = await greeted((await greeter(older)).port);
    const both = await greeter([newer, older]);
    expect(await greeted(both.port, sealedWithOlder.ticket)).toMatchObject({ resumed: true });
    // The new ticket it sent is sealed with `newer`: a server holding only `newer` opens it.
    const renewed = await greeted(both.port, sealedWithOlder.ticket);
    expect(await greeted((await greeter(newer)).port, renewed.ticket)).toMatchObject({ resumed: true });
  });
});

describe('ticketKeys as an Observable: rotation', () => {
  it('the new key seals from its emission on; the retired key opens its tickets within ticketKeyGrace', async () => {
    const [first, second] = [randomBytes(48), randomBytes(48)];
    const keys = new Subject<TicketKeys>();
    const listeningNow = greeter(keys);
    keys.next(first);
    const server = await listeningNow;
    const beforeRotation = await greeted(server.port);
    keys.next(second);
    const afterRotation = await greeted(server.port);
    // The ticket sealed before the rotation still resumes; the one after is sealed with `second` only.
    expect(await greeted(server.port, beforeRotation.ticket)).toMatchObject({ resumed: true });
    expect(await greeted((await greeter(second)).port, afterRotation.ticket)).toMatchObject({ resumed: true });
    expect(await greeted((await greeter(first)).port, afterRotation.ticket)).toMatchObject({ resumed: false });
  });

  it('with ticketKeyGrace 0 the retired key opens nothing: a full handshake', async () => {
    const keys = new Subject<TicketKeys>();
    const listeningNow = greeter(keys, { ticketKeyGrace: 0 });
    keys.next(randomBytes(48));
    const server = await listeningNow;
    const beforeRotation = await greeted(server.port);
    keys.next(randomBytes(48));
    expect(await greeted(server.port, beforeRotation.ticket)).toMatchObject({ resumed: false });
  });

  it('the server listens only once the first keys came', async () => {
    const keys = new Subject<TicketKeys>();
    const events: string[] = [];
    const subscription = serve({ credentials, ticketKeys: keys }, () => [line('hi')]).subscribe((e) => events.push(e.type));
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toEqual([]);
      keys.next(randomBytes(48));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(events).toEqual(['listening']);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('ticketKeys: bad keys fail the server, never showing a key', () => {
  const failure = (ticketKeys: unknown, extra: object = {}) =>
    firstValueFrom(serve({ credentials, ticketKeys: ticketKeys as TicketKeys, ...extra }, () => [])).then(
      () => {
        throw new Error('the server started');
      },
      (error: unknown) => error as Error & { code?: string },
    );
  const secret = randomBytes(47);

  it.each([
    ['a key of 47 bytes', secret, /option "ticketKeys" must be a 48-byte Buffer .*\(got "\(47 bytes\)"\)/],
    ['an empty array', [], /option "ticketKeys" must be a 48-byte Buffer/],
    ['a string', 'not a key', /option "ticketKeys" must be a 48-byte Buffer.*\(got "\(hidden\)"\)/],
    ['the second key of two, short', [randomBytes(48), secret], /option "ticketKeys" key 2: must be a 48-byte Buffer/],
    ['two keys of the same name', [Buffer.alloc(48, 1), Buffer.alloc(48, 1)], /has two keys with the same name/],
    ['33 keys', Array.from({ length: 33 }, () => randomBytes(48)), /holds at most 32 keys \(TICKET_KEYS_MAX\)/],
  ])('%s', async (_name, keys, message) => {
    const error = await failure(keys);
    expect(error).toMatchObject({ name: 'InvalidOptionError', code: 'ERR_RXTLS_INVALID_OPTION', option: 'ticketKeys' });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(secret.toString('hex').slice(0, 8));
  });

  it('a bad emission of the Observable', async () => {
    const keys = new Subject<TicketKeys>();
    const failed = failure(keys);
    keys.next(randomBytes(48));
    keys.next(secret);
    expect((await failed).message).toMatch(/option "ticketKeys" must be a 48-byte Buffer/);
  });

  it('an Observable that ends without keys', async () => {
    expect((await failure(EMPTY)).message).toMatch(/option "ticketKeys" ended without emitting any keys/);
  });

  it.each([[-1], [1.5], ['300']])('ticketKeyGrace %p', async (grace) => {
    const error = await failure(randomBytes(48), { ticketKeyGrace: grace });
    expect(error).toMatchObject({ option: 'ticketKeyGrace' });
    expect(error.message).toMatch(/must be a whole number of milliseconds, 0 or more/);
  });
});

describe('ticketKeys on listenStartTls', () => {
  it('an upgraded connection’s ticket resumes on another STARTTLS server with the same keys', async () => {
    const keys = randomBytes(48);
    const start = async () => {
      const server = await listening(
        listenStartTls({ credentials, ticketKeys: keys }).pipe(
          tap((e) => e.type === 'connection' && e.events.pipe(lines(), converse(smtpServer)).subscribe({ error: () => undefined })),
        ),
      );
      running.push(server);
      return server;
    };
    const [a, b] = await Promise.all([start(), start()]);
    const upgrade = async (port: number, session?: Buffer) => {
      const { events } = await collect(
        connectStartTls({ host: 'localhost', port, ca: pki.ca.cert, ...(session && { session }) }).pipe(lines(), converse(smtpClient('c'))),
      );
      const connected = events.find((e) => e.type === 'connected');
      if (connected?.type !== 'connected') throw new Error(`not connected: ${events.map((e) => e.type).join(', ')}`);
      return { resumed: connected.session.resumed, ticket: connected.session.ticket() };
    };
    const first = await upgrade(a.port);
    expect(first).toMatchObject({ resumed: false, ticket: expect.any(Buffer) });
    expect(await upgrade(b.port, first.ticket)).toMatchObject({ resumed: true });
  });
});
