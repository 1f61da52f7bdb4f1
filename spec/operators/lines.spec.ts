import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { from, map, mergeMap, Observable, Subject, take, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  connect,
  end,
  line as outboundLine,
  FrameError,
  lines,
  LineTooLongError,
  LiteralTooLongError,
  serve,
  type TlsEvent,
  type TransportEvent,
} from '../../lib';
import { createTestPki, fakeConnected, startTlsServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startServer } from '../support/servers';

const data = (text: string): TlsEvent => ({ type: 'data', bytes: Buffer.from(text) });
const line = (text: string): TlsEvent => ({ type: 'line', text });
const closed: TlsEvent = { type: 'closed', by: 'peer', clean: true };

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('lines()', () => {
  it('frames data into lines, passing other events through in order', () => {
    const connected = fakeConnected();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('c-a-b------z|', { c: connected, a: data('* OK hel'), b: data('lo\r\n* BYE\r\n'), z: closed });
      expectObservable(source.pipe(lines())).toBe('c---(de)---z|', { c: connected, d: line('* OK hello'), e: line('* BYE'), z: closed });
    });
  });

  it('delivers an unterminated last line before closed, or drops it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('a-z---|', { a: data('one\ntwo'), z: closed });
      expectObservable(source.pipe(lines())).toBe('a-(tz)|', { a: line('one'), t: line('two'), z: closed });
      expectObservable(source.pipe(lines({ partial: 'drop' }))).toBe('a-z---|', { a: line('one'), z: closed });
    });
  });

  it('fails with LineTooLongError and unsubscribes the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TlsEvent>('a-b-c|', { a: data('12345'), b: data('678901'), c: data('\n') });
      expectObservable(source.pipe(lines({ maxLength: 10 }))).toBe('--#', undefined, new LineTooLongError(10, 11));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('each subscription has its own decoder', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('a-b|', { a: data('par'), b: data('t\n') });
      const framed = source.pipe(lines());
      expectObservable(framed).toBe('--b|', { b: line('part') });
      expectObservable(framed).toBe('--b|', { b: line('part') });
    });
  });

  it('rejects bad options when the pipeline is built', () => {
    expect(() => lines({ maxLength: -1 })).toThrow(/option "maxLength"/);
  });
});

describe('lines() on a real connection', () => {
  it('cuts off a peer that floods one endless line, with bounded memory', async () => {
    const pki = await createTestPki();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    const server = await startTlsServer({
      ...(await pki.leaf()),
      onConnection: (socket) => {
        const pump = () => {
          // bounded: at most 64 MiB, and it stops when the client goes away
          while (sent < 64 * 1024 * 1024 && !socket.destroyed) {
            sent += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
        };
        pump();
      },
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const { events, error } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(lines({ maxLength: 1024 * 1024 })),
    );
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as unknown as LineTooLongError).limit).toBe(1024 * 1024);
    expect(events.map((e) => e.type)).toEqual(['connected']);
    // The client tore the connection down long before the server's 64 MiB were through.
    await eventually(() => server.openConnections() === 0, 5000, 'the server to see the close');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024);
    await server.close();
  });

  it('decodes UTF-8 split across TLS records', async () => {
    const pki = await createTestPki();
    const text = 'Grüße aus Oslo — 🌍\r\n';
    const bytes = Buffer.from(text);
    const server = await startTlsServer({
      ...(await pki.leaf()),
      onConnection: (socket) => {
        // one TLS record per byte: every multi-byte character is split
        socket.setNoDelay(true);
        let i = 0;
        const next = () => (i < bytes.length ? socket.write(bytes.subarray(i, ++i), next) : socket.end());
        next();
      },
    });
    const { events } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(lines()));
    expect(events.filter((e) => e.type === 'line')).toEqual([{ type: 'line', text: 'Grüße aus Oslo — 🌍' }]);
    await server.close();
  });
});

describe('lines({ literal }): IMAP-style literals', () => {
  const imapLiteral = (text: string) => {
    const m = /\{(\d+)\}$/.exec(text);
    return m ? Number(m[1]) : undefined;
  };

  it("delivers the announced bytes raw, CRLF and all, as the line's literal, then resumes lines", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('a-b----|', { a: data('* 1 FETCH (BODY[] {9}\r\nline1\r\nl'), b: data('2)\r\na1 OK\r\n') });
      expectObservable(source.pipe(lines({ literal: imapLiteral }))).toBe('--(xyz)|', {
        x: { type: 'line', text: '* 1 FETCH (BODY[] {9}', literal: Buffer.from('line1\r\nl2') },
        y: line(')'),
        z: line('a1 OK'),
      });
    });
  });

  it('property: any chunking, any literal bytes (CRLF, non-ASCII, binary) arrive intact', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (bodies, cuts) => {
        const wire = Buffer.concat([
          ...bodies.flatMap((b, i) => [Buffer.from(`* ${i + 1} FETCH (BODY[] {${b.length}}\r\n`), Buffer.from(b), Buffer.from(')\r\n')]),
          Buffer.from('a1 OK done\r\n'),
        ]);
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y);
        const chunks = [0, ...points, wire.length].slice(0, -1).map((p, i, all) => wire.subarray(p, all[i + 1] ?? wire.length));
        const out: TlsEvent[] = [];
        from(chunks.map((bytes): TlsEvent => ({ type: 'data', bytes })))
          .pipe(lines({ literal: imapLiteral }))
          .subscribe((e) => out.push(e));
        const literals = out.flatMap((e) => (e.type === 'line' && e.literal ? [e.literal] : []));
        expect(literals.map((l) => Buffer.from(l))).toEqual(bodies.map((b) => Buffer.from(b)));
        expect(out[out.length - 1]).toEqual(line('a1 OK done'));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a literal larger than maxLiteralLength, and a stream that ends inside a literal', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<TlsEvent>('a|', { a: data('x {100}\r\n') }).pipe(lines({ literal: imapLiteral, maxLiteralLength: 10 }))).toBe(
        '#',
        undefined,
        new LiteralTooLongError(10, 100),
      );
      expectObservable(cold<TlsEvent>('a|', { a: data('x {10}\r\nabc') }).pipe(lines({ literal: imapLiteral }))).toBe(
        '-#',
        undefined,
        new FrameError(
          'ERR_RXTLS_FRAME_TRUNCATED',
          'the stream ended 7 bytes short of a 10-byte literal it announced: the peer closed in the middle of it, so the incomplete literal is not delivered',
        ),
      );
    });
  });
});

