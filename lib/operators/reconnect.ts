import { asyncScheduler, from, Observable, Subscription, timer, type ObservableInput } from 'rxjs';
import { InvalidOptionError } from '../errors';
import type { ClosedEvent, ReconnectingEvent, ReconnectReason, TransportEvent } from '../events';
import { backoff, nextAttempt, type Backoff, type BackoffOptions } from '../util/backoff';

/**
 * What {@link reconnect} tells `open` about the connection it is to open.
 *
 * @example
 * ```ts
 * import { connect, reconnect, type ReconnectAttempt } from 'rxtls';
 * const open = ({ session }: ReconnectAttempt) => connect({ host: 'imap.example.com', port: 993, session });
 * reconnect(open);
 * ```
 */
export interface ReconnectAttempt {
  /** 0 for the first connection, then the attempt number of the `reconnecting` event before it. */
  readonly attempt: number;
  /**
   * The latest session ticket an earlier connection received (`connected.session.ticket()`,
   * read once that connection ended, when no later ticket can come), for `connect({ session })`:
   * the reconnect is then a resumed handshake. `undefined` on the first connection and while no
   * ticket arrived. A ticket belongs to the server that issued it: an `open` that alternates
   * between servers should pass it only to the one it came from.
   */
  readonly session: Buffer | undefined;
}

/**
 * Options of {@link reconnect}: the backoff schedule, and whether a certificate rejection is
 * retried.
 *
 * @example
 * ```ts
 * import type { ReconnectOptions } from 'rxtls';
 * const options: ReconnectOptions = { initialDelay: 250, maxDelay: 10_000, maxAttempts: 20 };
 * ```
 */
export interface ReconnectOptions extends BackoffOptions {
  /**
   * Reconnect after `certFailed` too. Default `false`: a certificate problem does not heal by
   * retrying (an expired or wrong certificate stays so until someone replaces it), so the stream
   * completes after the rejection's `closed`. Set it for a server whose certificate is being
   * replaced and may be wrong for a while.
   */
  readonly retryCertFailures?: boolean;
}

/**
 * Codes of errors that retrying cannot heal, whatever the backoff: the configuration is wrong
 * (an option, a target, the runtime), or the caller aborted.
 */
const NEVER_RETRIED: readonly string[] = [
  'ERR_RXTLS_INVALID_OPTION',
  'ERR_RXTLS_INVALID_TARGET',
  'ERR_RXTLS_RUNTIME_UNSUPPORTED',
  'ERR_RXTLS_ABORTED',
  'ABORT_ERR',
];

/**
 * Keeps a connection up: subscribes to `open()`, and whenever the connection ends — `closed`
 * by the peer, an unclean `closed`, or a transport failure (an error notification with a code) —
 * waits a backoff delay and opens it again, passing the latest session ticket so that the
 * reconnect is a resumed handshake. Each attempt is announced by a {@link ReconnectingEvent}
 * (`{ attempt, delay, reason, error?, resuming }`) between the old connection's last event and
 * the new one's first. Every event of every connection passes through in order.
 *
 * The delays are exponential with full jitter ({@link nextAttempt}): attempt n waits a random
 * time from 0 to `min(maxDelay, initialDelay · factor^(n-1))`. A connection that stayed up
 * `resetAfter` ms makes the next attempt the first again. After `maxAttempts` failed attempts in
 * a row, `reconnect` gives up: it completes after a `closed`, or errors with the last failure.
 *
 * It does not reconnect:
 * - after a `closed` that we ended cleanly (`by: 'local'`, `clean: true`: the dialogue finished,
 *   or `writer.end()` was called): the stream completes;
 * - after `certFailed`, unless `retryCertFailures`: a certificate problem does not heal by
 *   retrying; the stream completes after the rejection's `closed`;
 * - after an error that retrying cannot heal — bad options (`ERR_RXTLS_INVALID_OPTION`), a bad
 *   target, an unsupported runtime, an abort — or one without a `code` (a bug, not the
 *   network): the error is passed on at once.
 *
 * Unsubscribing tears down the current connection, or cancels the wait: no timer is left.
 * Put `lines()` and `converse()` after `reconnect`: `lines()` starts framing afresh at each
 * `connected` (no byte of the old connection is glued to the new one), and `converse()` starts
 * the dialogue again on the `connected` that follows a `closed`. Options are checked on
 * subscription: bad ones are an `InvalidOptionError` error notification naming the option.
 *
 * Informally: `connected data closed | reconnecting(1, d) | (wait d) connected(resumed) …`.
 *
 * @param open - Opens one connection; called once per attempt with the attempt number and the latest session ticket.
 * @param options - The backoff ({@link BackoffOptions}) and `retryCertFailures`.
 * @returns The events of every connection in turn, and a `reconnecting` event before each new attempt.
 * @example
 * ```ts
 * import { connect, converse, line, lines, reconnect } from 'rxtls';
 * import { filter, map, take } from 'rxjs';
 *
 * // Stay connected; on every (re)connection, wait for the greeting and say hello.
 * reconnect(({ session }) => connect({ host: 'imap.example.com', port: 993, session }), { maxDelay: 10_000 })
 *   .pipe(
 *     lines(),
 *     converse((events$) => events$.pipe(filter((e) => e.type === 'line'), take(1), map(() => line('a1 NOOP')))),
 *   )
 *   .subscribe((e) => {
 *     if (e.type === 'reconnecting') console.log(`reconnecting in ${e.delay} ms (attempt ${e.attempt}, ${e.reason})`);
 *     if (e.type === 'connected') console.log(e.session.resumed ? 'resumed' : 'full handshake');
 *   });
 * ```
 * @see {@link backoff}
 * @see {@link nextAttempt}
 */
