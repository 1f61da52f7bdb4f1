import { connect as tcpConnect } from 'node:net';
import {
  BehaviorSubject,
  EMPTY,
  filter,
  firstValueFrom,
  map,
  mergeMap,
  NEVER,
  Subject,
  take,
  type Observable,
  type Subscription,
} from 'rxjs';
import {
  connect,
  converse,
  InvalidOptionError,
  line,
  lines,
  listen,
  listenStartTls,
  pin,
  serve,
  TransportError,
  type Dialogue,
  type ServerEvent,
  type TlsEvent,
} from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startServer } from '../support/servers';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const echo: Dialogue = (events$) =>
  events$.pipe(
    filter((e) => e.type === 'line'),
    map((e) => line(e.type === 'line' ? e.text : '')),
  );
const greet: Dialogue = () => [line('* OK rxtls server ready')];

const subscriptions: Subscription[] = [];
/** Starts a server and resolves with its port once it listens; it is stopped after each test. */
const start = (server$: Observable<ServerEvent>, seen: ServerEvent[] = []) => startServer(server$, subscriptions, seen);
afterEach(() => subscriptions.splice(0).forEach((s) => s.unsubscribe()));

const firstLine = (port: number, extra: Partial<Parameters<typeof connect>[0]> = {}) =>
  firstValueFrom(
    connect({ host: 'localhost', port, ca: pki.ca.cert, ...extra }).pipe(
      lines(),
      filter((e) => e.type === 'line' || e.type === 'certFailed'),
      take(1),
    ),
  );

