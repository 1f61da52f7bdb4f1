import fc from 'fast-check';
import { concat, delay, EMPTY, firstValueFrom, from, NEVER, of, Subject, throwError, timer, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  DEFAULT_HANDLE_EACH_HIGH_WATER_MARK,
  frames,
  handleEach,
  InvalidOptionError,
  lengthField,
  lengthPrefixed,
  lines,
  type DataEvent,
  type LineEvent,
  type StartTlsEvent,
  type TlsEvent,
  type TlsReader,
} from '../../lib';
import { fakeConnected, fakeLine, recordingReader, recordingWriter } from '../../lib/testing/fakes';

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const closed: TlsEvent = { type: 'closed', by: 'peer', clean: true };
const events = (...list: TlsEvent[]): Observable<TlsEvent> => from(list);
const data = (text: string): DataEvent => ({ type: 'data', bytes: Buffer.from(text) });

/** A reader that tells the test, at each call, how many events the operator held. */
function watchedReader(held: () => number) {
  const reader = recordingReader();
  const atCalls: number[] = [];
  const watched: TlsReader & { calls: Array<'pause' | 'resume'>; atCalls: number[] } = {
    calls: reader.calls,
    atCalls,
    pause() {
      if (!reader.paused) atCalls.push(held());
      reader.pause();
    },
    resume() {
      if (reader.paused) atCalls.push(held());
      reader.resume();
    },
    get paused() {
      return reader.paused;
    },
    pausable: true,
  };
  return watched;
}

describe('handleEach(handler): timing (marbles)', () => {
  it('with concurrency 1 handles one event at a time, in order, and emits each once handled; connected and closed pass in order', () => {
    const connected = fakeConnected();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('c-a-b-(z|)', { c: connected, a: fakeLine('a'), b: fakeLine('b'), z: closed });
      // each line takes 3 frames: a at 2 → out at 5; b arrives at 4, starts at 5 → out at 8; closed waits for it.
      const result = source.pipe(handleEach(() => timer(3)));
      expectObservable(result).toBe('c----a--(bz|)', { c: connected, a: fakeLine('a'), b: fakeLine('b'), z: closed });
    });
  });

  it('with concurrency 2 runs two handlers at once, and still emits in arrival order', () => {
    const connected = fakeConnected();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('c(ab)----|', { c: connected, a: fakeLine('a'), b: fakeLine('b') });
      // a takes 4 frames, b 1: b is done first but waits for a.
      const result = source.pipe(handleEach((e) => timer(e.type === 'line' && e.text === 'a' ? 4 : 1), { concurrency: 2 }));
      expectObservable(result).toBe('c----(ab)|', { c: connected, a: fakeLine('a'), b: fakeLine('b') });
    });
  });

  it('passes a synchronous handler (returning nothing) through at once', () => {
    const connected = fakeConnected();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('c-a-b-z|', { c: connected, a: fakeLine('a'), b: fakeLine('b'), z: closed });
      expectObservable(source.pipe(handleEach(() => undefined))).toBe('c-a-b-z|', {
        c: connected,
        a: fakeLine('a'),
        b: fakeLine('b'),
        z: closed,
      });
    });
  });

  it('passes an upstream error on at once and unsubscribes the running handlers', () => {
    const connected = fakeConnected();
    const failure = new Error('reset');
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('-----|');
      const source = cold<TlsEvent>('ca-#', { c: connected, a: fakeLine('a') }, failure);
      expectObservable(source.pipe(handleEach(() => slow))).toBe('c--#', { c: connected }, failure);
      expectSubscriptions(slow.subscriptions).toBe('-^-!');
    });
  });

  it("passes a handler's error on, and unsubscribes the connection", () => {
    const connected = fakeConnected();
    const failure = new Error('database down');
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TlsEvent>('ca----', { c: connected, a: fakeLine('a') });
      expectObservable(source.pipe(handleEach(() => cold('--#', undefined, failure)))).toBe('c--#', { c: connected }, failure);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('a handler that throws errors the stream with what it threw', async () => {
    const failure = new Error('bug');
    const result = firstValueFrom(
      events(fakeConnected(), fakeLine('a')).pipe(
        handleEach(() => {
          throw failure;
        }),
        toArray(),
      ),
    );
    await expect(result).rejects.toBe(failure);
  });

  it('ignores what a handler emits: it is done when it completes', () => {
    const connected = fakeConnected();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('ca|', { c: connected, a: fakeLine('a') });
      expectObservable(source.pipe(handleEach(() => cold('xy-|')))).toBe('c---(a|)', { c: connected, a: fakeLine('a') });
    });
  });

  it('a handler that never completes holds the stream (and the reader paused once the mark is reached)', () => {
    const reader = recordingReader();
    const connected = fakeConnected({ reader });
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TlsEvent>('cab|', { c: connected, a: fakeLine('a'), b: fakeLine('b') });
      expectObservable(source.pipe(handleEach(() => NEVER, { highWaterMark: 2, lowWaterMark: 0 }))).toBe('c---', { c: connected });
    });
    expect(reader.calls).toEqual(['pause']);
  });

  it('hands the handler each data and line event with its index, never connected or closed', async () => {
    const seen: Array<[string, number]> = [];
    await firstValueFrom(
      events(fakeConnected(), data('x'), fakeLine('y'), closed).pipe(
        handleEach((e, i) => void seen.push([e.type, i])),
        toArray(),
      ),
    );
    expect(seen).toEqual([
      ['data', 0],
      ['line', 1],
    ]);
  });

  it('awaits a Promise', async () => {
    const order: string[] = [];
    const out = await firstValueFrom(
      events(fakeConnected(), fakeLine('a'), fakeLine('b'), closed).pipe(
        handleEach(async (e) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(e.type === 'line' ? e.text : e.type);
        }),
        toArray(),
      ),
    );
    expect(order).toEqual(['a', 'b']);
    expect(out.map((e) => e.type)).toEqual(['connected', 'line', 'line', 'closed']);
  });
});

