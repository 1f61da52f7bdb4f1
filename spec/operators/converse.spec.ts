import { filter, map, Observable, range, take, takeWhile } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { connect, converse, end, line, lines, WriteBufferFullError, type Dialogue, type TlsEvent } from '../../lib';
import { createTestPki, fakeConnected, fakeLine, recordingWriter, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import type { TLSSocket } from 'node:tls';
import { collect, eventually } from '../support/collect';

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const closed: TlsEvent = { type: 'closed', by: 'peer', clean: true };

/** A dialogue: answer the greeting with LOGIN, then LOGOUT after the tagged OK, then finish. */
const login: Dialogue = (events$) =>
  events$.pipe(
    filter((e) => e.type === 'line'),
    map((e) => (e.type === 'line' ? e.text : '')),
    takeWhile((text) => !text.startsWith('a2 ')),
    map((text) => (text.startsWith('* OK') ? line('a1 LOGIN joe secret') : text.startsWith('a1 OK') ? line('a2 LOGOUT') : undefined)),
    filter((out): out is ReturnType<typeof line> => out !== undefined),
  );

describe('a dialogue is a pure function: marble-tested without a socket', () => {
  it('answers the greeting, then logs out', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<TlsEvent>('c-g--o--b-|', {
        c: fakeConnected(),
        g: fakeLine('* OK ready'),
        o: fakeLine('a1 OK logged in'),
        b: fakeLine('a2 OK bye'),
      });
      expectObservable(login(events) as Observable<unknown>).toBe('--l--m--|', { l: line('a1 LOGIN joe secret'), m: line('a2 LOGOUT') });
    });
  });
});

describe('converse(dialogue)', () => {
  it('passes events through, writes what the dialogue emits (lines with CRLF), and ends when it completes', () => {
    const writer = recordingWriter();
    scheduler().run(({ cold, expectObservable, flush }) => {
      const values = {
        c: fakeConnected({ writer }),
        g: fakeLine('* OK ready'),
        o: fakeLine('a1 OK logged in'),
        b: fakeLine('a2 OK bye'),
        z: closed,
      };
      const source = cold<TlsEvent>('c-g--o--b---z|', values);
      expectObservable(source.pipe(converse(login))).toBe('c-g--o--b---z|', values);
      flush();
      expect(writer.written).toEqual(['a1 LOGIN joe secret\r\n', 'a2 LOGOUT\r\n']);
      expect(writer.ended).toBe(true);
    });
  });

  it('writes strings and bytes as they are, honours a custom line ending and the end() command', () => {
    const writer = recordingWriter();
    const dialogue: Dialogue = () => ['raw', Uint8Array.from([1, 2]), line('x'), end(), line('never written')];
    fakeSource(writer)
      .pipe(converse(dialogue, { lineEnding: '\n' }))
      .subscribe();
    expect(writer.written).toEqual(['raw', Uint8Array.from([1, 2]), 'x\n']);
    expect(writer.ended).toBe(true);
  });

  it('starts the dialogue only at connected, so nothing is written before verification', () => {
    const started = jest.fn(() => [line('hello')]);
    scheduler().run(({ cold, expectObservable }) => {
      const failed: TlsEvent = { type: 'certFailed', errors: [], reason: '', peer: fakeConnected().peer, peerSaw: 'handshake-failure' };
      expectObservable(cold<TlsEvent>('f-z|', { f: failed, z: closed }).pipe(converse(started))).toBe('f-z|', { f: failed, z: closed });
    });
    expect(started).not.toHaveBeenCalled();
  });

  it('propagates a dialogue error, unsubscribing the connection', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const connected = fakeConnected();
      const source = cold<TlsEvent>('c---z|', { c: connected, z: closed });
      const failing: Dialogue = (events$) =>
        events$.pipe(
          map(() => {
            throw new Error('protocol violation');
          }),
        );
      expectObservable(source.pipe(converse(failing))).toBe('(c#)', { c: connected }, new Error('protocol violation'));
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });
});

describe('converse(dialogue) with a pulled dialogue (an async iterable)', () => {
  it("returns the iterator when the dialogue says end(), so an async generator's finally runs", async () => {
    const writer = recordingWriter();
    let pulledAfterEnd = false;
    let cleanedUp = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      try {
        yield line('a1 LOGOUT');
        yield end();
        pulledAfterEnd = true;
        yield line('never written');
      } finally {
        cleanedUp = true;
      }
    }
    const subscription = fakeSource(writer)
      .pipe(converse(() => dialogue()))
      .subscribe();
    await eventually(() => cleanedUp, 5000, "the generator's finally");
    expect(pulledAfterEnd).toBe(false);
    expect(writer.written).toEqual(['a1 LOGOUT\r\n']);
    expect(writer.ended).toBe(true);
    subscription.unsubscribe();
  });

  it("fails the connection with the error of a generator's finally that throws, instead of leaving it unhandled", async () => {
    const writer = recordingWriter();
    const failure = new Error('could not release the mailbox lock');
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      try {
        yield end();
      } finally {
        // eslint-disable-next-line no-unsafe-finally -- the failure under test
        throw failure;
      }
    }
    let seen: unknown;
    fakeSource(writer)
      .pipe(converse(() => dialogue()))
      .subscribe({ error: (error: unknown) => (seen = error) });
    await eventually(() => seen !== undefined, 5000, 'the error');
    expect(seen).toBe(failure);
    expect(writer.ended).toBe(true);
  });

  it('returns the iterator when the subscriber leaves while the dialogue waits', async () => {
    const writer = recordingWriter();
    let cleanedUp = false;
    let release: () => void = () => undefined;
    async function* dialogue() {
      try {
        yield line('a1 IDLE');
        await new Promise<void>((resolve) => (release = resolve));
        yield line('never written');
      } finally {
        cleanedUp = true;
      }
    }
    const subscription = fakeSource(writer)
      .pipe(converse(() => dialogue()))
      .subscribe();
    await eventually(() => writer.written.length === 1, 5000, 'the first line');
    subscription.unsubscribe();
    release();
    await eventually(() => cleanedUp, 5000, "the generator's finally");
    expect(writer.written).toEqual(['a1 IDLE\r\n']);
  });
});

