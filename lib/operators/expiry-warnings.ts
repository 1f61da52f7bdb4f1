import { asyncScheduler, defer, Observable, of, timer, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { map, mergeMap } from 'rxjs/operators';
import { DEFAULT_EXPIRY_WARNING_DAYS } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { CertificateSummary, ExpiryWarningEvent, PeerInfo } from '../events';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest delay a timer takes (setTimeout's limit, 2^31 - 1 ms, about 24.8 days); longer waits are chunked. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Options of {@link expiryWarnings}.
 *
 * @example
 * ```ts
 * import { expiryWarnings, type ExpiryWarningsOptions } from 'rxtls';
 * const options: ExpiryWarningsOptions = { withinDays: 30, onWarning: (w) => console.warn(`${w.subject} expires in ${w.daysLeft} days`) };
 * expiryWarnings(options);
 * ```
 */
export interface ExpiryWarningsOptions {
  /** Warn when some certificate of the peer's chain expires within this many days. Default {@link DEFAULT_EXPIRY_WARNING_DAYS}. */
  readonly withinDays?: number;
  /** Called with each warning, besides the `expiryWarning` event. */
  readonly onWarning?: (warning: ExpiryWarningEvent) => void;
  /** The clock and timers (a `TestScheduler` in tests). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Warns when the peer's certificate chain is about to expire: after `connected`, an
 * `expiryWarning` event (and `onWarning`) when the earliest `validTo` of the chain is within
 * `withinDays` — at once, or, on a connection that lasts, the moment it comes within. Every
 * other event passes through, in order; the timer ends with the connection.
 *
 * Informally: `connected(expires in 3 days) data closed` → `connected expiryWarning data closed`.
 *
 * @param options - the threshold, a callback, the scheduler.
 * @returns an operator inserting `expiryWarning` events.
 * @example
 * ```ts
 * import { connect, expiryWarnings } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 })
 *   .pipe(expiryWarnings({ withinDays: 14 }))
 *   .subscribe((e) => e.type === 'expiryWarning' && console.warn(`${e.subject} expires on ${e.expiresAt.toISOString()}`));
 * ```
 */
export function expiryWarnings<
  T extends {
    /** The event's discriminant. */
    readonly type: string;
  },
>(options: ExpiryWarningsOptions = {}): OperatorFunction<T, T | ExpiryWarningEvent> {
  const withinDays = options.withinDays ?? DEFAULT_EXPIRY_WARNING_DAYS;
  if (!Number.isFinite(withinDays) || withinDays < 0)
    throw new InvalidOptionError('withinDays', withinDays, 'must be a number of days, 0 or more');
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function')
    throw new InvalidOptionError('onWarning', options.onWarning, 'must be a function');
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T | ExpiryWarningEvent>((subscriber) => {
      return source.subscribe({
        next: (event) => {
          subscriber.next(event);
          const peer = (event as { peer?: PeerInfo }).peer;
          if (event.type !== 'connected' || !peer) return;
          const earliest = earliestExpiry(peer.chain.length > 0 ? peer.chain : [peer]);
          // Stryker disable next-line ConditionalExpression: a chain of one or more always has an earliest
          if (!earliest) return;
          const warnAt = earliest.validTo.getTime() - withinDays * DAY_MS;
          subscriber.add(
            waitUntil(warnAt, scheduler).subscribe(() => {
              const now = scheduler.now();
              const expiryWarning: ExpiryWarningEvent = {
                type: 'expiryWarning',
                subject: earliest.subject,
                expiresAt: earliest.validTo,
                daysLeft: Math.max(0, Math.floor((earliest.validTo.getTime() - now) / DAY_MS)),
              };
              options.onWarning?.(expiryWarning);
              subscriber.next(expiryWarning);
            }),
          );
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** The certificate that expires first. */
export function earliestExpiry<C extends Pick<CertificateSummary, 'validTo' | 'subject'>>(chain: readonly C[]): C | undefined {
  return chain.reduce<C | undefined>((first, c) => (first === undefined || c.validTo < first.validTo ? c : first), undefined);
}

/**
 * Emits once when `scheduler.now()` reaches `at` (synchronously if it has), then completes. A wait
 * longer than a timer can take (2^31 - 1 ms) is chunked, so that a threshold months away fires
 * on time instead of at once (Node's setTimeout fires a too-long delay after 1 ms).
 */
export function waitUntil(at: number, scheduler: SchedulerLike = asyncScheduler): Observable<number> {
  return defer(() => {
    const left = at - scheduler.now();
    if (left <= 0) return of(at);
    // Stryker disable next-line EqualityOperator: a wait of exactly the longest timer, chunked, ends at the same time
    return left <= LONGEST_TIMER_MS
      ? timer(left, scheduler).pipe(map(() => at))
      : timer(LONGEST_TIMER_MS, scheduler).pipe(mergeMap(() => waitUntil(at, scheduler)));
  });
}