describe('handleEach(handler): flow control', () => {
  it('pauses the reader at highWaterMark held events and resumes at lowWaterMark', () => {
    const reader = recordingReader();
    const connected = fakeConnected({ reader });
    const source = new Subject<TlsEvent>();
    const gates: Array<Subject<void>> = [];
    source
      .pipe(
        handleEach(() => (gates.push(new Subject<void>()), gates[gates.length - 1] as Subject<void>), {
          highWaterMark: 3,
          lowWaterMark: 1,
        }),
      )
      .subscribe();
    const finish = (i: number) => (gates[i] as Subject<void>).complete();
    source.next(connected);
    source.next(fakeLine('1'));
    source.next(fakeLine('2'));
    expect(reader.calls).toEqual([]);
    source.next(fakeLine('3')); // 3 held
    expect(reader.calls).toEqual(['pause']);
    source.next(fakeLine('4')); // arrived anyway (a chunk already read): held, no second pause
    expect(reader.calls).toEqual(['pause']);
    finish(0); // 3 held
    finish(1); // 2 held
    expect(reader.calls).toEqual(['pause']);
    finish(2); // 1 held: resume
    expect(reader.calls).toEqual(['pause', 'resume']);
  });

  it('after a STARTTLS upgrade pauses the new reader, and keeps a paused connection paused', () => {
    const plainReader = recordingReader();
    const tlsReader = recordingReader();
    const source = new Subject<StartTlsEvent>();
    const gates: Array<Subject<void>> = [];
    source
      .pipe(
        handleEach(() => (gates.push(new Subject<void>()), gates[gates.length - 1] as Subject<void>), {
          highWaterMark: 1,
          lowWaterMark: 0,
        }),
      )
      .subscribe();
    source.next({ type: 'plaintext', writer: fakeConnected().writer as never, reader: plainReader });
    source.next(data('220 go ahead'));
    expect(plainReader.calls).toEqual(['pause']);
    source.next(fakeConnected({ reader: tlsReader }));
    expect(tlsReader.calls).toEqual(['pause']);
    (gates[0] as Subject<void>).complete(); // the plaintext line handled; connected comes out: nothing held
    expect(tlsReader.calls).toEqual(['pause', 'resume']);
    expect(plainReader.calls).toEqual(['pause']);
  });

  it('composes after lines(): lines pass connected through, with its reader', () => {
    const reader = recordingReader();
    const source = new Subject<TlsEvent>();
    const seen: string[] = [];
    const gates: Array<Subject<void>> = [];
    source
      .pipe(
        lines(),
        handleEach(() => (gates.push(new Subject<void>()), gates[gates.length - 1] as Subject<void>), {
          highWaterMark: 2,
          lowWaterMark: 0,
        }),
      )
      .subscribe((e) => seen.push(e.type === 'line' ? e.text : e.type));
    source.next(fakeConnected({ reader }));
    source.next(data('a\r\nb\r\nc\r\n'));
    expect(reader.calls).toEqual(['pause']);
    while (gates.length > 0) gates.shift()?.complete();
    expect(seen).toEqual(['connected', 'a', 'b', 'c']);
    expect(reader.calls).toEqual(['pause', 'resume']);
  });

  it('composes after frames(): each frame goes to the handler, and frames waiting for it pause the reader', () => {
    const reader = recordingReader();
    const source = new Subject<TlsEvent>();
    const handled: string[] = [];
    const gates: Array<Subject<void>> = [];
    source
      .pipe(
        frames(lengthField({ lengthSize: 2 })),
        handleEach(
          (e) => {
            handled.push(e.type === 'frame' ? e.bytes.toString() : e.type);
            gates.push(new Subject<void>());
            return gates[gates.length - 1] as Subject<void>;
          },
          { highWaterMark: 2, lowWaterMark: 0 },
        ),
      )
      .subscribe();
    source.next(fakeConnected({ reader }));
    source.next({ type: 'data', bytes: Buffer.concat(['a', 'bb', 'ccc'].map((f) => lengthPrefixed(Buffer.from(f), { lengthSize: 2 }))) });
    expect(handled).toEqual(['a']);
    expect(reader.calls).toEqual(['pause']);
    while (gates.length > 0) gates.shift()?.complete();
    expect(handled).toEqual(['a', 'bb', 'ccc']);
    expect(reader.calls).toEqual(['pause', 'resume']);
  });

  it('resumes a reader it paused when unsubscribed, so that a shared connection goes on for the others', () => {
    const reader = recordingReader();
    const source = new Subject<TlsEvent>();
    const subscription = source.pipe(handleEach(() => NEVER, { highWaterMark: 1, lowWaterMark: 0 })).subscribe();
    source.next(fakeConnected({ reader }));
    source.next(fakeLine('stuck'));
    expect(reader.calls).toEqual(['pause']);
    subscription.unsubscribe();
    expect(reader.calls).toEqual(['pause', 'resume']);
  });

  it('does not touch a reader it did not pause when unsubscribed', () => {
    const reader = recordingReader();
    const source = new Subject<TlsEvent>();
    const subscription = source.pipe(handleEach(() => NEVER)).subscribe();
    source.next(fakeConnected({ reader }));
    source.next(fakeLine('one'));
    subscription.unsubscribe();
    expect(reader.calls).toEqual([]);
  });

  it('has the documented default high-water mark', async () => {
    const reader = recordingReader();
    const gate = new Subject<void>();
    const source = new Subject<TlsEvent>();
    source.pipe(handleEach(() => gate)).subscribe();
    source.next(fakeConnected({ reader }));
    for (let i = 1; i < DEFAULT_HANDLE_EACH_HIGH_WATER_MARK; i++) source.next(fakeLine(String(i)));
    expect(reader.calls).toEqual([]); // connected came out at once: 15 lines held
    source.next(fakeLine('16'));
    expect(reader.calls).toEqual(['pause']);
    gate.complete();
    await Promise.resolve();
    expect(reader.calls).toEqual(['pause', 'resume']);
  });
});

