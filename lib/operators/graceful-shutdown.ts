import { Observable } from 'rxjs';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { ClosedEvent, CloseTimeout, TlsWriter, TransportEvent } from '../events';

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
 * how it ended: `clean: true` when the peer closed in time, `clean: false` with an
 * `ERR_RXTLS_CLOSE_TIMEOUT` error naming `gracefulShutdown timeout` when it did not, or — with
 * `connect({ detectTruncation: true })` — `ERR_RXTLS_TLS_TRUNCATED` when it dropped TCP without its own
 * close_notify. This is QtSSLSocket's `delayedCloseFinished`.
 *
 * `timeout` governs the close this operator starts, longer or shorter than `connect`'s
 * `closeTimeout`: it is handed to `writer.end({ ms, option })`, so the connection's one close
 * timer runs for `timeout` and the connection's own `closed` event reports the outcome. (Two
 * timers — ours and the connection's — would let the shorter one win and name the wrong
 * option.) A close that the dialogue started earlier (`converse` completing, or
 * `writer.end()`) keeps the bound it started with, `closeTimeout` by default.
 *
 * Informally: `unsubscribe → end({ ms: timeout }); …closed → onClosed(closed)`.
 *
 * @param options - `timeout` in ms (default {@link DEFAULT_CLOSE_TIMEOUT_MS}) and `onClosed`.
 * @returns An operator that passes every event through unchanged while the subscriber stays.
 * @example
 * ```ts
 * import { filter, take } from 'rxjs';
 * import { connect, gracefulShutdown, lines } from 'rxtls';
 *
 * connect({ host: 'imap.example.com', port: 993 })
 *   .pipe(gracefulShutdown({ timeout: 1000, onClosed: (c) => console.log('clean:', c.clean) }), lines(), filter((e) => e.type === 'line'), take(1))
 *   .subscribe((greeting) => console.log(greeting)); // take(1) unsubscribes: the connection closes gracefully
 * ```
 * @see {@link TlsWriter.end}
 */
export function gracefulShutdown(
  options: GracefulShutdownOptions = {},
): <E extends TransportEvent>(source: Observable<E>) => Observable<E> {
  const timeout = options.timeout ?? DEFAULT_CLOSE_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 0)
    throw new InvalidOptionError('timeout', timeout, 'must be a non-negative integer (milliseconds)');
  const bound: CloseTimeout = { ms: timeout, option: 'gracefulShutdown timeout' };
  return <E extends TransportEvent>(source: Observable<E>) =>
    new Observable<E>((subscriber) => {
      let writer: TlsWriter | undefined;
      let finished = false;
      let detached = false;
      const upstream = source.subscribe({
        next(event) {
          if (event.type === 'connected') {
            writer = event.writer;
            finished = false; // a new connection (reconnect) after an earlier one's closed
          }
          if (event.type === 'closed') {
            finished = true;
            if (detached) {
              options.onClosed?.(event);
              upstream.unsubscribe();
              return;
            }
          }
          subscriber.next(event);
        },
        // Detached, the subscriber is gone: an error or completion only ends the background close
        // (the source lets go of itself after either).
        error(error: unknown) {
          finished = true;
          if (!detached) subscriber.error(error);
        },
        complete() {
          finished = true;
          if (!detached) subscriber.complete();
        },
      });
      return () => {
        if (finished || !writer || upstream.closed) {
          upstream.unsubscribe();
          return;
        }
        // The subscriber left while the connection is open: close it gracefully in the background,
        // bounded by the connection's close timer running for our timeout.
        detached = true;
        writer.end(bound);
      };
    });
}