describe('serve / listen', () => {
  it('listens on a picked port and serves a dialogue on every connection', async () => {
    const port = await start(serve({ credentials: await pki.leaf() }, greet));
    expect(port).toBeGreaterThan(0);
    expect(await firstLine(port)).toEqual({ type: 'line', text: '* OK rxtls server ready' });
    expect(await firstLine(port)).toEqual({ type: 'line', text: '* OK rxtls server ready' });
  });

  it('echoes lines back (the same operators as the client)', async () => {
    const port = await start(serve({ credentials: await pki.leaf() }, echo));
    const echoed = await firstValueFrom(
      connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
        lines(),
        converse((events$) =>
          events$.pipe(
            filter((e) => e.type === 'connected'),
            map(() => line('ping')),
          ),
        ),
        filter((e) => e.type === 'line'),
        take(1),
      ),
    );
    expect(echoed).toEqual({ type: 'line', text: 'ping' });
  });

  it('unsubscribing stops accepting and closes open connections gracefully', async () => {
    let port = 0;
    const running = serve({ credentials: await pki.leaf(), shutdownTimeout: 1000 }, () => NEVER).subscribe((e) => {
      if (e.type === 'listening') port = e.port;
    });
    await eventually(() => port > 0, 5000, 'listening');
    const events: TlsEvent[] = [];
    const client = connect({ host: 'localhost', port, ca: pki.ca.cert }).subscribe((e) => events.push(e));
    await eventually(() => events.some((e) => e.type === 'connected'), 5000, 'the connection');
    running.unsubscribe();
    await eventually(() => events.some((e) => e.type === 'closed'), 5000, 'the client to see the close');
    expect(events[events.length - 1]).toEqual({ type: 'closed', by: 'peer', clean: true });
    const refused = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert }));
    expect(refused.error?.code).toBe('ECONNREFUSED');
    client.unsubscribe();
  });

  it('listenStartTls: an upgrade whose handshake never finishes ends with ERR_RXTLS_HANDSHAKE_TIMEOUT, the code listen and the client use', async () => {
    const closed: TlsEvent[] = [];
    let port = 0;
    const server = listenStartTls({ credentials: await pki.leaf(), handshakeTimeout: 300 }).subscribe((e) => {
      if (e.type === 'listening') port = e.port;
      if (e.type !== 'connection') return;
      subscriptions.push(
        e.events.subscribe((event) => {
          if (event.type === 'plaintext') event.writer.startTls();
          if (event.type === 'closed') closed.push(event);
        }),
      );
    });
    subscriptions.push(server);
    await eventually(() => port > 0, 5000, 'the server to listen');
    const stalled = tcpConnect(port, '127.0.0.1');
    stalled.on('error', () => undefined);
    await eventually(() => closed.length === 1, 5000, 'the timeout to be reported');
    const [event] = closed;
    expect(event).toMatchObject({ type: 'closed', by: 'peer', clean: false });
    const error = event?.type === 'closed' ? event.error : undefined;
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({
      code: 'ERR_RXTLS_HANDSHAKE_TIMEOUT',
      message: expect.stringMatching(/within 300 ms \(option handshakeTimeout\)$/),
    });
    stalled.destroy();
  });

  it('reports a client that never finishes its handshake, and keeps serving others', async () => {
    const seen: ServerEvent[] = [];
    const port = await start(serve({ credentials: await pki.leaf(), handshakeTimeout: 300 }, greet), seen);
    const stalled = tcpConnect(port, '127.0.0.1');
    stalled.on('error', () => undefined);
    expect(await firstLine(port)).toEqual({ type: 'line', text: '* OK rxtls server ready' });
    await eventually(() => seen.some((e) => e.type === 'clientError'), 5000, 'the timeout to be reported');
    expect(seen.find((e) => e.type === 'clientError')).toMatchObject({
      type: 'clientError',
      code: 'ERR_RXTLS_HANDSHAKE_TIMEOUT',
      message: 'TLS handshake did not finish within 300 ms (option handshakeTimeout)',
      remoteAddress: '127.0.0.1',
    });
    stalled.destroy();
  });

  it('drops a client that sends garbage instead of a ClientHello, and keeps serving', async () => {
    const seen: ServerEvent[] = [];
    const port = await start(serve({ credentials: await pki.leaf() }, greet), seen);
    const garbage = tcpConnect(port, '127.0.0.1', () => garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    garbage.on('error', () => undefined);
    await eventually(() => seen.some((e) => e.type === 'clientError'), 5000, 'the garbage to be reported');
    expect(seen.find((e) => e.type === 'clientError')).toMatchObject({ code: expect.stringMatching(/^ERR_SSL_/) as unknown });
    expect(await firstLine(port)).toEqual({ type: 'line', text: '* OK rxtls server ready' });
  });

  it('reports bad options as an error naming the option', async () => {
    const { error } = await collect(listen({ port: 70000, credentials: await pki.leaf() }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toContain('option "port"');
    const noCredentials = await collect(listen({} as never));
    expect(noCredentials.error?.message).toContain('option "credentials" is required');
  });

  it.each([
    ['handshakeTimeout', 2 ** 31],
    ['closeTimeout', 2 ** 31],
    ['shutdownTimeout', 2 ** 31],
    ['maxPendingWriteBytes', 1.5],
    ['handshakeTimeout', 0],
  ])('refuses %s: %p, as connect does (setTimeout cannot wait past 2**31-1 ms)', async (option, value) => {
    const server = await collect(listen({ credentials: await pki.leaf(), [option]: value }));
    expect(server.error).toBeInstanceOf(InvalidOptionError);
    expect((server.error as InvalidOptionError).option).toBe(option);
    const wording = `option "${option}" must be a positive integer (got ${value})`;
    expect(server.error?.message).toBe(wording);
    if (option === 'shutdownTimeout') return; // a server's option only
    const client = await collect(connect({ host: 'localhost', port: 993, [option]: value }));
    expect(client.error?.message).toBe(wording);
  });

  it.each([65536, -1, 1.5, '443'])('refuses the port %p with the same wording as connect', async (port) => {
    const server = await collect(listen({ credentials: await pki.leaf(), port: port as number }));
    const client = await collect(connect({ host: 'localhost', port: port as number }));
    for (const { error } of [server, client]) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe('port');
    }
    const got = typeof port === 'string' ? `"${port}"` : String(port);
    expect(server.error?.message).toBe(`option "port" must be an integer from 0 to 65535 (got ${got})`);
    expect(client.error?.message).toBe(`option "port" must be an integer from 1 to 65535 (got ${got})`);
  });

  it.each([
    [{ host: '' }, 'host'],
    [{ host: '   ' }, 'host'],
    [{ requestCert: 'yes' }, 'requestCert'],
    [{ minVersion: 'SSLv3' }, 'minVersion'],
    [{ alpn: ['imap', ''] }, 'alpn'],
    [{ verify: { name: 'not a policy' } }, 'verify'],
  ])('refuses %j, naming %s, with the checks connect uses', async (options, option) => {
    const { error } = await collect(listen({ credentials: await pki.leaf(), ...(options as object) }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });
});

describe('mutual TLS', () => {
  /** A server that reports each connection's events and greets the accepted ones. */
  async function mtlsServer(policy?: ReturnType<typeof pin>) {
    const perConnection: TlsEvent[][] = [];
    const port = await start(
      listen({ credentials: await pki.leaf(), requestCert: true, ca: pki.ca.cert, ...(policy && { verify: policy }) }).pipe(
        mergeMap((e) => {
          if (e.type !== 'connection') return [e];
          const events: TlsEvent[] = [];
          perConnection.push(events);
          e.events.pipe(converse(greet)).subscribe({ next: (x) => events.push(x), error: () => undefined });
          return EMPTY;
        }),
      ),
    );
    return { port, perConnection };
  }

  it('accepts a client with a certificate from the trusted CA, and shows it as the peer', async () => {
    const { port, perConnection } = await mtlsServer();
    const client = await pki.client();
    expect(await firstLine(port, { cert: client.cert, key: client.key })).toEqual({ type: 'line', text: '* OK rxtls server ready' });
    const connected = perConnection[0]?.[0];
    expect(connected?.type === 'connected' && connected.peer.subject).toBe('CN=rxtls test client');
  });

  it('refuses a client without a certificate: certFailed with the reason, no data through', async () => {
    const { port, perConnection } = await mtlsServer();
    const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(lines()));
    expect(events.some((e) => e.type === 'line')).toBe(false);
    await eventually(() => perConnection[0]?.some((e) => e.type === 'closed') === true, 5000, 'the server-side close');
    expect(perConnection[0]?.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const failed = perConnection[0]?.[0];
    expect(failed?.type === 'certFailed' && failed.errors.map((e) => e.code)).toEqual(['NO_PEER_CERTIFICATE']);
  });

  it('refuses a client certificate from an unknown CA', async () => {
    const { port, perConnection } = await mtlsServer();
    const stranger = await (await pki.otherAuthority()).issue({ usage: 'client', names: ['intruder'] });
    const { events } = await collect(
      connect({ host: 'localhost', port, ca: pki.ca.cert, cert: stranger.cert, key: stranger.key }).pipe(lines()),
    );
    expect(events.some((e) => e.type === 'line')).toBe(false);
    await eventually(() => perConnection[0]?.some((e) => e.type === 'closed') === true, 5000, 'the server-side close');
    const failed = perConnection[0]?.[0];
    expect(failed?.type).toBe('certFailed');
    expect(failed?.type === 'certFailed' && failed.errors[0]?.code).toMatch(/UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/);
  });

  it('judges client certificates with the same policy family (a pin)', async () => {
    const allowed = await pki.client({ names: ['allowed'] });
    const other = await pki.client({ names: ['other'] });
    const { port } = await mtlsServer(pin(allowed.spkiPin));
    expect(await firstLine(port, { cert: allowed.cert, key: allowed.key })).toEqual({ type: 'line', text: '* OK rxtls server ready' });
    const refused = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert, cert: other.cert, key: other.key }).pipe(lines()));
    expect(refused.events.some((e) => e.type === 'line')).toBe(false);
  });
});