describe('handleEach(handler): properties', () => {
  /** An arrival plan: each step brings an event or finishes the oldest running handler. */
  const plan = fc.record({
    steps: fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }),
    concurrency: fc.integer({ min: 1, max: 5 }),
    highWaterMark: fc.integer({ min: 1, max: 12 }),
    lowFraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
  });

  it('holds at most highWaterMark events from a reader that obeys pause(), alternates pause and resume at their marks, and handles every event exactly once, in order', () => {
    fc.assert(
      fc.property(plan, ({ steps, concurrency, highWaterMark, lowFraction }) => {
        const lowWaterMark = Math.floor(lowFraction * highWaterMark);
        let sent = 0; // lines
        let pushed = 0; // every event
        let emitted = 0;
        const out: string[] = [];
        const reader = watchedReader(() => pushed - emitted);
        const push = (event: TlsEvent) => {
          pushed++;
          source.next(event);
        };
        const source = new Subject<TlsEvent>();
        const running: Array<Subject<void>> = [];
        const handled: string[] = [];
        let maxRunning = 0;
        let completed = false;
        source
          .pipe(
            handleEach(
              (e) => {
                handled.push((e as LineEvent).text);
                const gate = new Subject<void>();
                running.push(gate);
                maxRunning = Math.max(maxRunning, running.length);
                return gate;
              },
              { concurrency, highWaterMark, lowWaterMark },
            ),
          )
          .subscribe({
            next: (e) => {
              emitted++;
              out.push(e.type === 'line' ? e.text : e.type);
            },
            complete: () => (completed = true),
          });
        push(fakeConnected({ reader }));
        const finishOne = () => {
          const gate = running.shift();
          gate?.complete();
        };
        for (const bringsEvent of steps) {
          if (bringsEvent && !reader.paused) {
            // A paused reader delivers nothing more (Node stops 'data' at pause()).
            push(fakeLine(String(sent++)));
          } else finishOne();
          // the bound: pausing at highWaterMark means never more than that held
          expect(pushed - emitted).toBeLessThanOrEqual(highWaterMark);
          expect(running.length).toBeLessThanOrEqual(concurrency);
        }
        push(closed);
        source.complete();
        while (running.length > 0) finishOne();
        expect(maxRunning).toBeLessThanOrEqual(concurrency);
        // every event handled exactly once; out in arrival order; with concurrency 1, handled in order too
        const expected = Array.from({ length: sent }, (_, i) => String(i));
        expect([...handled].sort((a, b) => Number(a) - Number(b))).toEqual(expected);
        expect(out).toEqual(['connected', ...expected, 'closed']);
        if (concurrency === 1) expect(handled).toEqual(expected);
        expect(completed).toBe(true);
        // pause and resume alternate, starting with pause; each at its mark
        reader.calls.forEach((call, i) => expect(call).toBe(i % 2 === 0 ? 'pause' : 'resume'));
        reader.atCalls.forEach((held, i) => {
          if (i % 2 === 0) expect(held).toBe(highWaterMark);
          else expect(held).toBeLessThanOrEqual(lowWaterMark);
        });
      }),
    );
  });
});

