import { config, filter, map, Observable, take, takeWhile } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { match } from 'ts-pattern';
import {
  converse,
  delimited,
  FrameError,
  frames,
  FrameTooLongError,
  InvalidOptionError,
  lengthField,
  lengthPrefixed,
  type ConnectEvent,
  type DataEvent,
  type Dialogue,
  type FramedEvent,
  type FrameEvent,
  type PlaintextEvent,
  type PlaintextWriter,
  type TransportEvent,
} from '../../lib';
import { fakeConnected, recordingWriter } from '../../lib/testing';

const data = (...values: number[]): DataEvent => ({ type: 'data', bytes: Buffer.from(values) });
const text = (value: string): DataEvent => ({ type: 'data', bytes: Buffer.from(value) });
const frame = (value: string | number[]): FrameEvent => ({ type: 'frame', bytes: Buffer.from(value as string) });
const closed: TransportEvent = { type: 'closed', by: 'peer', clean: true };
const twoByte = lengthField({ lengthSize: 2 });

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('frames(codec)', () => {
  it('cuts data into frames, passing other events through in order', () => {
    const connected = fakeConnected();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TransportEvent>('c-a-b---z|', { c: connected, a: data(0, 2, 0x68), b: data(0x69, 0, 0), z: closed });
      expectObservable(source.pipe(frames(twoByte))).toBe('c---(de)z|', { c: connected, d: frame('hi'), e: frame(''), z: closed });
    });
  });

  it('fails with FrameTooLongError as soon as a header declares too much, and unsubscribes the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<TransportEvent>('a-b-c|', { a: data(0, 1, 0x41), b: data(0, 9), c: data(1, 2, 3) });
      expectObservable(source.pipe(frames(lengthField({ lengthSize: 2, maxFrameLength: 8 })))).toBe(
        'a-#',
        { a: frame('A') },
        new FrameTooLongError(8, 9, 'declared'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('fails with ERR_RXTLS_FRAME_TRUNCATED instead of closed when the stream ends inside a frame', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TransportEvent>('a-z|', { a: data(0, 3, 1), z: closed });
      expectObservable(source.pipe(frames(twoByte))).toBe(
        '--#',
        undefined,
        new FrameError(
          'ERR_RXTLS_FRAME_TRUNCATED',
          'the stream ended 2 bytes short of a frame whose header declared 3: the incomplete frame is not delivered',
        ),
      );
    });
  });

  it('delivers a last unterminated delimited frame before closed when the codec is told to', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TransportEvent>('a-z---|', { a: text('one\0two'), z: closed });
      expectObservable(source.pipe(frames(delimited('\0', { partial: 'emit' })))).toBe('a-(tz)|', {
        a: frame('one'),
        t: frame('two'),
        z: closed,
      });
    });
  });

  it('gives each subscription its own decoder', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<TransportEvent>('a-b|', { a: data(0, 2, 0x61), b: data(0x62) });
      const framed = source.pipe(frames(twoByte));
      expectObservable(framed).toBe('--b|', { b: frame('ab') });
      expectObservable(framed).toBe('--b|', { b: frame('ab') });
    });
  });

  it('with keepData passes each data event on just before its frames', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const a = data(0, 1, 0x61, 0);
      const b = data(1, 0x62);
      const source = cold<TransportEvent>('a-----b---|', { a, b });
      expectObservable(source.pipe(frames(twoByte, { keepData: true }))).toBe('(ax)--(by)|', { a, x: frame('a'), b, y: frame('b') });
    });
  });

  it('starts afresh at a new TLS layer, and delivers no plaintext frame once STARTTLS began', () => {
    let upgrading = false;
    const writer = {
      ...recordingWriter(),
      startTls: () => undefined,
      get upgrading() {
        return upgrading;
      },
    } as PlaintextWriter;
    const plaintext: PlaintextEvent = { type: 'plaintext', writer };
    const connected = fakeConnected();
    const got: string[] = [];
    const events: TransportEvent[] = [plaintext, data(0, 2, 0x67, 0x6f, 0, 1), connected, data(0, 1, 0x79)];
    const decoded = frames(twoByte);
    const received: Array<TransportEvent | FrameEvent> = [];
    const source = new Observable<TransportEvent>((subscriber) => {
      for (const event of events) subscriber.next(event);
      subscriber.complete();
    });
    // The go-ahead frame ("go") makes the dialogue start TLS: the rest of that chunk is discarded.
    source.pipe(decoded).subscribe((e) => {
      received.push(e);
      if (e.type === 'frame') {
        got.push(e.bytes.toString());
        if (e.bytes.toString() === 'go') upgrading = true;
      }
    });
    // <0 1> after "go" was plaintext: it is never framed with what the new layer brings.
    expect(got).toEqual(['go', 'y']);
    expect(received.map((e) => e.type)).toEqual(['plaintext', 'frame', 'connected', 'frame']);
  });

  it('composes with converse(): a dialogue reacts to frames and writes lengthPrefixed replies', () => {
    const writer = recordingWriter();
    const connected = fakeConnected({ writer });
    // Echo each frame upper-cased until "bye".
    const echo: Dialogue<FramedEvent> = (events$) =>
      events$.pipe(
        filter((e): e is FrameEvent => e.type === 'frame'),
        map((e) => e.bytes.toString()),
        takeWhile((body) => body !== 'bye'),
        map((body) => lengthPrefixed(Buffer.from(body.toUpperCase()), { lengthSize: 2 })),
      );
    scheduler().run(({ cold, expectObservable, flush }) => {
      const source = cold<ConnectEvent>('c-a-b-|', { c: connected, a: data(0, 2, 0x68, 0x69, 0), b: data(3, 0x62, 0x79, 0x65) });
      expectObservable(source.pipe(frames(twoByte), converse(echo))).toBe('c-a-b-|', { c: connected, a: frame('hi'), b: frame('bye') });
      flush();
      expect(writer.written.map((chunk) => Buffer.from(chunk as Uint8Array).toString('hex'))).toEqual(['00024849']);
      expect(writer.ended).toBe(true);
    });
  });

  it('types its output precisely: data is gone unless kept, and frame is matchable with ts-pattern', () => {
    const describe = (e: FramedEvent) =>
      match(e)
        .with({ type: 'connected' }, () => 'connected')
        .with({ type: 'frame' }, (f) => `${f.bytes.length} bytes`)
        .with({ type: 'certFailed' }, () => 'rejected')
        .with({ type: 'closed' }, () => 'closed')
        .with({ type: 'data' }, () => 'raw')
        .exhaustive();
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<FramedEvent | DataEvent>('a|', { a: data(0, 1, 0) }) as Observable<FramedEvent>;
      expectObservable(source.pipe(frames(twoByte), map(describe))).toBe('a|', { a: '1 bytes' });
    });
  });

  it('refuses what is not a codec, and bad options, naming them', () => {
    expect(() => frames({} as never)).toThrow(expect.objectContaining({ option: 'codec' }));
    expect(() => frames(twoByte, { keepData: 'yes' } as never)).toThrow(InvalidOptionError);
    expect(() => frames(twoByte, { keepData: 'yes' } as never)).toThrow(expect.objectContaining({ option: 'keepData' }));
  });
});

