import type { Observable } from 'rxjs';
import type { TransportErrorCode } from '../errors';

/**
 * A server listens.
 *
 * @example
 * ```ts
 * import { listen } from 'rxtls';
 * listen({ credentials: { cert, key } }).subscribe((e) => e.type === 'listening' && console.log(`port ${e.port}`));
 * ```
 */
export interface ListeningEvent {
  /** The server accepts connections. */
  readonly type: 'listening';
  /** Address it listens on. */
  readonly host: string;
  /** Port it listens on (the one picked, for port 0). */
  readonly port: number;
}

/**
 * A client connected: its connection's own events, to subscribe once (unsubscribing destroys it).
 *
 * @example
 * ```ts
 * import { EMPTY, mergeMap } from 'rxjs';
 * import { listen, lines } from 'rxtls';
 * listen({ credentials: { cert, key } }).pipe(mergeMap((e) => (e.type === 'connection' ? e.events.pipe(lines()) : EMPTY)));
 * ```
 */
export interface ConnectionEvent<E> {
  /** A client connected (for `listen`, its handshake finished). */
  readonly type: 'connection';
  /** Where it comes from. */
  readonly remoteAddress: string;
  /** Its port. */
  readonly remotePort: number;
  /**
   * The connection's events, as a client sees its own: `connected` (the client's certificate as
   * `peer` under mutual TLS), `data`, `closed` — or `certFailed` and `closed` for a client
   * certificate the policy rejects. For `listenStartTls`, `plaintext` and plaintext `data` first.
   */
  readonly events: Observable<E>;
}

/**
 * A client was dropped before its handshake finished: timeout, not TLS, no common version, …
 *
 * @example
 * ```ts
 * import { listen } from 'rxtls';
 * listen({ credentials: { cert, key } }).subscribe((e) => e.type === 'clientError' && console.log(`dropped ${e.remoteAddress}: ${e.code}`));
 * ```
 */
export interface ClientErrorEvent {
  /** The discriminant: match on it. */
  readonly type: 'clientError';
  /**
   * The same codes a client's {@link TransportError} carries for the same condition:
   * `ERR_RXTLS_HANDSHAKE_TIMEOUT` (past `handshakeTimeout`), an OpenSSL code such as
   * `ERR_SSL_WRONG_VERSION_NUMBER` or `ERR_SSL_HTTP_REQUEST`, `ECONNRESET`, or
   * `ERR_RXTLS_HANDSHAKE_FAILED` when Node gave none. See {@link TransportErrorCode}.
   */
  readonly code: TransportErrorCode | (string & {});
  /** What happened, for people. */
  readonly message: string;
  /** The client's address, when known. */
  readonly remoteAddress?: string;
  /** The client's port, when known. */
  readonly remotePort?: number;
}
