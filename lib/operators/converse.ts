import { Observable, Subject, concat, from, of, type ObservableInput, type MonoTypeOperatorFunction, type Subscription } from 'rxjs';
import { DEFAULT_LINE_ENDING } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { PlaintextWriter, TlsEvent, TlsWriter, TransportEvent } from '../events';
import { isObservableLike } from '../util/observable-shape';
import type { Outbound } from '../outbound';

/**
 * A protocol client's (or server's) half of the conversation: given the events of one
 * connection, starting with `connected`, what to write. Return an Observable (or anything
 * `from()` takes); an `AsyncIterable` is pulled one item at a time as the socket drains.
 * A dialogue is a pure function of its input, so it can be marble-tested with no socket.
 *
 * @example
 * ```ts
 * import { filter, map, take } from 'rxjs';
 * import { line, type Dialogue } from 'rxtls';
 *
 * // Answer the greeting with one command, then finish (which closes gracefully).
 * const noop: Dialogue = (events$) =>
 *   events$.pipe(
 *     filter((e) => e.type === 'line'),
 *     take(1),
 *     map(() => line('a1 NOOP')),
 *   );
 * ```
 */
export type Dialogue<E extends TransportEvent = TlsEvent> = (events$: Observable<E>) => ObservableInput<Outbound> | AsyncIterable<Outbound>;

/**
 * Options of {@link converse}.
 *
 * @example
 * ```ts
 * import { converse, line } from 'rxtls';
 * // a protocol that ends lines with LF only
 * const options = { lineEnding: '\n' };
 * converse(() => [line('HELLO')], options);
 * ```
 */
export interface ConverseOptions {
  /** Appended to every `line(text)` the dialogue emits. Default `'\r\n'`. */
  readonly lineEnding?: string;
}

/**
 * Declares the write side as a function of the reads, the way Reactor Netty's
 * `handle((in, out) -> …)` does: once `connected` arrives, the dialogue is subscribed with the
 * connection's events and whatever it emits is written, in order. Events pass through
 * unchanged. When the dialogue completes, the connection ends gracefully (close_notify, then
 * the peer's close); when it errors, the error propagates and the connection is destroyed.
 *
 * Writes respect backpressure and are bounded: an `AsyncIterable` dialogue is pulled only as
 * the socket drains; an Observable that pushes faster than the peer reads fails with
 * `WriteBufferFullError` once `maxPendingWriteBytes` are queued, instead of growing memory.
 *
 * Under `reconnect`, one stream carries connection after connection: a `connected` (or
 * `plaintext`) that follows a `closed` starts the dialogue afresh with the new connection's
 * events, and the old dialogue is unsubscribed, so that it writes nothing to the new connection.
 * A dialogue's `events$` completes after its connection's `closed`, and `reconnecting` events
 * pass by it (a STARTTLS upgrade's `connected` follows `plaintext`, not `closed`: it is the same
 * dialogue). Type a dialogue for such a stream `Dialogue<TlsEvent | ReconnectingEvent>`, or put
 * `lines()` and `converse()` inside `reconnect`'s `open`.
 *
 * Informally: `connected → dialogue(events$) → writes`; `dialogue completes → end()`.
 *
 * @example
 * ```ts
 * import { filter, map, take } from 'rxjs';
 * import { connect, converse, lines, line, type Dialogue } from 'rxtls';
 *
 * // Wait for the greeting, ask for capabilities, read the answer, log out.
 * const capabilities: Dialogue = (events$) =>
 *   events$.pipe(
 *     filter((e) => e.type === 'line'),
 *     take(2),
 *     map((_, i) => (i === 0 ? line('a1 CAPABILITY') : line('a2 LOGOUT'))),
 *   );
 *
 * connect({ host: 'imap.example.com', port: 993 }).pipe(lines(), converse(capabilities)).subscribe(console.log);
 * ```
 * @see lines
 * @see gracefulShutdown
 */
