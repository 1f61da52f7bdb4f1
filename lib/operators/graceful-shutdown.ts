import { Observable } from 'rxjs';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { ClosedEvent, TlsWriter, TransportEvent } from '../events';

/**
 * Options of {@link gracefulShutdown}.
 *
 * @example
 * ```ts
 * import { gracefulShutdown } from 'rxtls';
 * gracefulShutdown({ timeout: 1000, onClosed: ({ clean }) => console.log(clean ? 'closed cleanly' : 'closed uncleanly') });
 * ```
 */
export interface GracefulShutdownOptions {
  /** Milliseconds to wait for the peer's close after our close_notify. Default 3 000. */
  readonly timeout?: number;
  /**
   * Called with the final `closed` event of a connection that was shut down in the background
   * after the subscriber left — the only way to learn whether that close was clean.
   */
  readonly onClosed?: (closed: ClosedEvent) => void;
}

/**
 * Turns an unsubscribe (or a completing `take`/`takeUntil` downstream) into a graceful close:
 * flush pending writes, send close_notify, wait for the peer's close up to `timeout`, then
 * destroy the socket. Without it, unsubscribing destroys the socket at once. `onClosed` learns
 * how it ended: `clean: true` when the peer closed in time, `clean: false` with a `CLOSE_TIMEOUT`
 * error when it did not, or — with `connect({ detectTruncation: true })` — `TLS_TRUNCATED` when
 * it dropped TCP without its own close_notify. This is QtSSLSocket's `delayedCloseFinished`.
 *
 * A close that the dialogue starts (`converse` completing, or `writer.end()`) is bounded by
 * `connect`'s `closeTimeout` and reported by the connection's own `closed` event.
 *
 * Informally: `unsubscribe → end(); …closed | timeout → destroy`.
 *
 * @example
 * ```ts
 * import { filter, take } from 'rxjs';
 * import { connect, gracefulShutdown, lines } from 'rxtls';
 *
 * connect({ host: 'imap.example.com', port: 993 })
 *   .pipe(gracefulShutdown({ timeout: 1000, onClosed: (c) => console.log('clean:', c.clean) }), lines(), filter((e) => e.type === 'line'), take(1))
 *   .subscribe((greeting) => console.log(greeting)); // take(1) unsubscribes: the connection closes gracefully
 * ```
 */
export function gracefulShutdown(
  options: GracefulShutdownOptions = {},
): <E extends TransportEvent>(source: Observable<E>) => Observable<E> {
  const timeout = options.timeout ?? DEFAULT_CLOSE_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 0)
    throw new InvalidOptionError('timeout', timeout, 'must be a non-negative integer (milliseconds)');
  return <E extends TransportEvent>(source: Observable<E>) =>
    new Observable<E>((subscriber) => {
      let writer: TlsWriter | undefined;
      let finished = false;
      let detached = false;
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (timer) clearTimeout(timer);
        upstream.unsubscribe();
      };
      const upstream = source.subscribe({
        next(event) {
          if (event.type === 'connected') writer = event.writer;
          if (event.type === 'closed') {
            finished = true;
            if (detached) {
              options.onClosed?.(event);
              stop();
              return;
            }
          }
          subscriber.next(event);
        },
        error(error: unknown) {
          finished = true;
          if (detached) stop();
          else subscriber.error(error);
        },
        complete() {
          finished = true;
          if (detached) stop();
          else subscriber.complete();
        },
      });
      return () => {
        if (finished || !writer || upstream.closed) {
          upstream.unsubscribe();
          return;
        }
        // The subscriber left while the connection is open: close it gracefully in the background.
        detached = true;
        writer.end();
        timer = setTimeout(() => {
          options.onClosed?.({
            type: 'closed',
            by: 'local',
            clean: false,
            error: Object.assign(new Error(`peer did not close within ${timeout} ms of our close_notify (gracefulShutdown timeout)`), {
              code: 'CLOSE_TIMEOUT',
            }),
          });
          upstream.unsubscribe();
        }, timeout);
      };
    });
}
