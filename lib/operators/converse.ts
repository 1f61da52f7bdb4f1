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
 * `plaintext`) that follows a `closed` or `reconnecting` starts the dialogue afresh with the new connection's
 * events, and the old dialogue is unsubscribed, so that it writes nothing to the new connection.
 * A dialogue's `events$` completes after its connection's `closed` (or, for a connection that
 * failed without one, at the `reconnecting` that follows); from then on nothing it emits is
 * written, and a pulled dialogue is returned. `reconnecting` events pass by it (a STARTTLS
 * upgrade's `connected` follows `plaintext`, not `closed`: it is the same dialogue). Type a dialogue for such a stream `Dialogue<TlsEvent | ReconnectingEvent>`, or put
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
      // `closed` or a `reconnecting` is another connection, and its dialogue starts afresh.
      // Stryker disable next-line BooleanLiteral: true would only reset, at the first connection, what is not set yet
      let ended = false; // the connection closed (or failed): a `connected` or `plaintext` now is another one
      let connection = {}; // a new one each connection: a pulled dialogue stops when it is not its own
      // Stryker disable next-line BooleanLiteral: start() sets it before anything reads it
      let stopped = true;
      let dialogueSubscription: Subscription | undefined;
      // The current write side: the plaintext one until STARTTLS, then the TLS one. Set at
      // `connected` or `plaintext`, before the dialogue that writes to it starts.
      let current: TlsWriter | PlaintextWriter;
      // A STARTTLS upgrade under way: a pulled dialogue's next item waits for the TLS `connected`
      // (or the connection's end), as the plaintext side writes nothing more.
      let upgrade: { done: Promise<void>; resolve: () => void } | undefined;
      const write = (out: Outbound): boolean => {
        if (typeof out === 'string' || out instanceof Uint8Array) return current.write(out);
        if (out.type === 'line') return current.write(out.text + lineEnding);
        if (out.type === 'startTls') {
          if (!('startTls' in current))
            throw new InvalidOptionError('startTls()', 'startTls', 'is only for plaintext connections (connectStartTls, listenStartTls)');
          current.startTls();
          upgrade ??= deferred();
          return false;
        }
        stopped = true;
        current.end();
        return true; // nothing to wait for: a pulled dialogue stops pulling once stopped
      };
      const fail = (error: unknown) => subscriber.error(error); // its teardown stops the dialogue
      const finish = () => {
        if (!stopped) current.end();
      };
      const settleUpgrade = () => {
        upgrade?.resolve();
        upgrade = undefined;
      };
      // The connection is gone: the dialogue writes nothing more, and a pulled one is returned.
      const endConnection = () => {
        ended = true;
        stopped = true;
        settleUpgrade();
        events.complete();
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
        const mine = connection; // a dialogue of an earlier connection stops pulling
        const ours = () => mine === connection;
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
            if (!write(step.value)) await (upgrade?.done ?? current.drain());
          }
          if (ours()) finish();
        } catch (error) {
          if (ours()) fail(error);
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
            if (opened && ended) {
              // Another connection: its dialogue starts afresh, and the old one, which ended with
              // its connection, writes nothing to it.
              ended = false;
              started = false;
              connection = {};
              dialogueSubscription?.unsubscribe();
              events = new Subject<E>();
            }
            if (opened) current = event.writer;
            subscriber.next(event);
            if (opened && !started) {
              started = true;
              start(event);
              return;
            }
            if (event.type === 'connected') settleUpgrade(); // the STARTTLS upgrade is done
            // A dialogue is about one connection: its events end with the connection's `closed`
            // (or, when it failed, the `reconnecting` that follows), and it is not told of reconnects.
            if (event.type !== 'reconnecting') events.next(event);
            if (event.type === 'closed' || event.type === 'reconnecting') endConnection();
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
        settleUpgrade();
        dialogueSubscription?.unsubscribe();
      };
    });
}

/** A promise and the function that resolves it. */
function deferred(): { done: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const done = new Promise<void>((settle) => (resolve = settle));
  return { done, resolve };
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
  // Stryker disable next-line OptionalChaining: a dialogue that returned null or undefined fails either way, here or in from()
  return typeof (value as AsyncIterable<Outbound> | null)?.[Symbol.asyncIterator] === 'function';
}