export function converse<E extends TransportEvent = TlsEvent>(
  dialogue: Dialogue<E>,
  options: ConverseOptions = {},
): MonoTypeOperatorFunction<E> {
  const lineEnding = options.lineEnding ?? DEFAULT_LINE_ENDING;
  if (typeof lineEnding !== 'string') throw new InvalidOptionError('lineEnding', lineEnding, 'must be a string');
  if (typeof dialogue !== 'function')
    throw new InvalidOptionError('dialogue', dialogue, 'must be a function (events$) => Observable<Outbound>');
  return (source) =>
    new Observable<E>((subscriber) => {
      let events = new Subject<E>();
      let started = false;
      // One dialogue a connection: under `reconnect`, a `connected` (or `plaintext`) after a
      // `closed` is another connection, and its dialogue starts afresh.
      let closedSeen = false;
      let round = 0;
      let stopped = false;
      let dialogueSubscription: Subscription | undefined;
      // The current write side: the plaintext one until STARTTLS, then the TLS one.
      let current: TlsWriter | PlaintextWriter | undefined;
      const writer: TlsWriter = {
        write: (chunk) => current?.write(chunk) ?? false,
        drain: () => current?.drain() ?? Promise.resolve(),
        end: () => current?.end(),
        get pendingBytes() {
          return current?.pendingBytes ?? 0;
        },
      };

      const write = (out: Outbound): boolean => {
        if (typeof out === 'string' || out instanceof Uint8Array) return writer.write(out);
        if (out.type === 'line') return writer.write(out.text + lineEnding);
        if (out.type === 'startTls') {
          if (!current || !('startTls' in current))
            throw new InvalidOptionError('startTls()', 'startTls', 'is only for plaintext connections (connectStartTls, listenStartTls)');
          current.startTls();
          return false;
        }
        stopped = true;
        writer.end();
        return false;
      };
      const fail = (error: unknown) => {
        stopped = true;
        subscriber.error(error);
      };
      const finish = () => {
        if (!stopped) {
          stopped = true;
          writer.end();
        }
      };

      const start = (connected: E) => {
        stopped = false;
        let output: ObservableInput<Outbound> | AsyncIterable<Outbound>;
        try {
          output = dialogue(concat(of(connected), events));
        } catch (error) {
          fail(error);
          return;
        }
        // By shape, never `instanceof`: an Observable from another copy of RxJS (or from RxJS 8,
        // whose Observables are also async-iterable) must be subscribed, not pulled.
        if (isAsyncIterable(output) && !isObservableLike(output)) {
          void pull(output[Symbol.asyncIterator]());
          return;
        }
        dialogueSubscription = from(output as ObservableInput<Outbound>).subscribe({
          next: (out) => {
            if (stopped) return;
            try {
              write(out);
            } catch (error) {
              fail(error);
            }
          },
          error: fail,
          complete: finish,
        });
      };

      // Pull-based writing: the next item is asked for only once the socket took the last one.
      const pull = async (iterator: AsyncIterator<Outbound>) => {
        const mine = round; // a dialogue of an earlier connection stops pulling
        const ours = () => mine === round && !subscriber.closed;
        let finished = false; // the iterator ended by itself (done, or its next() threw)
        try {
          while (!stopped && ours()) {
            let step: IteratorResult<Outbound>;
            try {
              step = await iterator.next();
            } catch (error) {
              finished = true;
              throw error;
            }
            if (step.done) finished = true;
            if (step.done || stopped || !ours()) break;
            if (!write(step.value)) await writer.drain();
          }
          if (ours()) finish();
        } catch (error) {
          if (mine === round) fail(error);
        } finally {
          // Stopped pulling early (its end(), a write that failed, a closed or new connection):
          // return() it, as `for await … break` would, so an async generator's `finally` runs.
          if (!finished) await returned(iterator, (error) => ours() && fail(error));
        }
      };

      subscriber.add(
        source.subscribe({
          next(event) {
            const opened = event.type === 'connected' || event.type === 'plaintext';
            if (opened && closedSeen) {
              // The old dialogue ends with its connection: it writes nothing to the new one.
              closedSeen = false;
              started = false;
              round += 1;
              stopped = true;
              dialogueSubscription?.unsubscribe();
              events.complete();
              events = new Subject<E>();
            }
            if (event.type === 'closed') closedSeen = true;
            if (event.type === 'connected' || event.type === 'plaintext') current = event.writer;
            subscriber.next(event);
            if ((event.type === 'connected' || event.type === 'plaintext') && !started) {
              started = true;
              start(event);
              return;
            }
            // A dialogue is about one connection: it is not told of reconnects, and its events end
            // with its connection's `closed`.
            if (!started || event.type === 'reconnecting') return;
            events.next(event);
            if (event.type === 'closed') events.complete();
          },
          error(error: unknown) {
            events.error(error);
            subscriber.error(error);
          },
          complete() {
            events.complete();
            subscriber.complete();
          },
        }),
      );
      return () => {
        stopped = true;
        dialogueSubscription?.unsubscribe();
      };
    });
}

/** Calls an iterator's return(), handing a failure of it (a generator's `finally` that throws) to `failed`. */
async function returned(iterator: AsyncIterator<Outbound>, failed: (error: unknown) => void): Promise<void> {
  try {
    await iterator.return?.();
  } catch (error) {
    failed(error);
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Outbound> {
  return typeof (value as AsyncIterable<Outbound> | null)?.[Symbol.asyncIterator] === 'function';
}
