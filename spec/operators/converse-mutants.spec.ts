import { NEVER, Subject, filter, finalize, map, type Observable } from 'rxjs';
import {
  converse,
  end,
  InvalidOptionError,
  line,
  startTls,
  type Dialogue,
  type Outbound,
  type PlaintextEvent,
  type PlaintextWriter,
  type ReconnectingEvent,
  type TlsEvent,
  type TlsWriter,
  type TransportEvent,
} from '../../lib';
import { fakeConnected, fakeLine } from '../../lib/testing';
import { eventually } from '../support/collect';

// The edges of converse() that mutation testing found no spec for (issue 22): option checks,
// end() and completion, STARTTLS, the reconnect bookkeeping, and when a pulled dialogue is
// asked for more. Fake writers, no socket.

/** A writer that records every call, even after end() (a real one refuses), and whose drain() the test settles. */
function spyWriter() {
  const written: Array<string | Uint8Array> = [];
  let ends = 0;
  let drained: () => void = () => undefined;
  let drains = 0;
  const writer: TlsWriter = {
    write(chunk) {
      written.push(chunk);
      return false; // always ask a pulled dialogue to wait for drain()
    },
    drain: () => {
      drains += 1;
      return new Promise<void>((resolve) => (drained = resolve));
    },
    end: () => {
      ends += 1;
    },
    pendingBytes: 0,
  };
  return {
    writer,
    written,
    ends: () => ends,
    drains: () => drains,
    /** Settles the pending drain(). */
    drain: () => drained(),
  };
}

/** A plaintext writer (connectStartTls's) that counts startTls() calls. */
function spyPlaintextWriter() {
  const spy = spyWriter();
  let upgrades = 0;
  const writer: PlaintextWriter = {
    ...spy.writer,
    startTls: () => {
      upgrades += 1;
    },
    get upgrading() {
      return upgrades > 0;
    },
  };
  return { ...spy, writer, upgrades: () => upgrades };
}

const closed: TlsEvent = { type: 'closed', by: 'peer', clean: true };
const reconnecting: ReconnectingEvent = { type: 'reconnecting', attempt: 1, delay: 0, reason: 'closed', resuming: false };
const plaintext = (writer: PlaintextWriter): PlaintextEvent => ({ type: 'plaintext', writer });

