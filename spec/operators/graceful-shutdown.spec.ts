import { config, filter, ignoreElements, Subject, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { connect, converse, DEFAULT_CLOSE_TIMEOUT_MS, gracefulShutdown, lines, type ClosedEvent, type TlsEvent } from '../../lib';
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

  it('on unsubscribe, hands its own timeout to writer.end(), named, so the connection bounds the close with it', () => {
    const longer = recordingWriter();
    const byDefault = recordingWriter();
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      expectObservable(cold<TlsEvent>('c---', { c: fakeConnected({ writer: longer }) }).pipe(gracefulShutdown({ timeout: 4500 })), '-!');
      expectObservable(cold<TlsEvent>('c---', { c: fakeConnected({ writer: byDefault }) }).pipe(gracefulShutdown()), '-!');
    });
    expect(longer.endTimeout).toEqual({ ms: 4500, option: 'gracefulShutdown timeout' });
    expect(byDefault.endTimeout).toEqual({ ms: DEFAULT_CLOSE_TIMEOUT_MS, option: 'gracefulShutdown timeout' });
  });

  it('reports the closed event the connection emits when that bound fires, and lets go of the source then', () => {
    const timedOut: ClosedEvent = { type: 'closed', by: 'local', clean: false, error: new Error('peer did not close within 4500 ms') };
    const reports: ClosedEvent[] = [];
    const connected = fakeConnected();
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      // unsubscribed at 2 ms; the connection's close timer fires 4500 ms later
      const source = cold<TlsEvent>('c 4501ms z|', { c: connected, z: timedOut });
      expectObservable(source.pipe(gracefulShutdown({ timeout: 4500, onClosed: (c) => reports.push(c) })), '--!').toBe('c-', {
        c: connected,
      });
      expectSubscriptions(source.subscriptions).toBe('^ 4501ms !');
      flush();
    });
    expect(reports).toEqual([timedOut]);
  });

  it('does not end a connection that already closed, nor one that never connected', () => {
    const writer = recordingWriter();
    const values = { c: fakeConnected({ writer }), z: { type: 'closed', by: 'peer', clean: true } as TlsEvent };
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const closed = cold<TlsEvent>('cz--', values);
      expectObservable(closed.pipe(gracefulShutdown()), '---!').toBe('cz-', values);
      expectSubscriptions(closed.subscriptions).toBe('^--!');
      const connecting = cold<TlsEvent>('----');
      expectObservable(connecting.pipe(gracefulShutdown()), '-!').toBe('-');
      expectSubscriptions(connecting.subscriptions).toBe('^!');
    });
    expect(writer.ended).toBe(false);
  });

  it('after a closed, a new connected (reconnect) is open again: unsubscribing ends it gracefully', () => {
    const first = recordingWriter();
    const second = recordingWriter();
    const values = {
      a: fakeConnected({ writer: first }),
      z: { type: 'closed', by: 'peer', clean: true } as TlsEvent,
      b: fakeConnected({ writer: second }),
    };
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      expectObservable(cold<TlsEvent>('azb---', values).pipe(gracefulShutdown()), '----!').toBe('azb-', values);
    });
    expect(first.ended).toBe(false);
    expect(second.ended).toBe(true);
  });

  it('rejects a bad timeout naming it, and takes 0 (destroy at once if the peer has not closed)', () => {
    expect(() => gracefulShutdown({ timeout: -5 })).toThrow('option "timeout" must be a non-negative integer (milliseconds) (got -5)');
    expect(() => gracefulShutdown({ timeout: 1.5 })).toThrow(/option "timeout"/);
    const writer = recordingWriter();
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      expectObservable(cold<TlsEvent>('c---', { c: fakeConnected({ writer }) }).pipe(gracefulShutdown({ timeout: 0 })), '-!');
    });
    expect(writer.endTimeout).toEqual({ ms: 0, option: 'gracefulShutdown timeout' });
  });

  it('without onClosed, a background close still lets go of the source at closed', () => {
    const connected = fakeConnected();
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TlsEvent>('c---z|', { c: connected, z: { type: 'closed', by: 'local', clean: true } });
      expectObservable(source.pipe(gracefulShutdown()), '--!').toBe('c-', { c: connected });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('passes on an error or completion while the subscriber stays, without ending the connection', () => {
    const failing = recordingWriter();
    const completing = recordingWriter();
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const c = fakeConnected({ writer: failing });
      const d = fakeConnected({ writer: completing });
      expectObservable(cold<TlsEvent>('c-#', { c }, new Error('reset')).pipe(gracefulShutdown())).toBe('c-#', { c }, new Error('reset'));
      expectObservable(cold<TlsEvent>('d-|', { d }).pipe(gracefulShutdown())).toBe('d-|', { d });
    });
    expect(failing.ended).toBe(false);
    expect(completing.ended).toBe(false);
  });

  it('once detached, a connection error ends the background close quietly: no report, nothing thrown', () => {
    const reports: ClosedEvent[] = [];
    const connected = fakeConnected();
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TlsEvent>('c---#', { c: connected }, new Error('reset during close'));
      expectObservable(source.pipe(gracefulShutdown({ onClosed: (c) => reports.push(c) })), '--!').toBe('c-', { c: connected });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(reports).toEqual([]);
  });

  it('once detached, sends its gone subscriber neither the error nor the completion that ends the close', async () => {
    const dropped: string[] = [];
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = (notification) => dropped.push(notification.kind);
    try {
      for (const end of ['error', 'complete'] as const) {
        const source = new Subject<TlsEvent>();
        const subscription = source.pipe(gracefulShutdown()).subscribe({ error: () => undefined });
        source.next(fakeConnected());
        subscription.unsubscribe();
        if (end === 'error') source.error(new Error('reset during close'));
        else source.complete();
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      config.onStoppedNotification = previous;
    }
    expect(dropped).toEqual([]);
  });
});

