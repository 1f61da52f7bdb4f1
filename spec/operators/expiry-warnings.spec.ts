import { Observable, Subject, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expiryWarnings, InvalidOptionError, type ConnectEvent, type ExpiryWarningEvent } from '../../lib';
import { earliestExpiry, waitUntil } from '../../lib/operators/expiry-warnings';
import { fakeConnected, fakePeer } from '../../lib/testing';

const DAY = 86_400_000;

/** A TestScheduler, also given to the operators as their `scheduler` (their clock and timers). */
let scheduler_: TestScheduler;
function scheduler() {
  scheduler_ = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  return scheduler_;
}

/** A connected event whose chain's leaf expires at `leafDays` and its CA at `caDays` after time 0 (virtual time). */
function connectedExpiring(leafDays: number, caDays = 1000): ConnectEvent {
  const leaf = fakePeer({ subject: 'CN=leaf', validTo: new Date(leafDays * DAY) });
  const ca = { ...leaf, subject: 'CN=ca', validTo: new Date(caDays * DAY) };
  return fakeConnected({ peer: { ...leaf, chain: [leaf, ca] } });
}

const closed: ConnectEvent = { type: 'closed', by: 'peer', clean: true };

describe('expiryWarnings()', () => {
  it('warns right after connected when the chain expires within withinDays (default 14), and passes everything through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const c = connectedExpiring(3);
      const source = cold<ConnectEvent>('c 4ms x|', { c, x: closed });
      const warning: ExpiryWarningEvent = { type: 'expiryWarning', subject: 'CN=leaf', expiresAt: new Date(3 * DAY), daysLeft: 3 };
      expectObservable(source.pipe(expiryWarnings({ scheduler: scheduler_ }))).toBe('(cw) 1ms x|', { c, w: warning, x: closed });
    });
  });

  it('names the certificate of the chain that expires first: an intermediate too', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const c = connectedExpiring(300, 5);
      expectObservable(cold<ConnectEvent>('c 4ms |', { c }).pipe(expiryWarnings({ scheduler: scheduler_ }))).toBe('(cw) 1ms |', {
        c,
        w: { type: 'expiryWarning', subject: 'CN=ca', expiresAt: new Date(5 * DAY), daysLeft: 5 },
      });
    });
  });

  it('on a connection that lasts, warns when the threshold is reached, 40 days on (past a timer limit)', () => {
    const calls: ExpiryWarningEvent[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      // expires at day 54; warn 14 days before: day 40, which is 3 456 000 000 ms — more than 2^31 - 1.
      const c = connectedExpiring(54);
      const source = cold<ConnectEvent>(`c ${40 * DAY}ms x|`, { c, x: closed });
      expectObservable(source.pipe(expiryWarnings({ scheduler: scheduler_, onWarning: (w) => calls.push(w) }))).toBe(
        `c ${40 * DAY - 1}ms w x|`,
        { c, w: { type: 'expiryWarning', subject: 'CN=leaf', expiresAt: new Date(54 * DAY), daysLeft: 14 }, x: closed },
      );
    });
    expect(calls).toHaveLength(1);
  });

  it('says nothing when the chain does not expire within the threshold, and stops its timer with the connection', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const c = connectedExpiring(100);
      expectObservable(
        cold<ConnectEvent>(`c ${10 * DAY}ms x|`, { c, x: closed }).pipe(expiryWarnings({ scheduler: scheduler_, withinDays: 30 })),
      ).toBe(`c ${10 * DAY}ms x|`, { c, x: closed });
    });
  });

  it('refuses a bad threshold, naming the option', () => {
    expect(() => expiryWarnings({ withinDays: -1 })).toThrow(InvalidOptionError);
    expect(() => expiryWarnings({ withinDays: Number.NaN })).toThrow(/withinDays/);
  });
});