describe('frames(codec) and a consumer that leaves mid-chunk', () => {
  it('stops cutting when the subscriber unsubscribes after a frame (take(1))', () => {
    const seen: string[] = [];
    let pushed = 0;
    const counting = {
      decoder: () => {
        const inner = lengthField({ lengthSize: 1 }).decoder();
        return {
          get buffered() {
            return inner.buffered;
          },
          push: (chunk: Buffer, emit: (frame: Buffer) => boolean) => {
            pushed++;
            return inner.push(chunk, emit);
          },
          end: (emit: (frame: Buffer) => boolean) => inner.end(emit),
        };
      },
    };
    const source = new Observable<TransportEvent>((subscriber) => {
      subscriber.next(data(1, 0x61, 1, 0x62, 1, 0x63));
      subscriber.next(data(1, 0x64));
      subscriber.complete();
    });
    source.pipe(frames(counting), take(1)).subscribe((e) => e.type === 'frame' && seen.push(e.bytes.toString()));
    expect(seen).toEqual(['a']);
    expect(pushed).toBe(1);
  });
});

describe('frames(codec): the guards', () => {
  /** Runs `events` through frames(codec), recording what arrives and every notification RxJS had to drop. */
  const run = (codec: Parameters<typeof frames>[0], events: TransportEvent[], { end = 'complete', leaveAfter = Infinity } = {}) => {
    const dropped: string[] = [];
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = (notification) => dropped.push(notification.kind);
    const seen: string[] = [];
    let failure: unknown;
    try {
      const source = new Observable<TransportEvent>((subscriber) => {
        for (const event of events) subscriber.next(event);
        if (end === 'complete') subscriber.complete();
        else subscriber.error(new Error(end));
      });
      source.pipe(frames(codec), take(leaveAfter)).subscribe({
        next: (e) => seen.push(e.type === 'frame' ? e.bytes.toString() : e.type),
        error: (e: unknown) => (failure = e),
      });
    } finally {
      config.onStoppedNotification = previous;
    }
    return { seen, failure, dropped };
  };
  /** A codec that cuts every byte into a frame and never minds emit's false. */
  const heedless = {
    decoder: () => ({
      buffered: 0,
      push(chunk: Buffer, emit: (frame: Buffer) => boolean) {
        for (let i = 0; i < chunk.length; i++) emit(chunk.subarray(i, i + 1));
        return chunk.length;
      },
      end() {},
    }),
  };

  it('cuts a frame after the STARTTLS go-ahead in the same chunk, and every plaintext chunk after it, with no error', () => {
    let upgrading = false;
    const writer = {
      ...recordingWriter(),
      startTls: () => (upgrading = true),
      get upgrading() {
        return upgrading;
      },
    } as PlaintextWriter;
    const events: TransportEvent[] = [
      { type: 'plaintext', writer },
      data(0, 2, 0x67, 0x6f, 0, 1, 0x58),
      data(0, 1, 0x59),
      fakeConnected(),
      data(0, 1, 0x7a),
    ];
    const received: string[] = [];
    let failure: unknown;
    new Observable<TransportEvent>((subscriber) => events.forEach((e) => subscriber.next(e))).pipe(frames(twoByte)).subscribe({
      next: (e) => {
        received.push(e.type === 'frame' ? e.bytes.toString() : e.type);
        if (e.type === 'frame' && e.bytes.toString() === 'go') writer.startTls();
      },
      error: (e: unknown) => (failure = e),
    });
    expect(received).toEqual(['plaintext', 'go', 'connected', 'z']);
    expect(failure).toBeUndefined();
  });

  it('stays cut after the go-ahead until the TLS connected, whatever other events come between', () => {
    let upgrading = false;
    const writer = {
      ...recordingWriter(),
      startTls: () => (upgrading = true),
      get upgrading() {
        return upgrading;
      },
    } as PlaintextWriter;
    const other: TransportEvent = { type: 'reconnecting', attempt: 1, delay: 0, reason: 'closed', resuming: false };
    const received: string[] = [];
    new Observable<TransportEvent>((subscriber) =>
      [{ type: 'plaintext', writer } as TransportEvent, data(0, 2, 0x67, 0x6f), other, data(0, 1, 0x58)].forEach((e) => subscriber.next(e)),
    )
      .pipe(frames(twoByte))
      .subscribe((e) => {
        received.push(e.type === 'frame' ? e.bytes.toString() : e.type);
        if (e.type === 'frame' && e.bytes.toString() === 'go') writer.startTls();
      });
    expect(received).toEqual(['plaintext', 'go', 'reconnecting']);
  });

  it('frames a plaintext connection that never upgrades', () => {
    const writer = { ...recordingWriter(), startTls: () => undefined, upgrading: false } as PlaintextWriter;
    expect(run(twoByte, [{ type: 'plaintext', writer }, data(0, 1, 0x61, 0, 1, 0x62)]).seen).toEqual(['plaintext', 'a', 'b']);
  });

  it('keeps a partial frame across events other than data and closed', () => {
    const reconnecting: TransportEvent = { type: 'reconnecting', attempt: 1, delay: 0, reason: 'closed', resuming: false };
    expect(run(twoByte, [data(0, 2, 0x61), reconnecting, data(0x62), closed]).seen).toEqual(['reconnecting', 'ab', 'closed']);
  });

  it('fails a stream that completes inside a frame, without closed', async () => {
    const { seen, failure, dropped } = run(twoByte, [data(0, 2, 0x61)]);
    expect(seen).toEqual([]);
    expect(failure).toMatchObject({ code: 'ERR_RXTLS_FRAME_TRUNCATED' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(dropped).toEqual([]);
  });

  it('fails a stream that closes inside a frame, and sends nothing after the failure', async () => {
    const { seen, failure, dropped } = run(twoByte, [data(0, 2, 0x61), closed]);
    expect(seen).toEqual([]);
    expect(failure).toMatchObject({ code: 'ERR_RXTLS_FRAME_TRUNCATED' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(dropped).toEqual([]);
  });

  it('passes an upstream error on', () => {
    expect(run(twoByte, [data(0, 1, 0x61)], { end: 'reset' })).toMatchObject({ seen: ['a'], failure: new Error('reset') });
  });

  it("gives a codec that ignores emit's false nothing more once the consumer left", async () => {
    const { seen, dropped } = run(heedless, [text('abc')], { leaveAfter: 1 });
    expect(seen).toEqual(['a']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(dropped).toEqual([]);
  });
});
