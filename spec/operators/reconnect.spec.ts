import { asyncScheduler, lastValueFrom, map, NEVER, Observable, filter, take, takeWhile, type ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  converse,
  InvalidOptionError,
  line,
  lines,
  reconnect,
  TransportError,
  type ConnectEvent,
  type ReconnectAttempt,
  type ReconnectingEvent,
  type ReconnectOptions,
  type TransportEvent,
} from '../../lib';
import { fakeConnected, fakePeer, fakeSession, recordingWriter, type RecordingWriter } from '../../lib/testing';

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

const peerClosed: ConnectEvent = { type: 'closed', by: 'peer', clean: true };
const refused = () => new TransportError('ECONNREFUSED', '127.0.0.1', 1, 'connect ECONNREFUSED 127.0.0.1:1');
const half = () => 0.5;

/** What happened, with the virtual time of each: `[ms, what]`. */
type Moment = [number, string];
function describeEvent(e: TransportEvent | ReconnectingEvent): string {
  if (e.type === 'reconnecting') return `reconnecting ${e.attempt} in ${e.delay} (${e.reason}${e.resuming ? ', resuming' : ''})`;
  if (e.type === 'closed') return `closed by ${e.by}`;
  if (e.type === 'line') return `line ${e.text}`;
  return e.type;
}

/** Runs `reconnect(open, options)` in virtual time for `until` ms and returns the timeline. */
function timeline(
  attempts: (attempt: ReconnectAttempt) => ObservableInput<ConnectEvent>,
  options: ReconnectOptions,
  until = 1000,
): { moments: Moment[]; opened: ReconnectAttempt[]; error: unknown } {
  const moments: Moment[] = [];
  const opened: ReconnectAttempt[] = [];
  let error: unknown;
  scheduler().run(({ flush }) => {
    const subscription = reconnect((a) => {
      opened.push(a);
      return attempts(a);
    }, options).subscribe({
      next: (e) => moments.push([asyncScheduler.now(), describeEvent(e)]),
      error: (e: unknown) => {
        error = e;
        moments.push([asyncScheduler.now(), 'error']);
      },
      complete: () => moments.push([asyncScheduler.now(), 'complete']),
    });
    asyncScheduler.schedule(() => subscription.unsubscribe(), until);
    flush();
  });
  return { moments, opened, error };
}