describe('expiryWarnings(): what it looks at', () => {
  /** Runs `events` through expiryWarnings on a virtual clock that starts at 0, to its end. */
  const warnings = (events: Array<{ type: string }>, options = {}) => {
    const clock = new VirtualTimeScheduler();
    const seen: string[] = [];
    const source = new Subject<{ type: string }>();
    source
      .pipe(expiryWarnings({ scheduler: clock, ...options }))
      .subscribe((e) => seen.push('subject' in e ? `${e.type} ${e.subject}` : e.type));
    for (const event of events) source.next(event);
    clock.flush();
    return seen;
  };

  it('uses the scheduler it is given as its clock and timers', () => {
    const clock = new VirtualTimeScheduler();
    const seen: string[] = [];
    const source = new Subject<ConnectEvent>();
    source.pipe(expiryWarnings({ scheduler: clock })).subscribe((e) => seen.push(e.type));
    source.next(connectedExpiring(20)); // on the clock at 0, due at day 6
    expect(seen).toEqual(['connected']);
    clock.flush();
    expect(seen).toEqual(['connected', 'expiryWarning']);
  });

  it('warns only on connected, not on certFailed, which carries a peer too', () => {
    const failed = { ...connectedExpiring(5), type: 'certFailed' };
    expect(warnings([failed])).toEqual(['certFailed']);
  });

  it('judges the peer itself when it presented no chain', () => {
    const peer = fakePeer({ subject: 'CN=alone', validTo: new Date(3 * DAY), chain: [] });
    expect(warnings([fakeConnected({ peer })])).toEqual(['connected', 'expiryWarning CN=alone']);
  });

  it("passes the source's error on", () => {
    let failure: unknown;
    new Observable<ConnectEvent>((s) => s.error(new Error('reset')))
      .pipe(expiryWarnings())
      .subscribe({ error: (e: unknown) => (failure = e) });
    expect(failure).toEqual(new Error('reset'));
  });
});

describe('earliestExpiry()', () => {
  it('names the first of certificates that expire at the same time', () => {
    const at = new Date(5 * DAY);
    expect(
      earliestExpiry([
        { subject: 'CN=a', validTo: at },
        { subject: 'CN=b', validTo: at },
      ])?.subject,
    ).toBe('CN=a');
  });
});

describe('waitUntil()', () => {
  it('emits at once, synchronously, for the time it is now', () => {
    let fired = false;
    waitUntil(Date.now() - 1).subscribe(() => (fired = true));
    expect(fired).toBe(true);
    const clock = new VirtualTimeScheduler();
    let atNow = false;
    waitUntil(clock.now(), clock).subscribe(() => (atNow = true));
    expect(atNow).toBe(true);
  });

  it('never asks for a timer longer than Node takes (2^31 - 1 ms): a longer one would fire after 1 ms', () => {
    const clock = new VirtualTimeScheduler();
    const delays: number[] = [];
    const recording: SchedulerLike = {
      now: () => clock.now(),
      schedule: ((work: () => void, delay?: number) => {
        delays.push(delay ?? 0);
        return clock.schedule(work, delay);
      }) as SchedulerLike['schedule'],
    };
    let fired = 0;
    waitUntil(2 ** 31 + 1000, recording).subscribe(() => fired++);
    clock.flush();
    expect(fired).toBe(1);
    expect(delays).toEqual([2 ** 31 - 1, 1001]);
  });

  it('fires once at the time, even past the longest timer; at once for a time passed', () => {
    scheduler().run(({ expectObservable }) => {
      const far = 2 ** 31 * 3;
      expectObservable(waitUntil(far, scheduler_)).toBe(`${far}ms (a|)`, { a: far });
      expectObservable(waitUntil(-5, scheduler_)).toBe('(a|)', { a: -5 });
    });
  });

  it('in real time, a wait that is still running holds a timer until unsubscribed', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const subscription = waitUntil(Date.now() + 100 * DAY).subscribe();
    expect(timers()).toBe(before + 1);
    subscription.unsubscribe();
    expect(timers()).toBe(before);
  });

  it('in real time, a wait months away does not fire early (Node fires a too-long setTimeout after 1 ms)', async () => {
    let fired = false;
    const subscription = waitUntil(Date.now() + 100 * DAY).subscribe(() => (fired = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    subscription.unsubscribe();
    expect(fired).toBe(false);
  });
});
