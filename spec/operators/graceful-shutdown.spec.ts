import { filter, ignoreElements, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { connect, converse, gracefulShutdown, lines, type ClosedEvent, type TlsEvent } from '../../lib';
import { createTestPki, fakeConnected, recordingWriter, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

let pki: TestPki;
const servers: TestServer[] = [];
async function start(behaviour: Parameters<typeof startTlsServer>[0]): Promise<TestServer> {
  const server = await startTlsServer(behaviour);
  servers.push(server);
  return server;
}
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));

describe('gracefulShutdown() marbles', () => {
  it('passes events through untouched while the subscriber stays', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const values = { c: fakeConnected(), z: { type: 'closed', by: 'peer', clean: true } as TlsEvent };
      expectObservable(cold<TlsEvent>('c--z|', values).pipe(gracefulShutdown())).toBe('c--z|', values);
    });
  });

  it('on unsubscribe, ends the connection and keeps the source until closed arrives', () => {
    const writer = recordingWriter();
    const connected = fakeConnected({ writer });
    const reports: ClosedEvent[] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const source = cold<TlsEvent>('c------z|', { c: connected, z: { type: 'closed', by: 'local', clean: true } });
      expectObservable(source.pipe(gracefulShutdown({ onClosed: (c) => reports.push(c) })), '--!').toBe('c--', { c: connected });
      expectSubscriptions(source.subscriptions).toBe('^------!');
      flush();
    });
    expect(writer.ended).toBe(true);
    expect(reports).toEqual([{ type: 'closed', by: 'local', clean: true }]);
  });

  it('rejects a bad timeout naming it', () => {
    expect(() => gracefulShutdown({ timeout: -5 })).toThrow(/option "timeout"/);
  });
});

describe('graceful close on real connections', () => {
  it('a dialogue that completes against a peer that answers close_notify: closed by local, clean', async () => {
    let serverSawEnd = false;
    const server = await start({
      ...(await pki.leaf()),
      greeting: 'hello\r\n',
      onConnection: (s) => s.on('end', () => (serverSawEnd = true)),
    });
    const { events } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(
        lines(),
        converse((e$) =>
          e$.pipe(
            filter((e) => e.type === 'line'),
            take(1),
            ignoreElements(),
          ),
        ),
      ),
    );
    expect(events[events.length - 1]).toEqual({ type: 'closed', by: 'local', clean: true });
    await eventually(() => serverSawEnd, 2000, 'the server to see our orderly end');
  });

  it('a peer that never closes: closed is not clean, with CLOSE_TIMEOUT, after closeTimeout', async () => {
    // allowHalfOpen: the server keeps its side open after our close_notify and FIN
    const server = await start({ ...(await pki.leaf()), allowHalfOpen: true, greeting: 'hello\r\n' });
    const started = Date.now();
    const { events } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, closeTimeout: 300 }).pipe(
        lines(),
        converse((e$) =>
          e$.pipe(
            filter((e) => e.type === 'line'),
            take(1),
            ignoreElements(),
          ),
        ),
      ),
    );
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'closed', by: 'local', clean: false });
    expect(last?.type === 'closed' && (last.error as { code?: string } | undefined)?.code).toBe('CLOSE_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('unsubscribing through gracefulShutdown closes cleanly in the background', async () => {
    let serverSawEnd = false;
    const server = await start({
      ...(await pki.leaf()),
      greeting: '* OK ready\r\n',
      onConnection: (s) => s.on('end', () => (serverSawEnd = true)),
    });
    const reports: ClosedEvent[] = [];
    const greeting = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(
        gracefulShutdown({ timeout: 2000, onClosed: (c) => reports.push(c) }),
        lines(),
        filter((e) => e.type === 'line'),
        take(1),
      ),
    );
    expect(greeting.events).toEqual([{ type: 'line', text: '* OK ready' }]);
    await eventually(() => reports.length === 1, 3000, 'the background close');
    expect(reports[0]).toEqual({ type: 'closed', by: 'local', clean: true });
    expect(serverSawEnd).toBe(true);
  });

  it('unsubscribing through gracefulShutdown from a peer that never closes: not clean after the timeout, socket destroyed', async () => {
    let serverSawReset = false;
    const server = await start({
      ...(await pki.leaf()),
      allowHalfOpen: true,
      greeting: '* OK ready\r\n',
      // Half-open after our close_notify; writing later finds our socket destroyed.
      onConnection: (s) => {
        s.resume();
        s.on('end', () => {
          // bounded: ten writes at most, stopping at the first error
          let writes = 0;
          const poke = () => !serverSawReset && writes++ < 10 && s.write('late\r\n', () => setTimeout(poke, 150));
          setTimeout(poke, 300);
        });
        s.on('error', () => (serverSawReset = true));
      },
    });
    const reports: ClosedEvent[] = [];
    await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(
        gracefulShutdown({ timeout: 200, onClosed: (c) => reports.push(c) }),
        lines(),
        filter((e) => e.type === 'line'),
        take(1),
      ),
    );
    await eventually(() => reports.length === 1, 3000, 'the timeout');
    expect(reports[0]).toMatchObject({ type: 'closed', by: 'local', clean: false });
    expect((reports[0]?.error as { code?: string } | undefined)?.code).toBe('CLOSE_TIMEOUT');
    await eventually(() => serverSawReset && server.openConnections() === 0, 3000, 'the socket to be destroyed');
  });

  it('with detectTruncation, a peer that answers our close_notify with a bare TCP close is reported as truncated', async () => {
    // The server drops TCP (destroy: no close_notify) as soon as it sees our close_notify.
    const rude = await start({
      ...(await pki.leaf()),
      allowHalfOpen: true,
      greeting: 'hello\r\n',
      onConnection: (s) => s.resume().on('end', () => s.destroy()),
    });
    const polite = await start({ ...(await pki.leaf()), greeting: 'hello\r\n' });
    const session = (port: number) =>
      collect(
        connect({ host: 'localhost', port, ca: pki.ca.cert, detectTruncation: true }).pipe(
          lines(),
          converse((e$) =>
            e$.pipe(
              filter((e) => e.type === 'line'),
              take(1),
              ignoreElements(),
            ),
          ),
        ),
      );
    const truncated = (await session(rude.port)).events.pop();
    expect(truncated).toMatchObject({ type: 'closed', by: 'local', clean: false });
    expect(truncated?.type === 'closed' && (truncated.error as { code?: string } | undefined)?.code).toBe('TLS_TRUNCATED');
    expect((await session(polite.port)).events.pop()).toEqual({ type: 'closed', by: 'local', clean: true });
  });
});