describe('reconnect(open, options) in virtual time', () => {
  it('waits the full-jitter delays, doubling up to maxDelay, and gives up after maxAttempts', () => {
    const cold = (a: ReconnectAttempt) =>
      new Observable<ConnectEvent>((s) => {
        s.next(fakeConnected());
        s.next(peerClosed);
        s.complete();
        expect(a.attempt).toBeGreaterThanOrEqual(0);
      });
    const { moments, opened } = timeline(cold, { initialDelay: 40, factor: 2, maxDelay: 100, maxAttempts: 4, random: half });
    // bounds 40, 80, 100, 100 (capped); half of each
    expect(moments).toEqual([
      [0, 'connected'],
      [0, 'closed by peer'],
      [0, 'reconnecting 1 in 20 (closed)'],
      [20, 'connected'],
      [20, 'closed by peer'],
      [20, 'reconnecting 2 in 40 (closed)'],
      [60, 'connected'],
      [60, 'closed by peer'],
      [60, 'reconnecting 3 in 50 (closed)'],
      [110, 'connected'],
      [110, 'closed by peer'],
      [110, 'reconnecting 4 in 50 (closed)'],
      [160, 'connected'],
      [160, 'closed by peer'],
      [160, 'complete'],
    ]);
    expect(opened.map((a) => a.attempt)).toEqual([0, 1, 2, 3, 4]);
  });

  it('the delays are marbles too: connection, reconnecting, wait, connection', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const connection = cold<ConnectEvent>('c-x|', { c: fakeConnected(), x: peerClosed });
      const result = reconnect(() => connection, { initialDelay: 10, maxAttempts: 1, random: () => 0.99 }).pipe(map((e) => e.type));
      // closed at 2, complete at 3 → reconnecting at 3, wait 9 (0.99 of 10) → 12: connected, 14: closed, 15: complete (maxAttempts 1)
      expectObservable(result).toBe('c-xr--------c-x|', { c: 'connected', x: 'closed', r: 'reconnecting' });
    });
  });

  it('retries a transport error with the same schedule, then errors with the last failure', () => {
    const { moments, error } = timeline(
      () =>
        new Observable<ConnectEvent>((s) => {
          s.error(refused());
        }),
      { initialDelay: 10, maxAttempts: 2, random: half },
    );
    expect(moments).toEqual([
      [0, 'reconnecting 1 in 5 (error)'],
      [5, 'reconnecting 2 in 10 (error)'],
      [15, 'error'],
    ]);
    expect((error as TransportError).code).toBe('ECONNREFUSED');
  });

  it('a connection that stayed up for resetAfter makes the next attempt the first again', () => {
    let n = 0;
    const lifetimes = [0, 0, 0, 500, 0];
    const { moments } = timeline(
      () => {
        const life = lifetimes[n++] ?? 0;
        return new Observable<ConnectEvent>((s) => {
          s.next(fakeConnected());
          const id = asyncScheduler.schedule(() => {
            s.next(peerClosed);
            s.complete();
          }, life);
          return () => id.unsubscribe();
        });
      },
      { initialDelay: 8, factor: 2, resetAfter: 400, random: half },
      1400,
    );
    const reconnecting = moments.filter(([, what]) => what.startsWith('reconnecting')).map(([, what]) => what);
    expect(reconnecting.slice(0, 5)).toEqual([
      'reconnecting 1 in 4 (closed)',
      'reconnecting 2 in 8 (closed)',
      'reconnecting 3 in 16 (closed)',
      // the fourth connection lived 500 ms ≥ resetAfter 400: the count starts again
      'reconnecting 1 in 4 (closed)',
      'reconnecting 2 in 8 (closed)',
    ]);
  });

  it('a connection shorter than resetAfter keeps the count growing', () => {
    const { moments } = timeline(
      () => {
        return new Observable<ConnectEvent>((s) => {
          s.next(fakeConnected());
          const id = asyncScheduler.schedule(() => {
            s.next(peerClosed);
            s.complete();
          }, 399);
          return () => id.unsubscribe();
        });
      },
      { initialDelay: 8, factor: 2, resetAfter: 400, maxAttempts: 3, random: half },
      5000,
    );
    expect(moments.filter(([, w]) => w.startsWith('reconnecting')).map(([, w]) => w)).toEqual([
      'reconnecting 1 in 4 (closed)',
      'reconnecting 2 in 8 (closed)',
      'reconnecting 3 in 16 (closed)',
    ]);
    expect(moments.at(-1)?.[1]).toBe('complete');
  });

  it('never retries after certFailed: the rejection passes through and the stream completes', () => {
    const rejection = new Observable<ConnectEvent>((s) => {
      s.next({
        type: 'certFailed',
        errors: [{ code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' }],
        reason: 'certificate has expired',
        peer: fakePeer(),
        peerSaw: 'handshake-failure',
      });
      s.next({ type: 'closed', by: 'local', clean: false });
      s.complete();
    });
    const { moments, opened } = timeline(() => rejection, { initialDelay: 10, random: half });
    expect(moments).toEqual([
      [0, 'certFailed'],
      [0, 'closed by local'],
      [0, 'complete'],
    ]);
    expect(opened).toHaveLength(1);
  });

  it('retries after certFailed when retryCertFailures says so', () => {
    const rejection = new Observable<ConnectEvent>((s) => {
      s.next({ type: 'certFailed', errors: [], reason: 'replaced', peer: fakePeer(), peerSaw: 'handshake-failure' });
      s.next({ type: 'closed', by: 'local', clean: false });
      s.complete();
    });
    const { moments } = timeline(() => rejection, { initialDelay: 10, maxAttempts: 1, random: half, retryCertFailures: true });
    expect(moments.map(([t, w]) => `${t} ${w}`)).toEqual([
      '0 certFailed',
      '0 closed by local',
      '0 reconnecting 1 in 5 (certFailed)',
      '5 certFailed',
      '5 closed by local',
      '5 complete',
    ]);
  });

  it('never retries bad options (ERR_RXTLS_INVALID_OPTION) nor an error without a code', () => {
    const bad = timeline(() => new Observable<ConnectEvent>((s) => s.error(new InvalidOptionError('port', -1, 'must be a port'))), {
      random: half,
    });
    expect(bad.moments).toEqual([[0, 'error']]);
    expect((bad.error as InvalidOptionError).option).toBe('port');
    const bug = timeline(() => new Observable<ConnectEvent>((s) => s.error(new TypeError('x is undefined'))), { random: half });
    expect(bug.moments).toEqual([[0, 'error']]);
    expect(bug.opened).toHaveLength(1);
  });

  it('never retries an abort (option signal): neither its error notification nor the closed it ends a connection with', () => {
    const aborted = () => new TransportError('ERR_RXTLS_ABORTED', 'localhost', 993, 'aborted before connecting');
    const early = timeline(() => new Observable<ConnectEvent>((s) => s.error(aborted())), { random: half });
    expect(early.moments).toEqual([[0, 'error']]);
    expect(early.opened).toHaveLength(1);
    const late = timeline(
      () =>
        new Observable<ConnectEvent>((s) => {
          s.next(fakeConnected());
          s.next({ type: 'closed', by: 'local', clean: false, error: aborted() });
          s.complete();
        }),
      { random: half },
    );
    expect(late.moments.map(([, w]) => w)).toEqual(['connected', 'closed by local', 'complete']);
    expect(late.opened).toHaveLength(1);
  });

  it('does not reconnect after a close we made cleanly (the dialogue finished)', () => {
    const ours = new Observable<ConnectEvent>((s) => {
      s.next(fakeConnected());
      s.next({ type: 'closed', by: 'local', clean: true });
      s.complete();
    });
    const { moments, opened } = timeline(() => ours, { random: half });
    expect(moments.map(([, w]) => w)).toEqual(['connected', 'closed by local', 'complete']);
    expect(opened).toHaveLength(1);
  });

  it('reconnects after an unclean local close (a timeout ended it)', () => {
    const timedOut = new Observable<ConnectEvent>((s) => {
      s.next(fakeConnected());
      s.next({
        type: 'closed',
        by: 'local',
        clean: false,
        error: new TransportError('ERR_RXTLS_CLOSE_TIMEOUT', 'h', 1, 'peer did not close'),
      });
      s.complete();
    });
    const { moments } = timeline(() => timedOut, { initialDelay: 10, maxAttempts: 1, random: half });
    expect(moments.map(([, w]) => w)).toEqual([
      'connected',
      'closed by local',
      'reconnecting 1 in 5 (closed)',
      'connected',
      'closed by local',
      'complete',
    ]);
  });

  it('offers the latest ticket, read once the connection ended (TLS 1.3 tickets come after the handshake)', () => {
    const tickets = [Buffer.from('first'), Buffer.from('second')];
    let n = 0;
    let issued: Buffer | undefined;
    const { opened, moments } = timeline(
      () => {
        const mine = n++;
        return new Observable<ConnectEvent>((s) => {
          issued = undefined;
          // the ticket arrives after `connected`, as in TLS 1.3
          s.next(fakeConnected({ session: fakeSession({ ticket: () => issued }) }));
          const id = asyncScheduler.schedule(() => {
            if (mine < tickets.length) issued = tickets[mine];
            s.next(peerClosed);
            s.complete();
          }, 1);
          return () => id.unsubscribe();
        });
      },
      { initialDelay: 10, maxAttempts: 3, random: half },
    );
    expect(opened.map((a) => a.session?.toString())).toEqual([undefined, 'first', 'second', 'second']);
    expect(moments.filter(([, w]) => w.startsWith('reconnecting')).every(([, w]) => w.endsWith('resuming)'))).toBe(true);
  });

  it('unsubscribing during the wait cancels the timer: no attempt follows, nothing is scheduled', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const connection = cold<ConnectEvent>('c-x|', { c: fakeConnected(), x: peerClosed });
      const result = reconnect(() => connection, { initialDelay: 100, random: half }).pipe(map((e) => e.type));
      // reconnecting at 3, wait of 50 → the next attempt would be at 53; we leave at 20
      expectObservable(result, '^------------------!').toBe('c-x(r)', { c: 'connected', x: 'closed', r: 'reconnecting' });
      expectSubscriptions(connection.subscriptions).toBe('^--!');
    });
    // and in real time: no timer is left behind after unsubscribing during a long wait
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const subscription = reconnect(
      () =>
        new Observable<ConnectEvent>((s) => {
          s.error(refused());
        }),
      { initialDelay: 60_000, random: () => 0.9 },
    ).subscribe({ error: () => undefined });
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before + 1);
    subscription.unsubscribe();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });

  it('unsubscribing during a connection tears that connection down', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const connection = cold<ConnectEvent>('c------', { c: fakeConnected() });
      expectObservable(reconnect(() => connection).pipe(map((e) => e.type)), '^--!').toBe('c', { c: 'connected' });
      expectSubscriptions(connection.subscriptions).toBe('^--!');
    });
  });

  it('a subscriber that leaves during a synchronous event of a reconnect, or on hearing of one, leaves no connection and no timer', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const closesSoon = () =>
      new Observable<ConnectEvent>((s) => {
        s.next(fakeConnected());
        const id = setTimeout(() => {
          s.next(peerClosed);
          s.complete();
        }, 1);
        return () => clearTimeout(id);
      });
    let tornDown = 0;
    const endless = () =>
      new Observable<ConnectEvent>((s) => {
        s.next(fakeConnected());
        return () => (tornDown += 1);
      });
    // the second connection's first event is synchronous, and the subscriber leaves on it
    await lastValueFrom(
      reconnect(({ attempt }) => (attempt === 0 ? closesSoon() : endless()), { initialDelay: 1 }).pipe(
        filter((e) => e.type === 'connected'),
        take(2),
      ),
    );
    expect(tornDown).toBe(1);
    // leaving on the reconnecting event itself: no wait is scheduled
    const before = timeouts();
    await lastValueFrom(reconnect(closesSoon, { initialDelay: 60_000 }).pipe(takeWhile((e) => e.type !== 'reconnecting')));
    expect(timeouts()).toBe(before);
  });

  it('bad backoff options are an error notification naming the option, and nothing is opened', () => {
    const opened: unknown[] = [];
    const errors: unknown[] = [];
    const open = () => {
      opened.push(1);
      return NEVER;
    };
    reconnect(open, { initialDelay: -5 }).subscribe({ error: (e: unknown) => errors.push(e) });
    reconnect(open, { maxDelay: 10, initialDelay: 20 }).subscribe({ error: (e: unknown) => errors.push(e) });
    reconnect(open, { retryCertFailures: 'yes' as never }).subscribe({ error: (e: unknown) => errors.push(e) });
    reconnect(42 as never).subscribe({ error: (e: unknown) => errors.push(e) });
    expect(errors.map((e) => (e as InvalidOptionError).option)).toEqual(['initialDelay', 'maxDelay', 'retryCertFailures', 'open']);
    expect(errors.every((e) => (e as InvalidOptionError).code === 'ERR_RXTLS_INVALID_OPTION')).toBe(true);
    expect(opened).toEqual([]);
  });
});

