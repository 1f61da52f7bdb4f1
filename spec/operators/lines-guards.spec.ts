import { config, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { InvalidOptionError, lines, LiteralTooLongError, type PlaintextWriter, type StartTlsEvent, type LineEvent } from '../../lib';
import { fakeConnected, recordingWriter } from '../../lib/testing';

type Event = StartTlsEvent | LineEvent;
const data = (text: string): Event => ({ type: 'data', bytes: Buffer.from(text) });
const line = (text: string): Event => ({ type: 'line', text });
const closed: Event = { type: 'closed', by: 'peer', clean: true };
const imapLiteral = (text: string) => {
  const size = /\{(\d+)\}$/.exec(text)?.[1];
  return size === undefined ? undefined : Number(size);
};

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A plaintext writer whose startTls() only records that the upgrade began. */
function plaintextWriter(): PlaintextWriter {
  let upgrading = false;
  return {
    ...recordingWriter(),
    startTls: () => (upgrading = true),
    get upgrading() {
      return upgrading;
    },
  };
}

/** Runs a STARTTLS-shaped stream through `lines()`; on the line `go`, the dialogue starts TLS. */
function upgradeOn(events: Event[], options: Parameters<typeof lines>[0] = {}) {
  const writer = plaintextWriter();
  const source = new Subject<Event>();
  const seen: Event[] = [];
  let failure: unknown;
  source.pipe(lines(options)).subscribe({
    next: (e) => {
      seen.push(e);
      if (e.type === 'line' && e.text === 'go') writer.startTls();
    },
    error: (e: unknown) => (failure = e),
  });
  source.next({ type: 'plaintext', writer });
  for (const event of events) source.next(event);
  return { seen: seen.filter((e) => e.type !== 'plaintext'), failure };
}

describe('lines(): option checks', () => {
  it('names a literal that is not a function', () => {
    expect(() => lines({ literal: 5 as never })).toThrow('option "literal" must be a function (text) => number | undefined (got 5)');
  });

  it('names a maxLiteralLength that is not a non-negative integer, and accepts 0', () => {
    for (const bad of [-1, 1.5]) {
      expect(() => lines({ maxLiteralLength: bad })).toThrow(
        `option "maxLiteralLength" must be a non-negative integer (bytes) (got ${bad})`,
      );
    }
    expect(() => lines({ maxLiteralLength: 0 })).not.toThrow();
  });
});

describe('lines({ literal }): announced sizes', () => {
  it('accepts a literal of exactly maxLiteralLength bytes, refuses one more', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const framed = (text: string) => cold<Event>('a|', { a: data(text) }).pipe(lines({ literal: imapLiteral, maxLiteralLength: 3 }));
      expectObservable(framed('x {3}\r\nabc')).toBe('a|', { a: { type: 'line', text: 'x {3}', literal: Buffer.from('abc') } });
      expectObservable(framed('x {4}\r\nabcd')).toBe('#', undefined, new LiteralTooLongError(3, 4));
    });
  });

  it('fails on a size that is not a non-negative integer, quoting at most 80 characters of the line', () => {
    const long = 'y'.repeat(100);
    for (const size of [-1, 2.5, Number.NaN]) {
      const seen: unknown[] = [];
      const source = new Subject<Event>();
      source.pipe(lines({ literal: () => size })).subscribe({ error: (e: unknown) => seen.push(e) });
      source.next(data(`${long}\r\n`));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(InvalidOptionError);
      expect((seen[0] as Error).message).toBe(
        `option "literal" returned an invalid size for the line "${'y'.repeat(80)}" (got ${String(size)})`,
      );
    }
  });
});

describe('lines(): STARTTLS', () => {
  it('delivers no plaintext line after the upgrade began, not even the rest of the same chunk', () => {
    const { seen, failure } = upgradeOn([data('220 ready\r\ngo\r\nINJECTED\r\n'), data('MORE\r\n')]);
    expect(seen).toEqual([line('220 ready'), line('go')]);
    expect(failure).toBeUndefined();
  });

  it('delivers no literal that arrives after the upgrade began', () => {
    const { seen, failure } = upgradeOn([data('go\r\nx {3}\r\nabc\r\n')], { literal: imapLiteral });
    expect(seen).toEqual([line('go')]);
    expect(failure).toBeUndefined();
  });

  it('keeps cutting plaintext after the upgrade while other events pass through', () => {
    const { seen } = upgradeOn([data('go\r\n'), line('from upstream'), data('INJECTED\r\n')]);
    expect(seen).toEqual([line('go'), line('from upstream')]);
  });

  it('frames the TLS layer afresh: a partial plaintext line is not joined to what follows connected', () => {
    const connected = fakeConnected();
    const { seen } = upgradeOn([data('go\r\npart'), connected, data('tls line\r\n')]);
    expect(seen).toEqual([line('go'), connected, line('tls line')]);
  });
});

describe('lines(): other events', () => {
  it('pass through in order without cutting a line in two', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<Event>('a-b-c|', { a: data('par'), b: line('from upstream'), c: data('t\n') });
      expectObservable(source.pipe(lines())).toBe('--b-c|', { b: line('from upstream'), c: line('part') });
    });
  });

  it('pass an upstream error through, after the lines before it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<Event>('a-#', { a: data('one\n') }, new Error('reset'));
      expectObservable(source.pipe(lines())).toBe('a-#', { a: line('one') }, new Error('reset'));
    });
  });

  it('deliver the partial last line when the source completes without closed', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Event>('a|', { a: data('tail') }).pipe(lines())).toBe('-(t|)', { t: line('tail') });
      expectObservable(cold<Event>('a-(z|)', { a: data('tail'), z: closed }).pipe(lines())).toBe('--(tz|)', { t: line('tail'), z: closed });
    });
  });

  it('send nothing after the stream failed inside a literal, neither closed nor completion', async () => {
    const stopped = jest.fn();
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = stopped;
    try {
      for (const end of ['closed', 'complete'] as const) {
        const source = new Subject<Event>();
        const seen: string[] = [];
        source.pipe(lines({ literal: imapLiteral })).subscribe({
          next: (e) => seen.push(e.type),
          error: () => seen.push('error'),
          complete: () => seen.push('complete'),
        });
        source.next(data('x {5}\r\nab'));
        if (end === 'closed') source.next(closed);
        source.complete();
        expect(seen).toEqual(['error']);
      }
      // RxJS reports a notification sent after the end on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(stopped).not.toHaveBeenCalled();
    } finally {
      config.onStoppedNotification = previous;
    }
  });
});