/**
 * A peer that never answers our close_notify: it keeps its side open (allowHalfOpen) and, from our
 * close_notify on, writes a line every 50 ms, so that it learns when our socket is destroyed
 * (its next write is refused) — at most 50 ms late.
 */
async function neverClosingPeer(): Promise<{
  server: TestServer;
  sawOurEnd: () => number | undefined;
  sawDestroy: () => number | undefined;
}> {
  let endAt: number | undefined;
  let destroyedAt: number | undefined;
  const server = await start({
    ...(await pki.leaf()),
    allowHalfOpen: true,
    greeting: '* OK ready\r\n',
    onConnection: (s) => {
      s.resume();
      s.on('end', () => {
        endAt = Date.now();
        const ticks = setInterval(() => s.write('tick\r\n'), 50);
        const gone = () => {
          destroyedAt ??= Date.now();
          clearInterval(ticks);
        };
        s.on('error', gone);
        s.on('close', gone);
      });
    },
  });
  return { server, sawOurEnd: () => endAt, sawDestroy: () => destroyedAt };
}

/** Reads the greeting through gracefulShutdown and leaves (take(1)); resolves with the background close and when we left. */
async function greetAndLeave(port: number, connectOptions: { closeTimeout?: number }, timeout: number) {
  let leftAt = 0;
  const closed = new Promise<ClosedEvent>((resolve) => {
    connect({ host: 'localhost', port, ca: pki.ca.cert, ...connectOptions })
      .pipe(
        gracefulShutdown({ timeout, onClosed: resolve }),
        lines(),
        filter((e) => e.type === 'line'),
        take(1),
      )
      .subscribe({ complete: () => (leftAt = Date.now()) });
  });
  const report = await closed;
  return { report, leftAt, reportedAt: Date.now() };
}

describe('gracefulShutdown({ timeout }) against a peer that never answers close_notify', () => {
  it("waits longer than connect's closeTimeout when its timeout is longer, and names its own option", async () => {
    const peer = await neverClosingPeer();
    const { report, leftAt, reportedAt } = await greetAndLeave(peer.server.port, { closeTimeout: 300 }, 1500);
    expect(report).toMatchObject({ type: 'closed', by: 'local', clean: false });
    expect(report.error).toMatchObject({ code: 'ERR_RXTLS_CLOSE_TIMEOUT' });
    expect(report.error?.message).toMatch(/did not close within 1500 ms of our close_notify \(option gracefulShutdown timeout\)$/);
    // Generous bounds: not before 1500 ms (closeTimeout's 300 ms did not fire), nor long after.
    expect(reportedAt - leftAt).toBeGreaterThanOrEqual(1450);
    await eventually(() => peer.sawDestroy() !== undefined, 3000, 'the peer to see our socket destroyed');
    const destroyedAfter = (peer.sawDestroy() ?? 0) - (peer.sawOurEnd() ?? 0);
    expect(destroyedAfter).toBeGreaterThanOrEqual(1450);
    expect(destroyedAfter).toBeLessThan(1500 + 1500);
  });

  it("destroys sooner than connect's closeTimeout when its timeout is shorter, and names its own option", async () => {
    const peer = await neverClosingPeer();
    const { report, leftAt, reportedAt } = await greetAndLeave(peer.server.port, {}, 300); // closeTimeout: the default 3 000 ms
    expect(report).toMatchObject({ type: 'closed', by: 'local', clean: false, error: { code: 'ERR_RXTLS_CLOSE_TIMEOUT' } });
    expect(report.error?.message).toMatch(/within 300 ms of our close_notify \(option gracefulShutdown timeout\)$/);
    expect(reportedAt - leftAt).toBeGreaterThanOrEqual(250);
    await eventually(() => peer.sawDestroy() !== undefined && peer.server.openConnections() === 0, 3000, 'our socket to be destroyed');
    const destroyedAfter = (peer.sawDestroy() ?? 0) - (peer.sawOurEnd() ?? 0);
    expect(destroyedAfter).toBeGreaterThanOrEqual(250);
    expect(destroyedAfter).toBeLessThan(DEFAULT_CLOSE_TIMEOUT_MS - 500);
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

  it('a peer that never closes: closed is not clean, with ERR_RXTLS_CLOSE_TIMEOUT, after closeTimeout', async () => {
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
    expect(last?.type === 'closed' && (last.error as { code?: string } | undefined)?.code).toBe('ERR_RXTLS_CLOSE_TIMEOUT');
    expect(last?.type === 'closed' && last.error?.message).toMatch(/within 300 ms of our close_notify \(option closeTimeout\)$/);
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
    expect(truncated?.type === 'closed' && (truncated.error as { code?: string } | undefined)?.code).toBe('ERR_RXTLS_TLS_TRUNCATED');
    expect((await session(polite.port)).events.pop()).toEqual({ type: 'closed', by: 'local', clean: true });
  });
});
