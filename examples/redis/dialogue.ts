/**
 * The Redis conversation as a pure, pipelining dialogue: AUTH first (when there is a password),
 * then the commands, many at once, each reply matched with its command by order — RESP replies
 * come back in the order the commands went out, so a FIFO is all the correlation there is.
 *
 * Bounded: at most `maxInFlight` commands are sent and unanswered at a time. The commands are
 * an `Iterable`, pulled only as replies make room, so 10 000 commands (or an endless generator)
 * never sit encoded in memory at once, and a stalled server costs one window of commands, not a
 * queue that grows. The window refills in batches (when half of it was answered): one write for
 * many commands, which is what makes pipelining fast over TLS.
 */
import { Observable } from 'rxjs';
import type { Outbound, TlsEvent } from '../../lib';
import { encodeCommands, parseReply, RespError, type RespArgument, type RespValue } from './resp';

/** A whole reply, as `frames(respReplies())` delivers it. */
export interface ReplyFrame {
  readonly type: 'frame';
  readonly bytes: Buffer;
}

/** What the dialogue reads. */
export type RedisInbound = TlsEvent | ReplyFrame;

/** A command: its name and arguments. */
export type RedisCommand = readonly RespArgument[];

/** One command and its reply. An error reply (`-ERR`, `-WRONGTYPE`) is a value here, a {@link RespError}. */
export interface RedisReply {
  /** The command's position among the commands (0 for the first after AUTH). */
  readonly index: number;
  readonly command: RedisCommand;
  readonly value: RespValue;
}

/** Why the session could not go on (an error reply to a command is not one of these). */
export class RedisError extends Error {
  override readonly name = 'RedisError';
  constructor(
    /** `AUTH` (the server refused the password) or `CLOSED` (it closed with replies owed). */
    readonly code: 'AUTH' | 'CLOSED',
    message: string,
  ) {
    super(message);
  }
}

export interface RedisSessionOptions {
  /** Sent with AUTH before any command; never echoed in a reply's `command`. */
  readonly password?: string;
  /** For Redis 6 ACL users; AUTH without it authenticates the `default` user. */
  readonly username?: string;
  /** Commands sent and not yet answered, at most. Default {@link DEFAULT_MAX_IN_FLIGHT}. */
  readonly maxInFlight?: number;
}

/**
 * 1024 commands in flight: enough to keep a loopback or LAN round trip full (the bench shows the
 * rate flat from a few hundred up), small enough that a window of GETs is a few tens of KiB.
 */
export const DEFAULT_MAX_IN_FLIGHT = 1024;

/**
 * A dialogue for `converse`, after `frames(respReplies())`: sends `commands` pipelined, gives
 * each {@link RedisReply} to `observer` in order, and completes — which ends the connection
 * gracefully — once every command was answered. Fails with a {@link RedisError} when AUTH is
 * refused or the server closes with replies owed.
 */
export function redisDialogue(
  commands: Iterable<RedisCommand>,
  options: RedisSessionOptions = {},
  observer: (reply: RedisReply) => void = () => undefined,
): (events$: Observable<RedisInbound>) => Observable<Outbound> {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  const refillAt = Math.floor(maxInFlight / 2);
  return (events$) =>
    new Observable<Outbound>((subscriber) => {
      const pending = new Queue<RedisCommand>();
      let iterator: Iterator<RedisCommand> | undefined;
      let exhausted = false;
      let authenticating = false;
      let sent = 0;
      let answered = 0;

      /** Sends commands until the window is full or there are no more; completes when all are answered. */
      const fill = () => {
        const batch: RedisCommand[] = [];
        iterator ??= commands[Symbol.iterator]();
        while (!exhausted && pending.length + batch.length < maxInFlight) {
          const next = iterator.next();
          if (next.done) exhausted = true;
          else batch.push(next.value);
        }
        if (batch.length > 0) {
          for (const command of batch) pending.push(command);
          sent += batch.length;
          subscriber.next(encodeCommands(batch));
        }
        if (exhausted && pending.length === 0) subscriber.complete();
      };

      return events$.subscribe({
        next(event) {
          if (event.type === 'connected') {
            if (options.password === undefined) return fill();
            authenticating = true;
            const auth = options.username === undefined ? ['AUTH', options.password] : ['AUTH', options.username, options.password];
            return subscriber.next(encodeCommands([auth]));
          }
          if (event.type === 'closed') {
            const owed = authenticating ? 1 : pending.length;
            if (owed > 0 || !exhausted)
              subscriber.error(
                new RedisError(
                  'CLOSED',
                  `the server closed the connection with ${owed} replies owed (${sent} commands sent, ${answered} answered)`,
                ),
              );
            return;
          }
          if (event.type !== 'frame') return;
          const value = parseReply(event.bytes);
          if (authenticating) {
            authenticating = false;
            if (value instanceof RespError) return subscriber.error(new RedisError('AUTH', `the server refused AUTH: ${value.message}`));
            return fill();
          }
          // Never undefined: the dialogue completes the moment the last command is answered.
          const command = pending.shift() as RedisCommand;
          observer({ index: answered++, command, value });
          if (pending.length <= refillAt) fill();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** A FIFO whose shift is O(1): an array and a read index, compacted now and then. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