function fakeSource(writer: ReturnType<typeof recordingWriter>): Observable<TlsEvent> {
  return new Observable<TlsEvent>((s) => {
    s.next(fakeConnected({ writer }));
  });
}

describe('converse on real connections', () => {
  let pki: TestPki;
  const servers: TestServer[] = [];
  const start = async (behaviour: Parameters<typeof startTlsServer>[0]): Promise<TestServer> => {
    const server = await startTlsServer(behaviour);
    servers.push(server);
    return server;
  };
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));

  /** A tiny IMAP-like server, itself a dialogue. */
  const imapLikeServer: Dialogue = (events$) =>
    new Observable((out) => {
      out.next(line('* OK ready'));
      return events$.subscribe((e) => {
        if (e.type !== 'line') return;
        const [tag, command] = e.text.split(' ');
        if (command === 'LOGIN') out.next(line(`${tag} OK logged in`));
        if (command === 'LOGOUT') {
          out.next(line('* BYE'));
          out.next(line(`${tag} OK bye`));
          out.complete();
        }
      });
    });

  it('a dialogue sends commands and reads the replies; its completion closes cleanly', async () => {
    const server = await start({ ...(await pki.leaf()), dialogue: imapLikeServer });
    const { events, error } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(lines(), converse(login)),
    );
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'line').map((e) => e.type === 'line' && e.text)).toEqual([
      '* OK ready',
      'a1 OK logged in',
      '* BYE',
      'a2 OK bye',
    ]);
    expect(events[events.length - 1]).toEqual({ type: 'closed', by: 'local', clean: true });
  });

  it('pulls an async iterable only as the socket drains', async () => {
    const server = await start({ ...(await pki.leaf()), onConnection: (socket) => socket.pause() });
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    let pulled = 0;
    // eslint-disable-next-line @typescript-eslint/require-await -- never waits: how fast it is pulled is what is measured
    async function* body() {
      for (let i = 0; i < 4096; i++) {
        pulled += 1;
        yield chunk;
      }
    }
    const subscription = connect({ host: 'localhost', port: server.port, ca: pki.ca.cert })
      .pipe(converse(() => body()))
      .subscribe();
    await eventually(() => pulled > 0, 5000, 'the first pull');
    await new Promise((r) => setTimeout(r, 500));
    const plateau = pulled;
    await new Promise((r) => setTimeout(r, 300));
    // The reader is stalled: pulling stopped at what the kernel and the write bound took.
    expect(pulled).toBe(plateau);
    expect(pulled).toBeLessThan(200);
    subscription.unsubscribe();
  });

  it('fails an eager dialogue that outruns the write bound with WriteBufferFullError', async () => {
    const stalled: TLSSocket[] = [];
    const server = await start({ ...(await pki.leaf()), onConnection: (socket) => stalled.push(socket.pause()) });
    const chunk = Buffer.alloc(256 * 1024, 0x63);
    const flood: Dialogue = () => range(0, 4096).pipe(map(() => chunk));
    const { error } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, maxPendingWriteBytes: 1024 * 1024 }).pipe(converse(flood)),
    );
    expect(error).toBeInstanceOf(WriteBufferFullError);
    expect(error?.message).toContain('maxPendingWriteBytes is 1048576');
    // Once the server reads again it finds the connection gone. In TLS 1.3 the client may finish
    // its handshake, flood and fail before the server has finished its own: then the server's
    // handshake fails and the connection closes without ever being stalled (how often depends
    // on the Node line).
    await eventually(() => stalled.length === 1 || server.closedConnections() === 1, 5000, 'the server to stall or lose the connection');
    stalled.forEach((socket) => socket.resume());
    await eventually(() => server.openConnections() === 0, 5000, 'the server to see the connection destroyed');
  });

  it('each connection runs its own dialogue', async () => {
    const server = await start({ ...(await pki.leaf()), dialogue: imapLikeServer });
    const session = connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(
      lines(),
      converse(login),
      filter((e) => e.type === 'closed'),
      take(1),
    );
    const results = await Promise.all([collect(session), collect(session), collect(session)]);
    expect(results.map((r) => r.events)).toEqual([0, 1, 2].map(() => [{ type: 'closed', by: 'local', clean: true }]));
    expect(server.acceptedConnections()).toBe(3);
  });
});