describe('lines({ keepData }): raw bytes and lines together', () => {
  it('passes each data event on, just before the lines framed from it; other events as before', () => {
    const connected = fakeConnected();
    const a = data('* OK hel');
    const b = data('lo\r\n* BYE\r\n');
    const c = data('tail');
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('k-a-b--------c----z---|', { k: connected, a, b, c, z: closed });
      const framed = { k: connected, d: line('* OK hello'), e: line('* BYE'), t: line('tail'), z: closed };
      expectObservable(source.pipe(lines({ keepData: true }))).toBe('k-a-(bde)----c----(tz)|', { ...framed, a, b, c });
      // the default consumes data, as ever
      expectObservable(source.pipe(lines())).toBe('k---(de)----------(tz)|', framed);
    });
  });

  it('property: each data event, untouched, then exactly the lines lines() frames from it', () => {
    const bytes = fc.array(fc.oneof(fc.constant(0x0a), fc.constant(0x0d), fc.nat(255)), { maxLength: 30 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 8 }), (chunks) => {
        const input = chunks.map((chunk): TlsEvent => ({ type: 'data', bytes: chunk }));
        // The model: lines() alone, fed one chunk at a time, with each chunk noted before its lines.
        const expected: TlsEvent[] = [];
        const feed = new Subject<TlsEvent>();
        feed.pipe(lines()).subscribe((e) => expected.push(e));
        for (const event of [...input, closed]) {
          if (event.type === 'data') expected.push(event);
          feed.next(event);
        }
        feed.complete();
        const kept: TlsEvent[] = [];
        from([...input, closed])
          .pipe(lines({ keepData: true }))
          .subscribe((e) => kept.push(e));
        expect(kept).toEqual(expected);
        expect(kept.filter((e) => e.type === 'data').every((e, i) => e === input[i])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches a serve() dialogue, which hashes exactly the bytes the client sent', async () => {
    const pki = await createTestPki();
    const running: Subscription[] = [];
    const sent = Buffer.from('a1 NOOP\r\nGrüße\r\nQUIT\r\n');
    const port = await startServer(
      serve({ credentials: await pki.leaf(), lines: { keepData: true } }, (events$) => {
        const hash = createHash('sha256');
        return events$.pipe(
          mergeMap((e) => {
            if (e.type === 'data') hash.update(e.bytes);
            return e.type === 'line' && e.text === 'QUIT' ? [outboundLine(hash.digest('hex')), end()] : [];
          }),
        );
      }),
      running,
    );
    try {
      const { events } = await collect(
        connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
          map((e) => {
            if (e.type === 'connected') for (const byte of sent) e.writer.write(Buffer.of(byte)); // many small records
            return e;
          }),
          lines(),
        ),
      );
      expect(events.filter((e) => e.type === 'line')).toEqual([line(createHash('sha256').update(sent).digest('hex'))]);
    } finally {
      running.forEach((s) => s.unsubscribe());
    }
  });

  it('rejects a keepData that is not a boolean, naming it', () => {
    expect(() => lines({ keepData: 'yes' as unknown as boolean })).toThrow(/option "keepData" must be true or false/);
  });
});

describe('lines() and a consumer that leaves mid-chunk', () => {
  const chunk = (text: string): TransportEvent => ({ type: 'data', bytes: Buffer.from(text) });

  it('stops cutting when the subscriber unsubscribes after a line (take(1)): no later line of the chunk, nor of the next, is looked at', () => {
    const looked: string[] = [];
    const seen: string[] = [];
    const source = new Observable<TransportEvent>((subscriber) => {
      subscriber.next(chunk('a\nb\nc\n'));
      subscriber.next(chunk('d\n'));
      subscriber.complete();
    });
    const literal = (text: string) => (looked.push(text), undefined);
    source.pipe(lines({ literal }), take(1)).subscribe((e) => e.type === 'line' && seen.push(e.text));
    expect(seen).toEqual(['a']);
    expect(looked).toEqual(['a']);
  });

  it('stops after a literal the consumer took last', () => {
    const looked: string[] = [];
    const seen: (string | undefined)[] = [];
    const source = new Observable<TransportEvent>((subscriber) => {
      subscriber.next(chunk('x {2}\r\nhiy\r\nz\r\n'));
      subscriber.complete();
    });
    const literal = (text: string) => (looked.push(text), /\{(\d+)\}$/.exec(text) ? 2 : undefined);
    source.pipe(lines({ literal }), take(1)).subscribe((e) => e.type === 'line' && seen.push(e.literal?.toString()));
    expect(seen).toEqual(['hi']);
    expect(looked).toEqual(['x {2}']);
  });
});
