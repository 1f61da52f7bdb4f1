import { Observable, mergeMap, type ObservableInput } from 'rxjs';
import type { CertFailedEvent, ConnectEvent } from '../events';
import { listen, type ClientErrorEvent, type ConnectionEvent, type ListenEvent, type ListeningEvent, type ListenOptions } from './listen';
import { converse, type ConverseOptions, type Dialogue } from '../operators/converse';
import { lines, type LinesOptions } from '../operators/lines';

/**
 * Options of {@link serve}: those of {@link listen}, plus how each connection is framed.
 *
 * @example
 * ```ts
 * import { serve, type ServeOptions } from 'rxtls';
 * const options: ServeOptions = { port: 7000, credentials: { cert, key }, lines: { maxLength: 4096 }, converse: { lineEnding: '\n' } };
 * serve(options, () => []);
 * ```
 */
export interface ServeOptions extends ListenOptions {
  /** Framing for the dialogue; default `lines()` with its defaults. `false` gives the dialogue raw `data`. */
  readonly lines?: LinesOptions | false;
  /** Options of the `converse` that runs the dialogue. */
  readonly converse?: ConverseOptions;
}

/**
 * Under mutual TLS, a client whose certificate failed the policy: the `certFailed` of its
 * connection, with where it came from. It got no byte of data and its dialogue never ran.
 *
 * @example
 * ```ts
 * import { serve } from 'rxtls';
 * serve({ credentials: { cert, key }, requestCert: true, ca: 'clients-ca.pem' }, dialogue).subscribe((e) => {
 *   if (e.type === 'clientRejected') console.log(`refused ${e.remoteAddress}:${e.remotePort} (${e.peer.subject}): ${e.reason}`);
 * });
 * ```
 */
export interface ClientRejectedEvent extends Omit<CertFailedEvent, 'type'> {
  /** The discriminant: match on it. */
  readonly type: 'clientRejected';
  /** Where the client came from. */
  readonly remoteAddress: string;
  /** Its port. */
  readonly remotePort: number;
}

/**
 * A connection that was verified but failed later — its dialogue threw or errored, a line
 * exceeded `lines.maxLength` (`LineTooLongError`), a write exceeded `maxPendingWriteBytes`
 * (`WriteBufferFullError`) — and was destroyed. The server keeps serving.
 *
 * @example
 * ```ts
 * import { serve } from 'rxtls';
 * serve({ credentials: { cert, key } }, dialogue).subscribe((e) => {
 *   if (e.type === 'connectionFailed') console.log(`cut off ${e.remoteAddress}:${e.remotePort}: ${e.error.message}`);
 * });
 * ```
 */
export interface ConnectionFailedEvent {
  /** The discriminant: match on it. */
  readonly type: 'connectionFailed';
  /** Where the client came from. */
  readonly remoteAddress: string;
  /** Its port. */
  readonly remotePort: number;
  /** What ended it. */
  readonly error: Error;
}

/**
 * What {@link serve} emits, and nothing else: `listening`, then, for every client that did not
 * get to talk or was cut off, `clientError` (its handshake failed or timed out),
 * `clientRejected` (its certificate failed the policy) or `connectionFailed` (its dialogue or
 * framing failed). Connections that go well are the dialogue's business and are not reported.
 *
 * @example
 * ```ts
 * import { match } from 'ts-pattern';
 * import { serve } from 'rxtls';
 *
 * serve({ credentials: { cert, key }, requestCert: true, ca: 'clients-ca.pem' }, dialogue).subscribe((e) =>
 *   match(e)
 *     .with({ type: 'listening' }, ({ port }) => console.log(`listening on ${port}`))
 *     .with({ type: 'clientError' }, ({ remoteAddress, code }) => console.log(`dropped ${remoteAddress}: ${code}`))
 *     .with({ type: 'clientRejected' }, ({ remoteAddress, reason }) => console.log(`refused ${remoteAddress}: ${reason}`))
 *     .with({ type: 'connectionFailed' }, ({ remoteAddress, error }) => console.log(`cut off ${remoteAddress}: ${error.message}`))
 *     .exhaustive(),
 * );
 * ```
 */
export type ServeEvent = ListeningEvent | ClientErrorEvent | ClientRejectedEvent | ConnectionFailedEvent;

/**
 * Every event a server emits, {@link listen}'s and {@link serve}'s: for code that handles both,
 * such as a logger. Each function's own return type holds exactly its events
 * ({@link ListenEvent}, {@link ServeEvent}), so `match().exhaustive()` there has no dead arm.
 *
 * @example
 * ```ts
 * import type { ServerEvent } from 'rxtls';
 * const log = (e: ServerEvent) => e.type === 'listening' && console.log(`port ${e.port}`);
 * ```
 */
export type ServerEvent = ListenEvent | ServeEvent;

/**
 * A line server in one call: listens, and runs `dialogue` on every connection over `lines()`.
 * Emits `listening`, and every client that was refused or cut off (see {@link ServeEvent}), so
 * an operator can see and log who did not get through without rebuilding `serve` from
 * `listen`, `lines` and `converse`. A refused client never reaches the dialogue; a connection
 * whose dialogue fails is destroyed and the server keeps serving.
 *
 * Rejections are events in serve's own output, not an `onRejected` callback: a callback would
 * be a second channel beside the Observable, invisible to `match().exhaustive()` and to
 * operators such as `filter` or `scan`.
 *
 * Informally: `subscribe → listening, (clientError | clientRejected | connectionFailed)*`.
 *
 * @param options - {@link ListenOptions}, plus the framing (`lines`) and `converse` options.
 * @param dialogue - What the server says, as a function of each connection's events.
 * @returns The server: subscribe to run it, unsubscribe to stop it (open connections close gracefully).
 * @example
 * ```ts
 * import { map, filter } from 'rxjs';
 * import { serve, line } from 'rxtls';
 *
 * // An echo server: every line comes back.
 * serve({ port: 7000, credentials: { cert, key } }, (events$) =>
 *   events$.pipe(filter((e) => e.type === 'line'), map((e) => line(e.text))),
 * ).subscribe((e) => e.type === 'listening' && console.log(`listening on ${e.port}`));
 * ```
 * @see {@link listen}
 */
export function serve(options: ServeOptions, dialogue: Dialogue): Observable<ServeEvent> {
  const framing = options.lines === false ? undefined : lines(options.lines ?? {});
  const run = (connection: ConnectionEvent<ConnectEvent>) =>
    new Observable<ServeEvent>((reports) => {
      const { remoteAddress, remotePort } = connection;
      const events = framing ? connection.events.pipe(framing) : connection.events;
      // No teardown: a connection outlives serve's subscriber, whose leaving makes listen close it
      // gracefully; reports after that go nowhere.
      events.pipe(converse(dialogue, options.converse)).subscribe({
        next: (event) => {
          if (event.type !== 'certFailed') return;
          const { errors, reason, peer, peerSaw } = event;
          reports.next({ type: 'clientRejected', remoteAddress, remotePort, errors, reason, peer, peerSaw });
        },
        // A connection's failure ends that connection only.
        error: (error: unknown) => {
          reports.next({ type: 'connectionFailed', remoteAddress, remotePort, error: asError(error) });
          reports.complete();
        },
        complete: () => reports.complete(),
      });
    });
  return listen(options).pipe(mergeMap((event): ObservableInput<ServeEvent> => (event.type === 'connection' ? run(event) : [event])));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
