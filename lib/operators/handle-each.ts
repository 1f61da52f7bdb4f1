import { from, Observable, type MonoTypeOperatorFunction, type ObservableInput } from 'rxjs';
import { DEFAULT_HANDLE_EACH_CONCURRENCY, DEFAULT_HANDLE_EACH_HIGH_WATER_MARK } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { DataEvent, FrameEvent, LineEvent, TlsReader, TransportEvent } from '../events';
import { isPositiveInteger, positiveInteger } from '../util/option-checks';

/**
 * Options of {@link handleEach}.
 *
 * @example
 * ```ts
 * import { handleEach, type HandleEachOptions } from 'rxtls';
 * const fourAtOnce: HandleEachOptions = { concurrency: 4, highWaterMark: 64, lowWaterMark: 16 };
 * handleEach(async () => undefined, fourAtOnce);
 * ```
 */
export interface HandleEachOptions {
  /** How many handlers run at once. Default {@link DEFAULT_HANDLE_EACH_CONCURRENCY} (1: one after the other). */
  readonly concurrency?: number;
  /**
   * Events held (queued, being handled, or handled and waiting for an earlier one) at which the
   * connection's reader is paused. Default {@link DEFAULT_HANDLE_EACH_HIGH_WATER_MARK}.
   */
  readonly highWaterMark?: number;
  /** Events held at or below which reading resumes: from 0 to `highWaterMark - 1`. Default: half of `highWaterMark`, rounded down. */
  readonly lowWaterMark?: number;
}

/**
 * The events `handleEach` hands to its handler: what a connection carries, `data`, `line` or `frame`.
 *
 * @example
 * ```ts
 * import type { HandledEvent, TlsEvent } from 'rxtls';
 * const size = (e: HandledEvent<TlsEvent>) => (e.type === 'line' ? e.text.length : e.bytes.length);
 * ```
 */
export type HandledEvent<E> = Extract<E, DataEvent | LineEvent | FrameEvent>;

/**
 * What a handler returns: anything `from()` takes (a Promise, an Observable, …) — the event is
 * handled when it completes or resolves, and what it emits is ignored — or nothing, for a
 * handler that is done when it returns.
 *
 * @example
 * ```ts
 * import { timer } from 'rxjs';
 * import type { EventHandlerResult } from 'rxtls';
 * const slowly = (): EventHandlerResult => timer(1); // handled a millisecond later
 * const atOnce = (): EventHandlerResult => undefined; // handled when it returns
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- so that a handler returning nothing (`(e) => console.log(e)`) type-checks
export type EventHandlerResult = ObservableInput<unknown> | void;

interface Held<E> {
  readonly event: E;
  done: boolean;
}

/**
 * Runs an asynchronous handler on each `data` and `line` event — a database write, an upload —
 * with at most `concurrency` at once, and slows the connection down to the handler's pace: when
 * `highWaterMark` events are held it pauses the connection's {@link TlsReader} (taken from
 * `connected` or `plaintext`), so the socket stops reading and the peer's writes block; at
 * `lowWaterMark` it resumes. What waits for a slow consumer is then bounded — the held events,
 * the socket's readable buffer and the kernel's — instead of everything the peer sends. This is
 * the pull model of Node streams and of Effect's Socket, for rxtls's events.
 *
 * Every event comes out once it is handled, in the order it came in, whatever the concurrency
 * (with `concurrency: 1` the handlers also run in that order); `connected`, `plaintext`,
 * `certFailed` and `closed` are not handled, and come out in order too — so `closed` follows the
 * events before it only once they are all handled. Completion waits for the handlers; an error,
 * upstream or from a handler, is passed on at once and tears the connection down.
 *
 * Unsubscribing, or an error, resumes a reader it paused (a connection shared with other
 * subscribers goes on for them); unshared, the connection is destroyed anyway.
 *
 * A connection that the peer closes while it is paused still ends: its `closed` comes once the
 * handler caught up with what arrived before it. A browser's WebSocket cannot be paused
 * (`reader.pausable` is `false`): there the held events are bounded only by what the server sends.
 *
 * Informally: `mergeMap(handler, concurrency)`, emitting the events instead of the results, in
 * order, with reading paused while too many are held.
 *
 * @param handler Called with each `data` or `line` event and its index (from 0).
 * @param options Concurrency and the high and low water marks; bad ones throw `InvalidOptionError` naming the option.
 * @returns An operator that gives back the same events, each once its handler finished.
 * @example
 * ```ts
 * import { connect, handleEach, lines } from 'rxtls';
 *
 * declare function store(line: string): Promise<void>; // a database write, say
 *
 * connect({ host: 'logs.example.com', port: 6514 })
 *   .pipe(
 *     lines(),
 *     handleEach((e) => (e.type === 'line' ? store(e.text) : undefined)),
 *   )
 *   .subscribe((e) => e.type === 'closed' && console.log('every line stored'));
 * ```
 * @see {@link TlsReader}
 * @see {@link lines}
 */