describe('lines() and converse() after reconnect', () => {
  const data = (text: string): ConnectEvent => ({ type: 'data', bytes: Buffer.from(text) });

  it('lines() frames each connection afresh: an unterminated line of the old one is delivered before its closed, never glued to the new one', () => {
    const seen: Moment[] = [];
    scheduler().run(({ cold, flush }) => {
      const first = cold<ConnectEvent>('cax|', { c: fakeConnected(), a: data('* OK one\r\nhal'), x: peerClosed });
      const second = cold<ConnectEvent>('cd', { c: fakeConnected(), d: data('f\r\n* OK two\r\n') });
      let n = 0;
      reconnect(() => (n++ === 0 ? first : second), { initialDelay: 2, random: half })
        .pipe(lines())
        .subscribe((e) => seen.push([asyncScheduler.now(), describeEvent(e)]));
      flush();
    });
    expect(seen).toEqual([
      [0, 'connected'],
      [1, 'line * OK one'],
      [2, 'line hal'],
      [2, 'closed by peer'],
      [3, 'reconnecting 1 in 1 (closed)'],
      [4, 'connected'],
      [5, 'line f'],
      [5, 'line * OK two'],
    ]);
  });

  it("converse(): a dialogue sees its own connection's events only, ending with its closed; reconnecting passes by it", () => {
    const seenByDialogues: string[][] = [];
    const downstream: string[] = [];
    scheduler().run(({ cold, flush }) => {
      let n = 0;
      const open = () =>
        n++ === 0
          ? cold<ConnectEvent>('cax|', { c: fakeConnected(), a: data('one\n'), x: peerClosed })
          : cold<ConnectEvent>('ca', { c: fakeConnected(), a: data('two\n') });
      const watch = (events$: Observable<TransportEvent>) => {
        const mine: string[] = [];
        seenByDialogues.push(mine);
        events$.subscribe({ next: (e) => mine.push(describeEvent(e)), complete: () => mine.push('complete') });
        return NEVER;
      };
      reconnect(open, { initialDelay: 2, maxAttempts: 1, random: half })
        .pipe(lines(), converse(watch))
        .subscribe((e) => downstream.push(describeEvent(e)));
      flush();
    });
    expect(seenByDialogues).toEqual([
      ['connected', 'line one', 'closed by peer', 'complete'],
      ['connected', 'line two'],
    ]);
    expect(downstream).toEqual(['connected', 'line one', 'closed by peer', 'reconnecting 1 in 1 (closed)', 'connected', 'line two']);
  });

  it("converse() starts the dialogue again on each new connection, writing only to that connection's writer", () => {
    const writers: RecordingWriter[] = [recordingWriter(), recordingWriter()];
    scheduler().run(({ cold, flush }) => {
      let n = 0;
      const open = () => {
        const writer = writers[n++] ?? recordingWriter();
        return n === 1
          ? cold<ConnectEvent>('ca-x|', { c: fakeConnected({ writer }), a: data('* OK first\r\n'), x: peerClosed })
          : cold<ConnectEvent>('ca--', { c: fakeConnected({ writer }), a: data('* OK second\r\n') });
      };
      // greet each server with one command; a dialogue that never completes (take(1) then NEVER-like)
      const hello = (events$: Observable<TransportEvent>) =>
        events$.pipe(
          filter((e) => e.type === 'line'),
          take(1),
          map((e) => line(`a1 HELLO ${e.type === 'line' ? e.text.split(' ')[2] : ''}`)),
        );
      reconnect(open, { initialDelay: 2, maxAttempts: 1, random: half }).pipe(lines(), converse(hello)).subscribe();
      flush();
    });
    expect(writers[0]?.text()).toBe('a1 HELLO first\r\n');
    expect(writers[1]?.text()).toBe('a1 HELLO second\r\n');
    // each dialogue completed after its one command, ending its own connection only
    expect(writers[0]?.ended).toBe(true);
    expect(writers[1]?.ended).toBe(true);
  });

  it('converse(): a dialogue of the old connection that is still running writes nothing after its closed, nor to the new one', () => {
    const writers: RecordingWriter[] = [recordingWriter(), recordingWriter()];
    scheduler().run(({ cold, flush }) => {
      let n = 0;
      const open = () => {
        const writer = writers[n++] ?? recordingWriter();
        return n === 1
          ? cold<ConnectEvent>('c-x|', { c: fakeConnected({ writer }), x: peerClosed })
          : cold<ConnectEvent>('c---', { c: fakeConnected({ writer }) });
      };
      // writes "tick" every 5 ms, forever: the old one must stop at the reconnect
      const ticker = () => cold('-----t----t----t----t----t----t----t----t', { t: line('tick') });
      reconnect(open, { initialDelay: 40, maxAttempts: 1, random: half }).pipe(converse(ticker)).subscribe();
      flush();
    });
    // the first connection lived 0..3: its dialogue stopped at its closed, before its first tick at 5
    expect(writers[0]?.written).toEqual([]);
    // the second dialogue started at 23, afresh: its eight ticks, and none of the old one's 25, 30, 35, 40
    expect(writers[1]?.written).toHaveLength(8);
  });
});