/** Lets pending promise callbacks (a pulled dialogue's steps) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('converse() options', () => {
  it('rejects a lineEnding that is not a string, naming it', () => {
    const attempt = () => converse(() => [], { lineEnding: 10 as unknown as string });
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow('option "lineEnding" must be a string (got 10)');
  });

  it('rejects a dialogue that is not a function, naming it and the shape it must have', () => {
    const attempt = () => converse([line('x')] as unknown as Dialogue);
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow(/^option "dialogue" must be a function \(events\$\) => Observable<Outbound> \(got /);
  });

  it('fails the connection with the error a dialogue function throws', () => {
    const failure = new Error('no dialogue today');
    const source = new Subject<TlsEvent>();
    let seen: unknown;
    source
      .pipe(
        converse(() => {
          throw failure;
        }),
      )
      .subscribe({ error: (error: unknown) => (seen = error) });
    source.next(fakeConnected());
    expect(seen).toBe(failure);
    expect(source.observed).toBe(false);
  });
});

describe('converse() end() and completion', () => {
  it('writes nothing after end(), and ends the connection once, even when the dialogue then completes', () => {
    const spy = spyWriter();
    const out = new Subject<Outbound>();
    const source = new Subject<TlsEvent>();
    source.pipe(converse(() => out)).subscribe();
    source.next(fakeConnected({ writer: spy.writer }));
    out.next(line('a1 LOGOUT'));
    out.next(end());
    out.next(line('after the end'));
    out.complete();
    expect(spy.written).toEqual(['a1 LOGOUT\r\n']);
    expect(spy.ends()).toBe(1);
  });

  it('a pulled dialogue is let go at end() at once, without waiting for the socket to drain', async () => {
    const spy = spyWriter();
    let cleanedUp = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      try {
        yield end();
        yield line('never asked for');
      } finally {
        cleanedUp = true;
      }
    }
    const source = new Subject<TlsEvent>();
    source.pipe(converse(() => dialogue())).subscribe();
    source.next(fakeConnected({ writer: spy.writer })); // its drain() never settles
    await eventually(() => cleanedUp, 5000, "the generator's finally");
    expect(spy.drains()).toBe(0);
    expect(spy.ends()).toBe(1);
    expect(spy.written).toEqual([]);
  });

  it('a pulled dialogue is asked for its next item only once the socket drained', async () => {
    const spy = spyWriter();
    const asked: number[] = [];
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      for (let i = 1; i <= 2; i += 1) {
        asked.push(i);
        yield line(`a${i} NOOP`);
      }
    }
    const source = new Subject<TlsEvent>();
    source.pipe(converse(() => dialogue())).subscribe();
    source.next(fakeConnected({ writer: spy.writer }));
    await settle();
    expect(asked).toEqual([1]);
    expect(spy.drains()).toBe(1);
    spy.drain();
    await eventually(() => spy.written.length === 2, 5000, 'the second line');
    spy.drain();
    await eventually(() => spy.ends() === 1, 5000, 'the end after the last item');
    expect(spy.written).toEqual(['a1 NOOP\r\n', 'a2 NOOP\r\n']);
  });

  it('does not return() an iterator that finished by itself (done, or next() threw), as for await does not', async () => {
    const returns: string[] = [];
    const iterable = (next: () => Promise<IteratorResult<Outbound>>, name: string): AsyncIterable<Outbound> => ({
      [Symbol.asyncIterator]: () => ({
        next,
        return: () => {
          returns.push(name);
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    });
    const done = new Subject<TlsEvent>();
    const doneWriter = spyWriter();
    done.pipe(converse(() => iterable(() => Promise.resolve({ done: true, value: undefined }), 'done'))).subscribe();
    done.next(fakeConnected({ writer: doneWriter.writer }));
    const threw = new Subject<TlsEvent>();
    const failure = new Error('next() failed');
    let seen: unknown;
    threw.pipe(converse(() => iterable(() => Promise.reject(failure), 'threw'))).subscribe({ error: (error: unknown) => (seen = error) });
    threw.next(fakeConnected());
    await eventually(() => doneWriter.ends() === 1 && seen !== undefined, 5000, 'both dialogues to finish');
    await settle();
    expect(seen).toBe(failure);
    expect(returns).toEqual([]);
  });

  it('stops an iterator without return() quietly', async () => {
    const spy = spyWriter();
    const steps: Outbound[] = [end()];
    const iterable: AsyncIterable<Outbound> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: false, value: steps.shift() ?? line('x') }) }),
    };
    let seen: unknown;
    const source = new Subject<TlsEvent>();
    source.pipe(converse(() => iterable)).subscribe({ error: (error: unknown) => (seen = error) });
    source.next(fakeConnected({ writer: spy.writer }));
    await settle();
    await settle();
    expect(spy.ends()).toBe(1);
    expect(seen).toBeUndefined();
  });

  it('does not write a pulled item that arrives after the subscriber left', async () => {
    const spy = spyWriter();
    let give: (step: IteratorResult<Outbound>) => void = () => undefined;
    const iterable: AsyncIterable<Outbound> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Outbound>>((resolve) => (give = resolve)),
      }),
    };
    const source = new Subject<TlsEvent>();
    const subscription = source.pipe(converse(() => iterable)).subscribe();
    source.next(fakeConnected({ writer: spy.writer }));
    subscription.unsubscribe();
    give({ done: false, value: line('too late') });
    await settle();
    expect(spy.written).toEqual([]);
    expect(spy.ends()).toBe(0);
  });

  it('unsubscribing lets go of an Observable dialogue: what it emits later is not written', () => {
    const spy = spyWriter();
    const out = new Subject<Outbound>();
    const source = new Subject<TlsEvent>();
    const subscription = source.pipe(converse(() => out)).subscribe();
    source.next(fakeConnected({ writer: spy.writer }));
    subscription.unsubscribe();
    expect(out.observed).toBe(false);
    out.next(line('too late'));
    expect(spy.written).toEqual([]);
  });
});

describe('converse() and the stream it sits on', () => {
  it("tells the dialogue of the stream's error, and passes it on", () => {
    const source = new Subject<TlsEvent>();
    const failure = new Error('socket gone');
    let dialogueSaw: unknown;
    let seen: unknown;
    source
      .pipe(
        converse((events$) => {
          events$.subscribe({ error: (error: unknown) => (dialogueSaw = error) });
          return new Subject<Outbound>();
        }),
      )
      .subscribe({ error: (error: unknown) => (seen = error) });
    source.next(fakeConnected());
    source.error(failure);
    expect(dialogueSaw).toBe(failure);
    expect(seen).toBe(failure);
  });

  it("completes the dialogue's events when the stream completes without a closed", () => {
    const source = new Subject<TlsEvent>();
    let dialogueDone = false;
    let done = false;
    source
      .pipe(converse((events$) => events$.pipe(finalize(() => (dialogueDone = true))) as Observable<never>))
      .subscribe({ complete: () => (done = true) });
    source.next(fakeConnected());
    source.complete();
    expect(dialogueDone).toBe(true);
    expect(done).toBe(true);
  });
});

describe('converse() with STARTTLS', () => {
  it('starts the dialogue at plaintext, upgrades at startTls(), and writes to the TLS side once connected', () => {
    const plain = spyPlaintextWriter();
    const tls = spyWriter();
    const source = new Subject<TransportEvent>();
    let starts = 0;
    const dialogue: Dialogue<TransportEvent> = (events$) => {
      starts += 1;
      return events$.pipe(
        map((e): Outbound | undefined =>
          e.type === 'plaintext' ? line('STARTTLS') : e.type === 'line' ? startTls() : e.type === 'connected' ? line('EHLO me') : undefined,
        ),
        filter((out): out is Outbound => out !== undefined),
      );
    };
    source.pipe(converse(dialogue)).subscribe();
    source.next(plaintext(plain.writer));
    source.next(fakeLine('220 go ahead'));
    source.next(fakeConnected({ writer: tls.writer }));
    expect(starts).toBe(1);
    expect(plain.written).toEqual(['STARTTLS\r\n']);
    expect(plain.upgrades()).toBe(1);
    expect(plain.ends()).toBe(0);
    expect(tls.written).toEqual(['EHLO me\r\n']);
  });

  it("a pulled dialogue's next item after startTls() waits for the TLS connected, and goes to the TLS side", async () => {
    const plain = spyPlaintextWriter();
    const tls = spyWriter();
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      yield startTls();
      yield line('EHLO me');
    }
    const source = new Subject<TransportEvent>();
    source.pipe(converse<TransportEvent>(() => dialogue())).subscribe();
    source.next(plaintext(plain.writer));
    await settle();
    plain.drain(); // the plaintext socket draining is not the upgrade,
    source.next(fakeLine('a line that came with the answer')); // nor another event
    await settle();
    expect(plain.upgrades()).toBe(1);
    expect(plain.written).toEqual([]);
    expect(tls.written).toEqual([]);
    source.next(fakeConnected({ writer: tls.writer }));
    await eventually(() => tls.written.length === 1, 5000, 'the line after the upgrade');
    expect(tls.written).toEqual(['EHLO me\r\n']);
    expect(plain.written).toEqual([]);
  });

  it('a pulled dialogue waiting for an upgrade that never came is returned when the connection closes', async () => {
    const plain = spyPlaintextWriter();
    let cleanedUp = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      try {
        yield startTls();
        yield line('EHLO me');
      } finally {
        cleanedUp = true;
      }
    }
    const source = new Subject<TransportEvent>();
    source.pipe(converse<TransportEvent>(() => dialogue())).subscribe();
    source.next(plaintext(plain.writer));
    await settle();
    source.next(closed);
    await eventually(() => cleanedUp, 5000, "the generator's finally");
    expect(plain.written).toEqual([]);
  });

  it('a pulled dialogue waiting for an upgrade is returned when its subscriber leaves', async () => {
    const plain = spyPlaintextWriter();
    let cleanedUp = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      try {
        yield startTls();
        yield line('EHLO me');
      } finally {
        cleanedUp = true;
      }
    }
    const source = new Subject<TransportEvent>();
    const subscription = source.pipe(converse<TransportEvent>(() => dialogue())).subscribe();
    source.next(plaintext(plain.writer));
    await settle();
    subscription.unsubscribe();
    await eventually(() => cleanedUp, 5000, "the generator's finally");
  });

  it("completes the dialogue's events when the source completes", () => {
    const source = new Subject<TlsEvent>();
    let completed = false;
    source
      .pipe(
        converse((events$) => {
          events$.subscribe({ complete: () => (completed = true) });
          return NEVER;
        }),
      )
      .subscribe();
    source.next(fakeConnected({ writer: spyWriter().writer }));
    source.complete();
    expect(completed).toBe(true);
  });

  it('fails a startTls() on a TLS connection, naming it', () => {
    const source = new Subject<TlsEvent>();
    let seen: unknown;
    source.pipe(converse(() => [startTls()])).subscribe({ error: (error: unknown) => (seen = error) });
    const spy = spyWriter();
    source.next(fakeConnected({ writer: spy.writer }));
    expect(seen).toBeInstanceOf(InvalidOptionError);
    expect((seen as InvalidOptionError).option).toBe('startTls()');
    expect((seen as Error).message).toBe(
      'option "startTls()" is only for plaintext connections (connectStartTls, listenStartTls) (got "startTls")',
    );
    expect(spy.ends()).toBe(0);
    expect(source.observed).toBe(false);
  });
});

describe('converse() under reconnect: one dialogue a connection', () => {
  it("gives each connection's dialogue only that connection's events, ending with its closed, and none of the reconnects", () => {
    const source = new Subject<TransportEvent>();
    const seen: string[][] = [];
    const completed: number[] = [];
    const passed: string[] = [];
    source
      .pipe(
        converse<TransportEvent>((events$) => {
          const mine: string[] = [];
          const n = seen.push(mine);
          events$.subscribe({ next: (e) => mine.push(e.type === 'line' ? e.text : e.type), complete: () => completed.push(n) });
          return new Subject<Outbound>();
        }),
      )
      .subscribe((e) => passed.push(e.type));
    source.next(fakeConnected());
    source.next(fakeLine('one'));
    source.next(closed);
    expect(completed).toEqual([1]);
    source.next(reconnecting);
    source.next(fakeConnected());
    source.next(fakeLine('two'));
    source.next(closed);
    expect(seen).toEqual([
      ['connected', 'one', 'closed'],
      ['connected', 'two', 'closed'],
    ]);
    expect(completed).toEqual([1, 2]);
    expect(passed).toEqual(['connected', 'line', 'closed', 'reconnecting', 'connected', 'line', 'closed']);
  });

  it("restarts at a new connection's plaintext, but not at the same connection's STARTTLS connected", () => {
    const source = new Subject<TransportEvent>();
    let starts = 0;
    source
      .pipe(
        converse<TransportEvent>(() => {
          starts += 1;
          return new Subject<Outbound>();
        }),
      )
      .subscribe();
    for (let n = 1; n <= 3; n += 1) {
      source.next(plaintext(spyPlaintextWriter().writer));
      expect(starts).toBe(n);
      source.next(fakeConnected());
      expect(starts).toBe(n);
      source.next(closed);
    }
  });

  it('a connection that failed (reconnecting, no closed) ends its dialogue too: the next connection gets its own', () => {
    const source = new Subject<TransportEvent>();
    const outs: Array<Subject<Outbound>> = [];
    const completed: number[] = [];
    const seen: string[] = [];
    source
      .pipe(
        converse<TransportEvent>((events$) => {
          const n = outs.push(new Subject<Outbound>());
          events$.subscribe({ next: (e) => seen.push(`${n} ${e.type}`), complete: () => completed.push(n) });
          return outs[n - 1] as Subject<Outbound>;
        }),
      )
      .subscribe();
    const first = spyWriter();
    const second = spyWriter();
    source.next(fakeConnected({ writer: first.writer }));
    source.next(reconnecting);
    expect(completed).toEqual([1]);
    outs[0]?.next(line('after the failure'));
    source.next(fakeConnected({ writer: second.writer }));
    outs[0]?.next(line('late'));
    outs[1]?.next(line('fresh'));
    expect(outs).toHaveLength(2);
    expect(first.written).toEqual([]);
    expect(second.written).toEqual(['fresh\r\n']);
    // each dialogue hears of its own connection, neither of the reconnect
    expect(seen).toEqual(['1 connected', '2 connected']);
  });

  it('a pulled dialogue is returned when its connection closes, before any new one', async () => {
    const spy = spyWriter();
    let cleanedUp = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- a generator that never waits
    async function* dialogue() {
      try {
        yield line('a1 IDLE');
        yield line('a2 DONE');
      } finally {
        cleanedUp = true;
      }
    }
    const source = new Subject<TlsEvent>();
    source.pipe(converse(() => dialogue())).subscribe();
    source.next(fakeConnected({ writer: spy.writer }));
    await settle();
    source.next(closed);
    spy.drain();
    await eventually(() => cleanedUp, 5000, "the generator's finally");
    expect(spy.written).toEqual(['a1 IDLE\r\n']);
  });

  it('an old Observable dialogue writes nothing to the new connection, nor to the old one', () => {
    const source = new Subject<TlsEvent>();
    const outs: Array<Subject<Outbound>> = [];
    source
      .pipe(
        converse(() => {
          const out = new Subject<Outbound>();
          outs.push(out);
          return out;
        }),
      )
      .subscribe();
    const first = spyWriter();
    const second = spyWriter();
    source.next(fakeConnected({ writer: first.writer }));
    source.next(closed);
    source.next(fakeConnected({ writer: second.writer }));
    const [old, fresh] = outs as [Subject<Outbound>, Subject<Outbound>];
    old.next(line('late'));
    old.complete();
    fresh.next(line('fresh'));
    expect(first.written).toEqual([]);
    expect(second.written).toEqual(['fresh\r\n']);
    expect(first.ends() + second.ends()).toBe(0);
  });

  it('an old pulled dialogue stops at the new connection: returned, not ending or failing the new one', async () => {
    const source = new Subject<TlsEvent>();
    let release: () => void = () => undefined;
    let cleanedUp = false;
    const first = spyWriter();
    const second = spyWriter();
    let dialogues = 0;
    async function* old() {
      try {
        yield line('a1 IDLE');
        await new Promise<void>((resolve) => (release = resolve));
        yield line('late');
      } finally {
        cleanedUp = true;
        // eslint-disable-next-line no-unsafe-finally -- an old dialogue's failure must not reach the new connection
        throw new Error('old cleanup failed');
      }
    }
    let seen: unknown;
    source
      .pipe(converse(() => (++dialogues === 1 ? old() : new Subject<Outbound>())))
      .subscribe({ error: (error: unknown) => (seen = error) });
    source.next(fakeConnected({ writer: first.writer }));
    await settle();
    first.drain();
    source.next(closed);
    source.next(fakeConnected({ writer: second.writer }));
    release();
    await eventually(() => cleanedUp, 5000, "the old generator's finally");
    await settle();
    expect(first.written).toEqual(['a1 IDLE\r\n']);
    expect(second.written).toEqual([]);
    expect(second.ends()).toBe(0);
    expect(seen).toBeUndefined();
  });

  it('an old pulled dialogue that ends by itself after the new connection began does not end the new one', async () => {
    const source = new Subject<TlsEvent>();
    let release: () => void = () => undefined;
    let dialogues = 0;
    const iterable: AsyncIterable<Outbound> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Outbound>>((resolve) => (release = () => resolve({ done: true, value: undefined }))),
      }),
    };
    const second = spyWriter();
    source.pipe(converse(() => (++dialogues === 1 ? iterable : new Subject<Outbound>()))).subscribe();
    source.next(fakeConnected());
    source.next(closed);
    source.next(fakeConnected({ writer: second.writer }));
    release();
    await settle();
    await settle();
    expect(second.ends()).toBe(0);
  });

  it('an old pulled dialogue whose next() fails after the new connection began does not fail the new one', async () => {
    const source = new Subject<TlsEvent>();
    let reject: () => void = () => undefined;
    let dialogues = 0;
    const iterable: AsyncIterable<Outbound> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Outbound>>((_, fail) => (reject = () => fail(new Error('old next() failed')))),
      }),
    };
    let seen: unknown;
    source
      .pipe(converse(() => (++dialogues === 1 ? iterable : new Subject<Outbound>())))
      .subscribe({ error: (error: unknown) => (seen = error) });
    source.next(fakeConnected());
    source.next(closed);
    source.next(fakeConnected());
    reject();
    await settle();
    await settle();
    expect(seen).toBeUndefined();
  });
});