describe('SNI and hot reload', () => {
  const fingerprintOf = async (port: number, servername: string, ca: string) => {
    const e = await firstValueFrom(
      connect({ host: '127.0.0.1', servername, port, ca }).pipe(filter((x) => x.type === 'connected' || x.type === 'certFailed')),
    );
    return e.type === 'connected' ? e.peer.fingerprint256 : `certFailed: ${e.type === 'certFailed' ? e.reason : ''}`;
  };

  it('chooses the certificate by server name, with a default', async () => {
    const main = await pki.leaf({ names: ['main.test'] });
    const a = await pki.leaf({ names: ['a.test'] });
    const b = await pki.leaf({ names: ['b.test'] });
    const port = await start(serve({ credentials: { ...main, sni: { 'a.test': a, 'B.test': b } } }, greet));
    expect(await fingerprintOf(port, 'a.test', pki.ca.cert)).toBe(a.fingerprint256);
    expect(await fingerprintOf(port, 'b.test', pki.ca.cert)).toBe(b.fingerprint256);
    expect(await fingerprintOf(port, 'main.test', pki.ca.cert)).toBe(main.fingerprint256);
  });

  it('applies new credentials to new handshakes while established connections continue', async () => {
    const first = await pki.leaf({ names: ['svc.test'] });
    const second = await pki.leaf({ names: ['svc.test'] });
    const credentials = new BehaviorSubject(first);
    const port = await start(serve({ credentials }, echo));
    // An established connection, kept open across the reload.
    const events: TlsEvent[] = [];
    const talk = new Subject<string>();
    const kept = connect({ host: '127.0.0.1', servername: 'svc.test', port, ca: pki.ca.cert })
      .pipe(
        lines(),
        converse(() => talk.pipe(map((t) => line(t)))),
      )
      .subscribe((e) => events.push(e));
    await eventually(() => events.some((e) => e.type === 'connected'), 5000, 'the first connection');
    expect(await fingerprintOf(port, 'svc.test', pki.ca.cert)).toBe(first.fingerprint256);
    credentials.next(second);
    expect(await fingerprintOf(port, 'svc.test', pki.ca.cert)).toBe(second.fingerprint256);
    talk.next('still here');
    await eventually(() => events.some((e) => e.type === 'line' && e.text === 'still here'), 5000, 'the old connection to keep working');
    const connected = events[0];
    expect(connected?.type === 'connected' && connected.peer.fingerprint256).toBe(first.fingerprint256);
    kept.unsubscribe();
  });
});
