import { Subject, throwError, type Observable } from 'rxjs';
import {
  expiryWarnings,
  frames,
  handleEach,
  heartbeat,
  InvalidOptionError,
  line,
  lengthField,
  reconnect,
  type ReconnectingEvent,
  type TlsEvent,
  type TransportEvent,
} from '../../lib';
import { fakeLine } from '../../lib/testing';

// What mutation testing (issue 22) found untested in the rest of lib/operators: every option
// check, with the exact message, for a value of each wrong shape; and the edges of reconnect's
// "can retrying heal this?" and of handleEach's queue bookkeeping.

/** Expects `attempt` to throw an InvalidOptionError with exactly this message. */
function rejects(attempt: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    attempt();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect((thrown as Error).message).toBe(message);
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a wrong value, typed as the parameter takes it
const bad = <T>(value: unknown) => value as T;

describe('option checks of the operators', () => {
  it('frames(codec, options)', () => {
    rejects(() => frames(bad(undefined)), 'option "codec" must be a FrameCodec (an object with decoder()) (got undefined)');
    rejects(() => frames(bad({})), 'option "codec" must be a FrameCodec (an object with decoder()) (got an object)');
    rejects(() => frames(lengthField({ lengthSize: 2 }), bad(null)), 'option "options" must be an object (got null)');
    rejects(() => frames(lengthField({ lengthSize: 2 }), bad(5)), 'option "options" must be an object (got 5)');
  });

  it('handleEach(handler, options)', () => {
    const handler = () => undefined;
    rejects(() => handleEach(handler, bad(null)), 'option "options" must be an object (got null)');
    rejects(() => handleEach(handler, bad(5)), 'option "options" must be an object (got 5)');
    rejects(
      () => handleEach(handler, { highWaterMark: 4, lowWaterMark: 4 }),
      'option "lowWaterMark" must be an integer from 0 to highWaterMark - 1 (3) (got 4)',
    );
    expect(() => handleEach(handler, { highWaterMark: 4, lowWaterMark: 0 })).not.toThrow();
  });

  it('heartbeat(options)', () => {
    const send = () => line('a NOOP');
    const events$ = new Subject<TransportEvent>();
    rejects(() => heartbeat(events$, bad(null)), 'option "options" must be an object with quiet and send (got null)');
    rejects(() => heartbeat(events$, bad(5)), 'option "options" must be an object with quiet and send (got 5)');
    rejects(() => heartbeat(events$, bad({ send })), 'option "quiet" is required: a positive integer of milliseconds (got undefined)');
    rejects(
      () => heartbeat(events$, bad({ quiet: 10 })),
      `option "send" is required: a function returning the protocol's no-op, e.g. () => line('a NOOP') (got undefined)`,
    );
    rejects(() => heartbeat(events$, { quiet: 10, send, scheduler: bad(null) }), 'option "scheduler" must be an RxJS scheduler (got null)');
  });

  it('heartbeat: a scheduler needs both schedule() and now()', () => {
    const send = () => line('a NOOP');
    const events$ = new Subject<TransportEvent>();
    for (const scheduler of [{ now: () => 0 }, { schedule: () => undefined }]) {
      expect(() => heartbeat(events$, { quiet: 10, send, scheduler: bad(scheduler) })).toThrow(
        /^option "scheduler" must be an RxJS scheduler/,
      );
    }
  });

  it('expiryWarnings(options): withinDays of 0 days is taken', () => {
    rejects(() => expiryWarnings({ withinDays: -1 }), 'option "withinDays" must be a number of days, 0 or more (got -1)');
    rejects(() => expiryWarnings({ withinDays: Infinity }), 'option "withinDays" must be a number of days, 0 or more (got Infinity)');
    rejects(() => expiryWarnings({ withinDays: bad('7') }), 'option "withinDays" must be a number of days, 0 or more (got "7")');
    rejects(() => expiryWarnings({ onWarning: bad('log') }), 'option "onWarning" must be a function (got "log")');
    expect(() => expiryWarnings({ withinDays: 0 })).not.toThrow();
  });

  it('reconnect(open, options): an error notification on subscription', () => {
    const failure = (open: unknown, options?: object): unknown => {
      let seen: unknown;
      reconnect(bad(open), bad(options)).subscribe({ error: (error: unknown) => (seen = error) });
      return seen;
    };
    const thrown = [failure('open'), failure(() => new Subject(), { retryCertFailures: 'yes' })];
    expect(thrown.every((e) => e instanceof InvalidOptionError)).toBe(true);
    expect((thrown as Error[]).map((e) => e.message)).toEqual([
      'option "open" must be a function ({ attempt, session }) => Observable (got "open")',
      'option "retryCertFailures" must be true or false (got "yes")',
    ]);
  });
});

describe('reconnect: which failures it retries', () => {
  /** The events before the stream's error (or up to the first reconnecting), and the error. */
  function firstAttempt(failure: unknown): { events: string[]; error: unknown } {
    const events: string[] = [];
    let error: unknown;
    const subscription = reconnect(() => throwError(() => failure)).subscribe({
      next: (e) => events.push(e.type),
      error: (e: unknown) => (error = e),
    });
    subscription.unsubscribe();
    return { events, error };
  }
  const withCode = (code: unknown) => Object.assign(new Error(`failed: ${String(code)}`), { code });

  it('retries a failure with a code', () => {
    expect(firstAttempt(withCode('ECONNRESET'))).toEqual({ events: ['reconnecting'], error: undefined });
  });

  it.each(['ERR_RXTLS_INVALID_OPTION', 'ERR_RXTLS_INVALID_TARGET', 'ERR_RXTLS_RUNTIME_UNSUPPORTED', 'ERR_RXTLS_ABORTED', 'ABORT_ERR'])(
    'passes %s on at once: retrying cannot heal it',
    (code) => {
      const failure = withCode(code);
      expect(firstAttempt(failure)).toEqual({ events: [], error: failure });
    },
  );

  it('passes on at once what is not an Error, even with a code, and an Error whose code is not a string', () => {
    const notAnError = { code: 'ECONNRESET' };
    expect(firstAttempt(notAnError)).toEqual({ events: [], error: notAnError });
    const numeric = withCode(104);
    expect(firstAttempt(numeric)).toEqual({ events: [], error: numeric });
  });

  it('names the failure in the reconnecting event, and has no error key when the connection ended without one', () => {
    const failure = withCode('ECONNRESET');
    const seen: ReconnectingEvent[] = [];
    const collect = (open: () => Observable<TransportEvent>) => {
      const subscription = reconnect(open).subscribe((e) => e.type === 'reconnecting' && seen.push(e));
      subscription.unsubscribe();
    };
    collect(() => throwError(() => failure));
    expect(seen.map((e) => e.error)).toEqual([failure]);
    const closing = new Subject<TlsEvent>();
    const events: ReconnectingEvent[] = [];
    const subscription = reconnect(() => closing).subscribe((e) => e.type === 'reconnecting' && events.push(e));
    closing.next({ type: 'closed', by: 'peer', clean: true });
    closing.complete();
    subscription.unsubscribe();
    expect(events.map((e) => 'error' in e)).toEqual([false]);
  });
});

describe('handleEach: a long queue', () => {
  it('hands every one of 3000 held events out once, in order, across the compaction of its queue', async () => {
    const source = new Subject<TlsEvent>();
    const gates: Array<() => void> = [];
    const out: string[] = [];
    source
      .pipe(handleEach(() => new Promise<void>((resolve) => gates.push(resolve)), { concurrency: 1, highWaterMark: 5000 }))
      .subscribe((e) => {
        if (e.type === 'line') out.push(e.text);
      });
    const count = 3000;
    for (let i = 0; i < count; i += 1) source.next(fakeLine(String(i)));
    for (let released = 0; released < count; released += 1) {
      expect(gates).toHaveLength(released + 1); // one at a time (concurrency 1)
      gates[released]?.();
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(out).toEqual(Array.from({ length: count }, (_, i) => String(i)));
  });
});