export function reconnect<E extends TransportEvent>(
  open: (attempt: ReconnectAttempt) => ObservableInput<E>,
  options: ReconnectOptions = {},
): Observable<E | ReconnectingEvent> {
  return new Observable<E | ReconnectingEvent>((subscriber) => {
    let schedule: Backoff;
    try {
      schedule = backoff(options);
      if (typeof open !== 'function') throw new InvalidOptionError('open', open, 'must be a function ({ attempt, session }) => Observable');
      if (options.retryCertFailures !== undefined && typeof options.retryCertFailures !== 'boolean')
        throw new InvalidOptionError('retryCertFailures', options.retryCertFailures, 'must be true or false');
    } catch (error) {
      subscriber.error(error);
      return;
    }
    const retryCertFailures = options.retryCertFailures ?? false;
    let failures = 0;
    // TLS 1.3 sends tickets after the handshake, so the latest is read when the connection has
    // ended, when no other can come; then the connection's session is let go, so that nothing of
    // it stays alive during the wait. A connection that got none leaves the older ticket in place.
    let ticketOf: (() => Buffer | undefined) | undefined;
    let latestTicket: Buffer | undefined;
    let connection: Subscription | undefined;
    let wait: Subscription | undefined;
    const takeTicket = () => {
      latestTicket = ticketOf?.() ?? latestTicket;
      ticketOf = undefined;
    };

    const attemptConnection = (attempt: number) => {
      let connectedAt: number | undefined;
      let rejected = false;
      let closed: ClosedEvent | undefined;
      const ended = (reason: ReconnectReason, error: Error | undefined, fatal: () => void) => {
        takeTicket();
        // Stryker disable next-line ConditionalExpression: NaN, like 0, is never healthy for long enough to reset the attempts
        const healthyFor = connectedAt === undefined ? 0 : asyncScheduler.now() - connectedAt;
        const next = nextAttempt(schedule, failures, healthyFor);
        if (next === undefined) return fatal();
        failures = next.attempt;
        subscriber.next({
          type: 'reconnecting',
          attempt: next.attempt,
          delay: next.delay,
          reason,
          ...(error && { error }),
          resuming: latestTicket !== undefined,
        });
        if (subscriber.closed) return; // the subscriber left on hearing of it: no wait, no timer
        wait = timer(next.delay).subscribe(() => attemptConnection(next.attempt));
      };
      let source: Observable<E>;
      try {
        source = from(open({ attempt, session: latestTicket }));
      } catch (error) {
        subscriber.error(error);
        return;
      }
      // Created before subscribing, so that a subscriber leaving during a synchronous first event
      // tears this connection down too (add() on a closed Subscription unsubscribes at once).
      connection = new Subscription();
      connection.add(
        source.subscribe({
          next(event) {
            if (event.type === 'connected') {
              connectedAt = asyncScheduler.now();
              if ('session' in event) {
                const { session } = event;
                ticketOf = () => session.ticket();
              }
            }
            if (event.type === 'certFailed') rejected = true;
            // Stryker disable next-line ConditionalExpression: nothing follows closed, so the last event is closed or none is
            if (event.type === 'closed') closed = event;
            subscriber.next(event);
          },
          error(error: unknown) {
            if (!retryable(error)) return subscriber.error(error);
            ended('error', error, () => subscriber.error(error));
          },
          complete() {
            const done = () => subscriber.complete();
            if (rejected) return retryCertFailures ? ended('certFailed', closed?.error, done) : done();
            if (closed?.by === 'local' && closed.clean) return done();
            // The caller aborted this connection (option signal): that is the caller's decision, not a failure.
            if (codeOf(closed?.error) === 'ERR_RXTLS_ABORTED') return done();
            ended('closed', closed?.error, done);
          },
        }),
      );
    };

    attemptConnection(0);
    return () => {
      wait?.unsubscribe();
      connection?.unsubscribe();
    };
  });
}

/** Whether an error notification may heal by reconnecting: a failure with a code, not one of {@link NEVER_RETRIED}. */
function retryable(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = codeOf(error);
  return code !== undefined && !NEVER_RETRIED.includes(code);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
