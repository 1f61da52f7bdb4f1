import { TestScheduler } from 'rxjs/testing';
import { connect, lines, LineTooLongError, type TlsEvent } from '../../lib';
import { createTestPki, fakeConnected, startTlsServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

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
    const { events, error } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(lines({ maxLength: 1024 * 1024 })));
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
