import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type SchedulerLike, Subscription } from 'rxjs';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../defaults';
import { InvalidOptionError, TransportError } from '../errors';
import type { TransportEvent } from '../events';
import type { Outbound } from '../outbound';
import { isPositiveInteger, positiveInteger } from '../util/option-checks';

/**
 * Options of {@link heartbeat}.
 *
 * @example
 * ```ts
 * import { line, type HeartbeatOptions } from 'rxtls';
 * let n = 0;
 * // IMAP: after a minute with nothing from the server, NOOP; the server has 10 s to say anything.
 * const imapHeartbeat: HeartbeatOptions = { quiet: 60_000, timeout: 10_000, send: () => line(`hb${++n} NOOP`) };
 * ```
 */
export interface HeartbeatOptions {
  /** Milliseconds with nothing received after which the no-op is sent. Required. */
  readonly quiet: number;
  /**
   * Milliseconds after the no-op within which something — anything — must arrive, or the
   * dialogue fails with `ERR_RXTLS_HEARTBEAT_TIMEOUT`. Default {@link DEFAULT_HEARTBEAT_TIMEOUT_MS}.
   */
  readonly timeout?: number;
  /**
   * The protocol's no-op, asked for anew each time (so it can carry a fresh tag): IMAP
   * `line('hb1 NOOP')`, SMTP `line('NOOP')`, POP3 `line('NOOP')`, FTP `line('NOOP')`. Pick one that
   * is valid in every state the dialogue can be in while it is quiet.
   */
  readonly send: () => Outbound | readonly Outbound[];
  /** Where time comes from: a `TestScheduler` in marble tests. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Keeps a dialogue's peer honest: whenever `quiet` ms pass with nothing received on `events$`,
 * it adds the protocol's no-op (`send()`) to the dialogue's output, and fails the dialogue with
 * a `TransportError` `ERR_RXTLS_HEARTBEAT_TIMEOUT` when nothing arrives within `timeout` after
 * it. Anything received counts as an answer — the no-op's reply, or any other line — and starts
 * the quiet period again. It mirrors the output it is applied to, so the dialogue still ends
 * the connection by completing; `closed` on `events$` stops the heartbeat.
 *
 * Use it inside a `converse()` dialogue, on what the dialogue writes, with the dialogue's own
 * `events$`: the replies to the no-op reach the dialogue too, so let it ignore them (by tag, in
 * IMAP). It keeps one timer, set again only when it fires; each event only notes the time. It
 * is pure: with `scheduler` a `TestScheduler`, marble tests run it in virtual time.
 *
 * Where `idleTimeout` only notices a silent peer, a heartbeat makes a quiet but live peer
 * speak, so a protocol that may be quiet for long (IMAP between commands) still notices a dead one.
 *
 * Informally: `output$ + (quiet ms without events → send(); timeout ms more without events → error)`.
 *
 * @param events$ - The dialogue's events: what counts as the peer being alive.
 * @param options - {@link HeartbeatOptions}: `quiet`, `send`, and optionally `timeout`.
 * @returns An operator for the dialogue's output.
 * @example
 * ```ts
 * import { filter, map, take } from 'rxjs';
 * import { connect, converse, heartbeat, line, lines, type Dialogue } from 'rxtls';
 *
 * let n = 0;
 * // Log in, then wait for mail; NOOP after 5 quiet minutes, and give up if the server stays mute for 10 s more.
 * const session: Dialogue = (events$) =>
 *   events$.pipe(
 *     filter((e) => e.type === 'line' && e.text.startsWith('* OK')),
 *     take(1),
 *     map(() => line('a1 LOGIN user secret')),
 *     heartbeat(events$, { quiet: 300_000, timeout: 10_000, send: () => line(`hb${++n} NOOP`) }),
 *   );
 * connect({ host: 'imap.example.com', port: 993 }).pipe(lines(), converse(session)).subscribe({
 *   error: (e) => console.error(e.code), // ERR_RXTLS_HEARTBEAT_TIMEOUT when the server went silent
 * });
 * ```
 * @see {@link converse}
 */
export function heartbeat(events$: Observable<TransportEvent>, options: HeartbeatOptions): MonoTypeOperatorFunction<Outbound> {
  const { quiet, timeout, send, scheduler } = resolveHeartbeatOptions(options);
  return (output$) =>
    new Observable<Outbound>((subscriber) => {
      let last = scheduler.now();
      let sentAt: number | undefined; // when the unanswered no-op went out
      let host = '';
      let port = 0;
      let pending = Subscription.EMPTY;
      const wake = (delay: number) => {
        pending = scheduler.schedule(check, delay);
      };
      const check = () => {
        // The no-op went out `timeout` ago, and whatever came back since would have cancelled this check.
        if (sentAt !== undefined) {
          subscriber.error(
            new TransportError(
              'ERR_RXTLS_HEARTBEAT_TIMEOUT',
              host,
              port,
              `nothing came back within ${timeout} ms of the heartbeat's no-op (option timeout of heartbeat())`,
            ),
          );
          return;
        }
        const now = scheduler.now();
        const silent = now - last;
        if (silent < quiet) return wake(quiet - silent);
        sentAt = now;
        const noop = send();
        for (const out of isList(noop) ? noop : [noop]) subscriber.next(out);
        wake(timeout);
      };
      let watched = true;
      let watching = Subscription.EMPTY; // replaced below: events$ may close before subscribe() returns
      const stop = () => {
        watched = false;
        pending.unsubscribe();
        watching.unsubscribe();
      };
      watching = events$.subscribe({
        next: (event) => {
          last = scheduler.now();
          // Stryker disable next-line ConditionalExpression: rescheduling the quiet check at every event sends the no-op at the same time
          if (sentAt !== undefined) {
            // answered: the next quiet period starts now, not when the answer's deadline would have passed
            sentAt = undefined;
            pending.unsubscribe();
            wake(quiet);
          }
          // Stryker disable next-line ConditionalExpression: the only other event with a peer, certFailed, ends the connection
          if (event.type === 'connected' && 'peer' in event) ({ remoteAddress: host, remotePort: port } = event.peer);
          if (event.type === 'closed') stop();
        },
        error: stop,
        complete: stop,
      });
      if (watched) wake(quiet);
      else watching.unsubscribe();
      subscriber.add(stop);
      subscriber.add(output$.subscribe(subscriber));
    });
}

function isList(noop: Outbound | readonly Outbound[]): noop is readonly Outbound[] {
  return Array.isArray(noop);
}

function resolveHeartbeatOptions(options: HeartbeatOptions): Required<HeartbeatOptions> {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options', options, 'must be an object with quiet and send');
  if (!isPositiveInteger(options.quiet))
    throw new InvalidOptionError('quiet', options.quiet, 'is required: a positive integer of milliseconds');
  if (typeof options.send !== 'function')
    throw new InvalidOptionError('send', options.send, "is required: a function returning the protocol's no-op, e.g. () => line('a NOOP')");
  const { scheduler = asyncScheduler } = options;
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function')
    throw new InvalidOptionError('scheduler', scheduler, 'must be an RxJS scheduler');
  return {
    quiet: options.quiet,
    timeout: positiveInteger(options, 'timeout', DEFAULT_HEARTBEAT_TIMEOUT_MS),
    send: options.send,
    scheduler,
  };
}