describe('reconnect(open, options): what a connection may leave out', () => {
  const once =
    (...events: ConnectEvent[]) =>
    () =>
      new Observable<ConnectEvent>((s) => {
        for (const event of events) s.next(event);
        s.complete();
      });

  it('fails with what open() throws, and tears down cleanly', () => {
    const thrown = new Error('no such target');
    const { moments, error } = timeline(() => {
      throw thrown;
    }, {});
    expect(error).toBe(thrown);
    expect(moments).toEqual([[0, 'error']]);
  });

  it('reconnects a connection that completed without closed, as closed', () => {
    const { moments } = timeline(once(fakeConnected()), { maxAttempts: 1, initialDelay: 10, random: half });
    expect(moments).toEqual([
      [0, 'connected'],
      [0, 'reconnecting 1 in 5 (closed)'],
      [5, 'connected'],
      [5, 'complete'],
    ]);
  });

  it('retries a rejected connection that completed without closed, with retryCertFailures', () => {
    const failed = { ...fakeConnected(), type: 'certFailed' } as unknown as ConnectEvent;
    const { moments } = timeline(once(failed), { maxAttempts: 1, initialDelay: 10, random: half, retryCertFailures: true });
    expect(moments).toEqual([
      [0, 'certFailed'],
      [0, 'reconnecting 1 in 5 (certFailed)'],
      [5, 'certFailed'],
      [5, 'complete'],
    ]);
  });

  it('offers no ticket after a connected event that has no session (a WebSocket)', () => {
    const { session: _session, ...withoutSession } = fakeConnected();
    const { moments } = timeline(once(withoutSession as ConnectEvent, peerClosed), { maxAttempts: 1, initialDelay: 10, random: half });
    expect(moments.slice(0, 3)).toEqual([
      [0, 'connected'],
      [0, 'closed by peer'],
      [0, 'reconnecting 1 in 5 (closed)'],
    ]);
  });
});