describe('handleEach(handler): options', () => {
  it.each([
    ['concurrency', { concurrency: 0 }, 'option "concurrency" must be a positive integer (got 0)'],
    ['highWaterMark', { highWaterMark: 1.5 }, 'option "highWaterMark" must be a positive integer (got 1.5)'],
    [
      'lowWaterMark',
      { highWaterMark: 4, lowWaterMark: 4 },
      'option "lowWaterMark" must be an integer from 0 to highWaterMark - 1 (3) (got 4)',
    ],
    ['lowWaterMark', { lowWaterMark: -1 }, 'option "lowWaterMark" must be an integer from 0 to highWaterMark - 1 (15) (got -1)'],
  ])('names a bad %s', (_name, options, message) => {
    expect(() => handleEach(() => undefined, options)).toThrow(InvalidOptionError);
    expect(() => handleEach(() => undefined, options)).toThrow(message);
  });

  it('names a handler that is not a function', () => {
    expect(() => handleEach(5 as never)).toThrow('option "handler" must be a function');
  });

  it('accepts lowWaterMark 0 and completes an empty connection', async () => {
    const out = await firstValueFrom(
      concat(events(fakeConnected(), closed), EMPTY).pipe(
        handleEach(() => EMPTY, { lowWaterMark: 0 }),
        toArray(),
      ),
    );
    expect(out.map((e) => e.type)).toEqual(['connected', 'closed']);
  });

  it('keeps each subscription independent (cold)', async () => {
    const operator = handleEach<TlsEvent>(() => of(1).pipe(delay(1)));
    const source = events(fakeConnected(), fakeLine('a'), closed);
    const [a, b] = await Promise.all([firstValueFrom(source.pipe(operator, toArray())), firstValueFrom(source.pipe(operator, toArray()))]);
    expect(a.map((e) => e.type)).toEqual(['connected', 'line', 'closed']);
    expect(b).toEqual(a);
  });

  it('passes the reason of a rejected Promise on', async () => {
    const failure = new Error('constraint violated');
    await expect(
      firstValueFrom(
        events(fakeConnected(), fakeLine('a')).pipe(
          handleEach(() => Promise.reject(failure)),
          toArray(),
        ),
      ),
    ).rejects.toBe(failure);
  });

  it('emits nothing once unsubscribed, though a Promise it awaited resolves later', async () => {
    let resolve!: () => void;
    const pending = new Promise<void>((r) => (resolve = r));
    const seen: string[] = [];
    const subscription = events(fakeConnected(), fakeLine('a'), closed)
      .pipe(handleEach(() => pending))
      .subscribe((e) => seen.push(e.type));
    subscription.unsubscribe();
    resolve();
    await pending;
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['connected']);
  });

  it('passes an error from an Observable handler on', async () => {
    const failure = new Error('no');
    await expect(
      firstValueFrom(
        events(fakeConnected(), fakeLine('a')).pipe(
          handleEach(() => throwError(() => failure)),
          toArray(),
        ),
      ),
    ).rejects.toBe(failure);
  });
});