export function handleEach<E extends TransportEvent>(
  handler: (event: HandledEvent<E>, index: number) => EventHandlerResult,
  options: HandleEachOptions = {},
): MonoTypeOperatorFunction<E> {
  if (typeof handler !== 'function')
    throw new InvalidOptionError('handler', handler, 'must be a function (event, index) => ObservableInput');
  const { concurrency, highWaterMark, lowWaterMark } = resolveHandleEachOptions(options);
  return (source) =>
    new Observable<E>((subscriber) => {
      // Held events in arrival order: `items[head]` is the next to come out, `items[next]` the next to start.
      let items: Array<Held<E> | undefined> = [];
      let head = 0;
      let next = 0;
      let running = 0;
      let index = 0;
      let reader: TlsReader | undefined;
      let paused = false;
      let sourceDone = false;
      let busy = false;
      // Stryker disable next-line BooleanLiteral: drain() clears it before its loop reads it
      let again = false;

      const finished = (held: Held<E>) => {
        held.done = true;
        running--;
        drain();
      };
      const start = (held: Held<E>) => {
        running++;
        let result: EventHandlerResult;
        try {
          result = handler(held.event as HandledEvent<E>, index++);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (result === undefined) return finished(held);
        // The common case, an async function, without the Subscriber that from() would build for it.
        // Stryker disable next-line ConditionalExpression,BlockStatement: from() takes a Promise the same way, only slower
        if (result instanceof Promise) {
          result.then(
            () => finished(held),
            (error: unknown) => subscriber.error(error),
          );
          return;
        }
        subscriber.add(from(result).subscribe({ error: (error: unknown) => subscriber.error(error), complete: () => finished(held) }));
      };
      const step = () => {
        while (running < concurrency && next < items.length && !subscriber.closed) {
          const held = items[next++] as Held<E>;
          if (!held.done) start(held);
        }
        while (head < items.length && (items[head] as Held<E>).done && !subscriber.closed) {
          const { event } = items[head] as Held<E>;
          items[head++] = undefined;
          subscriber.next(event);
        }
        // Forget what came out, now and then: the array stays as long as what is held.
        // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,ArithmeticOperator: when it compacts changes only memory, never what is emitted or when
        if (head > 1024 && head * 2 > items.length) {
          items = items.slice(head);
          next -= head;
          head = 0;
        }
      };
      const steer = () => {
        const held = items.length - head;
        if (!paused && held >= highWaterMark) {
          paused = true;
          reader?.pause();
        } else if (paused && held <= lowWaterMark) {
          paused = false;
          reader?.resume();
        }
      };
      // One loop at a time: a handler that finishes at once, or a subscriber that reacts to an
      // event by feeding another, re-enters here and is picked up by the loop already running.
      function drain() {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        do {
          again = false;
          step();
        } while (again);
        busy = false;
        if (subscriber.closed) return;
        steer();
        if (sourceDone && head === items.length) subscriber.complete();
      }

      subscriber.add(
        source.subscribe({
          next(event) {
            // Stryker disable next-line ConditionalExpression: only connected and plaintext events carry a reader
            if ((event.type === 'connected' || event.type === 'plaintext') && event.reader) {
              // A STARTTLS upgrade brings a new reader; a paused connection stays paused.
              reader = event.reader;
              if (paused) reader.pause();
            }
            items.push({ event, done: event.type !== 'data' && event.type !== 'line' && event.type !== 'frame' });
            drain();
          },
          error: (error: unknown) => subscriber.error(error),
          complete() {
            sourceDone = true;
            drain();
          },
        }),
      );
      // A connection shared with other subscribers (share()) must not stay paused for them.
      return () => {
        if (paused) reader?.resume();
      };
    });
}

/** {@link HandleEachOptions} checked, with their defaults; throws `InvalidOptionError` naming the one at fault. */
function resolveHandleEachOptions(options: HandleEachOptions): Required<HandleEachOptions> {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'must be an object');
  const concurrency = positiveInteger(options, 'concurrency', DEFAULT_HANDLE_EACH_CONCURRENCY);
  const highWaterMark = positiveInteger(options, 'highWaterMark', DEFAULT_HANDLE_EACH_HIGH_WATER_MARK);
  const lowWaterMark = options.lowWaterMark ?? Math.floor(highWaterMark / 2);
  if (!(lowWaterMark === 0 || isPositiveInteger(lowWaterMark)) || lowWaterMark >= highWaterMark)
    throw new InvalidOptionError('lowWaterMark', lowWaterMark, `must be an integer from 0 to highWaterMark - 1 (${highWaterMark - 1})`);
  return { concurrency, highWaterMark, lowWaterMark };
}
