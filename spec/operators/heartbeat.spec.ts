import { config, NEVER, Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { heartbeat, InvalidOptionError, line, TransportError, type HeartbeatOptions, type Outbound, type TransportEvent } from '../../lib';
import { fakeConnected, fakeLine, fakePeer } from '../../lib/testing';

// heartbeat() in virtual time: one frame is one millisecond.
const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const connected = fakeConnected({ peer: fakePeer({ remoteAddress: '192.0.2.7', remotePort: 993 }) });
const events = { c: connected, l: fakeLine('* OK'), x: { type: 'closed', by: 'peer', clean: true } } as Record<string, TransportEvent>;
const outputs = { n: line('hb NOOP'), a: line('a1 LOGIN'), b: line('a2 SELECT INBOX') } as Record<string, Outbound>;
const timedOut = (ms: number) =>
  new TransportError(
    'ERR_RXTLS_HEARTBEAT_TIMEOUT',
    '192.0.2.7',
    993,
    `nothing came back within ${ms} ms of the heartbeat's no-op (option timeout of heartbeat())`,
  );

const run = (
  marbles: { events: string; output?: string; expected: string },
  options: Partial<HeartbeatOptions> = {},
  subscription?: string,
) =>
  scheduler().run(({ hot, cold, expectObservable }) => {
    const events$ = hot(marbles.events, events) as Observable<TransportEvent>;
    const output$ = marbles.output ? (cold(marbles.output, outputs) as Observable<Outbound>) : (NEVER as Observable<Outbound>);
    const send = () => line('hb NOOP');
    const result = output$.pipe(heartbeat(events$, { quiet: 5, timeout: 3, send, ...options }));
    expectObservable(result, subscription).toBe(marbles.expected, outputs, timedOut(options.timeout ?? 3));
  });

describe('heartbeat()', () => {
  it('sends the no-op after `quiet` with nothing received, and fails `timeout` later when nothing answers', () => {
    run({ events: 'c', expected: '-----n--#' });
  });

  it('takes anything received as the answer, and starts the quiet period again from it', () => {
    // no-op at 5, the answer at 6, the next no-op 5 quiet frames later (11), unanswered: error at 14
    run({ events: 'c-----l', expected: '-----n-----n--#' });
  });

  it('starts the quiet period from a quick answer, even when the timeout is longer than the quiet period', () => {
    // quiet 2, timeout 10: no-op at 2, answered at 3, the next no-op 2 frames later (5), not at
    // the answer's deadline (12); unanswered, error 10 frames after it (15)
    run({ events: 'c--l', expected: '--n--n---------#' }, { quiet: 2, timeout: 10 });
  });

  it('sends nothing while the peer keeps talking', () => {
    // an event every 4 frames (less than quiet) until 16, then silence: the no-op 5 frames after the last
    run({ events: 'c---l---l---l---l', expected: '---------------------n--#' });
  });

  it("mirrors the dialogue's own output, and completes with it (the dialogue still ends the connection)", () => {
    run({ events: 'c', output: '-a-b|', expected: '-a-b|' });
    // completed before the quiet period ran out: no no-op is sent after it
    run({ events: 'c---------', output: '--a|', expected: '--a|' });
  });

  it('stops at `closed`: a closed connection needs no heartbeat, and its output carries on', () => {
    run({ events: 'c--x', output: '----------a', expected: '----------a' });
  });

  it('sends every Outbound of a list, in order', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const send = (): Outbound[] => [line('a1 LOGIN'), line('a2 SELECT INBOX')];
      const result = (NEVER as Observable<Outbound>).pipe(
        heartbeat(hot('c', events) as Observable<TransportEvent>, { quiet: 5, timeout: 4, send }),
      );
      // a group takes as many frames as it has characters: sent at 5, failed at 9
      expectObservable(result).toBe('-----(ab)#', outputs, expect.objectContaining({ code: 'ERR_RXTLS_HEARTBEAT_TIMEOUT' }));
    });
  });

  it('errors with a TransportError naming the peer of `connected`, with a stable code', () => {
    let failure: unknown;
    const testScheduler = scheduler();
    testScheduler.run(({ hot, flush }) => {
      (NEVER as Observable<Outbound>)
        .pipe(heartbeat(hot('c', events) as Observable<TransportEvent>, { quiet: 5, timeout: 3, send: () => line('x') }))
        .subscribe({ error: (e: unknown) => (failure = e) });
      flush();
    });
    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ code: 'ERR_RXTLS_HEARTBEAT_TIMEOUT', host: '192.0.2.7', port: 993 });
  });

  it('leaves no timer behind when unsubscribed', () => {
    // unsubscribed at 4, before the no-op was due: nothing is sent and nothing fails later
    run({ events: 'c', expected: '-' }, {}, '^---!');
  });

  it('names the peer in its error only when a connected event named one (a WebSocket has none)', () => {
    const thrown: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => thrown.push(error);
    try {
      scheduler().run(({ hot, expectObservable }) => {
        const webSocket = { type: 'connected' } as TransportEvent;
        for (const source of [hot('l', events), hot('w', { w: webSocket })]) {
          const result = (NEVER as Observable<Outbound>).pipe(
            heartbeat(source as Observable<TransportEvent>, { quiet: 5, timeout: 3, send: () => line('hb NOOP') }),
          );
          expectObservable(result).toBe('-----n--#', outputs, expect.objectContaining({ host: '', port: 0 }));
        }
      });
    } finally {
      config.onUnhandledError = previous;
    }
    expect(thrown).toEqual([]);
  });

  it('stops at once for events that close while it subscribes, and lets go of them', () => {
    let unsubscribed = 0;
    scheduler().run(({ cold, expectObservable }) => {
      const closesAtOnce = new Observable<TransportEvent>((subscriber) => {
        subscriber.next(events['x'] as TransportEvent);
        return () => unsubscribed++;
      });
      const result = (cold('----------a', outputs) as Observable<Outbound>).pipe(
        heartbeat(closesAtOnce, { quiet: 5, timeout: 3, send: () => line('hb NOOP') }),
      );
      // no no-op at 5, no failure at 8: the output goes on alone
      expectObservable(result).toBe('----------a', outputs);
    });
    expect(unsubscribed).toBe(1);
  });

  it('lets go of the events when its subscriber leaves', () => {
    let unsubscribed = 0;
    const events$ = new Observable<TransportEvent>(() => () => unsubscribed++);
    const subscription = (NEVER as Observable<Outbound>).pipe(heartbeat(events$, { quiet: 5, send: () => line('hb NOOP') })).subscribe();
    expect(unsubscribed).toBe(0);
    subscription.unsubscribe();
    expect(unsubscribed).toBe(1);
  });

  it('uses DEFAULT_HEARTBEAT_TIMEOUT_MS without a timeout', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const result = (NEVER as Observable<Outbound>).pipe(
        heartbeat(hot('c', events) as Observable<TransportEvent>, { quiet: 5, send: () => line('hb NOOP') }),
      );
      expectObservable(result, '^ 10100ms !').toBe(
        '-----n 9999ms #',
        outputs,
        expect.objectContaining({ code: 'ERR_RXTLS_HEARTBEAT_TIMEOUT' }),
      );
    });
  });

  it.each([
    [{ quiet: 0, send: () => 'x' }, 'quiet'],
    [{ quiet: 1.5, send: () => 'x' }, 'quiet'],
    [{ send: () => 'x' }, 'quiet'],
    [{ quiet: 10 }, 'send'],
    [{ quiet: 10, send: 'NOOP' }, 'send'],
    [{ quiet: 10, send: () => 'x', timeout: -1 }, 'timeout'],
    [{ quiet: 10, send: () => 'x', scheduler: {} }, 'scheduler'],
  ] as [unknown, string][])('refuses bad options at once, naming the one at fault: %j', (options, option) => {
    expect(() => heartbeat(NEVER, options as HeartbeatOptions)).toThrow(InvalidOptionError);
    expect(() => heartbeat(NEVER, options as HeartbeatOptions)).toThrow(expect.objectContaining({ option }));
  });
});