describe('handleEach(): the guards', () => {
  /** A reader that counts every call, even one that changes nothing. */
  const countingReader = () => {
    const calls: string[] = [];
    const reader: TlsReader = { pause: () => calls.push('pause'), resume: () => calls.push('resume'), paused: false, pausable: true };
    return { reader, calls };
  };

  it('bounds what it holds on a source without a reader, and lets go without one', async () => {
    const gate = new Subject<void>();
    let open = false;
    const seen: string[] = [];
    const source = new Subject<TlsEvent>();
    const subscription = source
      .pipe(handleEach(() => (open ? undefined : firstValueFrom(gate)), { highWaterMark: 2, lowWaterMark: 0 }))
      .subscribe((e) => seen.push(e.type));
    for (const text of ['a', 'b', 'c']) source.next(data(text));
    open = true;
    gate.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['data', 'data', 'data']);
    open = false;
    source.next(data('d'));
    source.next(data('e'));
    subscription.unsubscribe(); // paused, with no reader to resume
  });

  it('resumes the reader of connected after data events arrived while paused', async () => {
    const { reader, calls } = countingReader();
    let release = () => {};
    const source = new Subject<TlsEvent>();
    source.pipe(handleEach(() => new Promise<void>((resolve) => (release = resolve)), { highWaterMark: 2, lowWaterMark: 0 })).subscribe();
    source.next({ ...fakeConnected(), reader });
    source.next(data('a'));
    source.next(data('b'));
    source.next(data('c'));
    expect(calls).toEqual(['pause']);
    for (let i = 0; i < 3; i++) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('keeps its reader when a plaintext event built by hand brings none', async () => {
    const { reader, calls } = countingReader();
    let release = () => {};
    const source = new Subject<StartTlsEvent>();
    source.pipe(handleEach(() => new Promise<void>((resolve) => (release = resolve)), { highWaterMark: 1, lowWaterMark: 0 })).subscribe();
    source.next({ ...fakeConnected(), reader });
    source.next(data('a'));
    source.next({ type: 'plaintext', writer: { ...recordingWriter(), startTls: () => undefined, upgrading: false } });
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('does not resume at teardown a reader it never paused', () => {
    const { reader, calls } = countingReader();
    const source = new Subject<TlsEvent>();
    const subscription = source.pipe(handleEach(() => undefined)).subscribe();
    source.next({ ...fakeConnected(), reader });
    source.next(data('a'));
    subscription.unsubscribe();
    expect(calls).toEqual([]);
  });

  it('after a handler failed, pauses nothing: the connection is not left paused', () => {
    const { reader, calls } = countingReader();
    const source = new Subject<TlsEvent>();
    let failure: unknown;
    source
      .pipe(
        handleEach(
          (event) => {
            if (event.type === 'data' && event.bytes.toString() === 'bad') throw new Error('handler failed');
            return NEVER;
          },
          { concurrency: 2, highWaterMark: 2, lowWaterMark: 0 },
        ),
      )
      .subscribe({ error: (e: unknown) => (failure = e) });
    source.next({ ...fakeConnected(), reader });
    source.next(data('slow'));
    source.next(data('bad'));
    expect(failure).toEqual(new Error('handler failed'));
    expect(calls).toEqual([]);
  });

  it('handles tens of thousands of events that finish at once after a slow one, without deep recursion', async () => {
    let release = () => {};
    const count = 20_000;
    const source = new Subject<TlsEvent>();
    const seen: number[] = [];
    source
      .pipe(
        handleEach((_event, index) => (index === 0 ? new Promise<void>((resolve) => (release = resolve)) : undefined), {
          highWaterMark: count * 2,
        }),
      )
      .subscribe((e) => e.type === 'data' && seen.push(e.bytes.length));
    for (let i = 0; i < count; i++) source.next(data('x'));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(count);
  });

  it('handles an event its own subscriber feeds in while it emits', () => {
    const source = new Subject<TlsEvent>();
    const handled: string[] = [];
    const seen: string[] = [];
    source
      .pipe(
        handleEach((event) => {
          if (event.type === 'data') handled.push(event.bytes.toString());
          return undefined;
        }),
      )
      .subscribe((e) => {
        if (e.type !== 'data') return;
        seen.push(e.bytes.toString());
        if (e.bytes.toString() === 'first') source.next(data('fed'));
      });
    source.next(data('first'));
    expect(handled).toEqual(['first', 'fed']);
    expect(seen).toEqual(['first', 'fed']);
  });
});
