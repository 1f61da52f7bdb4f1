import type { SecureVersion } from 'node:tls';
import type { Observable } from 'rxjs';
import type { CaSource, LoadedCa } from '../certificates/ca';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_LISTEN_PORT,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  DEFAULT_MIN_TLS_VERSION,
  DEFAULT_REQUEST_CERT,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from '../defaults';
import { InvalidOptionError } from '../errors';
import { keylogOption, type Keylog } from '../diagnostics/keylog';
import { strict } from '../policies/strict';
import type { VerificationPolicy } from '../policies/policy';
import {
  alpnOption,
  booleanOption,
  hostOption,
  objectWithMethodOption,
  oneOfOption,
  portOption,
  positiveInteger,
  TLS_VERSIONS,
} from '../util/option-checks';
import { currentRuntime, requireRuntimeFeature } from '../util/runtime';
import { signalOption } from '../util/abort-signal';
import { idleTimeoutOption, keepAliveOption } from '../util/liveness-options';
import { resolveTicketKeyOptions, type ResolvedTicketKeyOptions, type TicketKeyOptions } from './ticket-keys';

/**
 * A server's certificate and key (PEM), and optionally others chosen by SNI server name.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import type { ServerCredentials } from 'rxtls';
 * const credentials: ServerCredentials = {
 *   cert: readFileSync('server.pem'),
 *   key: readFileSync('server.key'),
 *   sni: { 'mail.example.com': { cert: readFileSync('mail.pem'), key: readFileSync('mail.key') } },
 * };
 * ```
 */
export interface ServerCredentials {
  /** Certificate chain (PEM): the leaf, then intermediates. */
  readonly cert: string | Buffer;
  /** Private key (PEM). */
  readonly key: string | Buffer;
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string;
  /** Certificates by server name (SNI); a name not listed, or no SNI, gets `cert`/`key`. */
  readonly sni?: Readonly<Record<string, Pick<ServerCredentials, 'cert' | 'key' | 'passphrase'>>>;
}

/**
 * Options of {@link listen}. Only `credentials` is required.
 *
 * @example
 * ```ts
 * import { listen, strict } from 'rxtls';
 * // mutual TLS: clients need a certificate from our CA
 * listen({ port: 8443, credentials: { cert, key }, requestCert: true, ca: '/etc/rxtls/client-ca.pem', verify: strict() });
 * ```
 */
export interface ListenOptions extends TicketKeyOptions {
  /** Address to listen on. Default `'127.0.0.1'`: reachable from this machine only, until you say otherwise. */
  readonly host?: string;
  /** Port; 0 (the default) picks a free one, reported by the `listening` event. */
  readonly port?: number;
  /**
   * The server's certificate and key — a value, or an Observable of values for hot reload: each
   * emission applies to new handshakes while established connections continue.
   */
  readonly credentials: ServerCredentials | Observable<ServerCredentials>;
  /** Ask clients for a certificate (mutual TLS) and judge it with `verify`. Default false. */
  readonly requestCert?: boolean;
  /** The policy client certificates must pass when `requestCert` is set. Default {@link strict}. */
  readonly verify?: VerificationPolicy;
  /** CAs trusted for client certificates: PEM, a file, a directory, or an array. */
  readonly ca?: CaSource;
  /** Milliseconds a client has to finish its handshake. Default 10 000. */
  readonly handshakeTimeout?: number;
  /** Lowest TLS version accepted. Default `'TLSv1.2'`. */
  readonly minVersion?: SecureVersion;
  /** ALPN protocols the server supports, most preferred first. */
  readonly alpn?: readonly string[];
  /** Bound on queued writes per connection. Default 1 MiB. */
  readonly maxPendingWriteBytes?: number;
  /** After a connection's `writer.end()`, how long its peer has to close. Default 3 000 ms. */
  readonly closeTimeout?: number;
  /** When the subscriber leaves: how long open connections have to close gracefully before they are destroyed. Default 3 000 ms. */
  readonly shutdownTimeout?: number;
  /**
   * Record the TLS secrets of every connection, for Wireshark: a file path (appended to, created
   * with mode 0600, open while the server runs) or a function given each line. Anyone holding them
   * can decrypt the connections, so it is off unless given and warns once on stderr per file.
   * Default: off.
   */
  readonly keylog?: Keylog;
  /**
   * Milliseconds a connection may go without receiving a byte (while it is read: a reader paused
   * by `handleEach` stops the clock) before it is ended with `closed.clean: false` and
   * `ERR_RXTLS_IDLE_TIMEOUT`. On `listenStartTls` it counts in the plaintext phase too. 0 (the
   * default, `DEFAULT_IDLE_TIMEOUT_MS`): no limit.
   */
  readonly idleTimeout?: number;
  /**
   * TCP keepalive on every accepted socket, set as it is accepted: `true` (the default) after
   * `DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS` (15 s) of quiet, a number of ms (at least 1000), or `false`.
   * It lets the server notice clients whose host vanished.
   */
  readonly keepAlive?: boolean | number;
  /**
   * Aborting it stops the server as unsubscribing does — no new connections, the open ones
   * ended gracefully within `shutdownTimeout` — and the server's Observable completes. A signal
   * already aborted when it is subscribed listens on nothing: the Observable errors with
   * `ERR_RXTLS_ABORTED` (`cause`: the reason).
   */
  readonly signal?: AbortSignal;
}

/** {@link ListenOptions} checked, with defaults filled in. */
export interface ResolvedListenOptions extends ResolvedTicketKeyOptions {
  readonly host: string;
  readonly port: number;
  readonly requestCert: boolean;
  readonly policy: VerificationPolicy;
  readonly ca: CaSource | undefined;
  readonly trusted: LoadedCa | undefined;
  readonly handshakeTimeout: number;
  readonly minVersion: SecureVersion;
  readonly alpn: readonly string[] | undefined;
  readonly maxPendingWriteBytes: number;
  readonly closeTimeout: number;
  readonly shutdownTimeout: number;
  readonly keylog: Keylog | undefined;
  readonly idleTimeout: number;
  readonly keepAlive: number | false;
  readonly signal: AbortSignal | undefined;
}

/** Checks every option with the same rules as `connect()`'s; throws {@link InvalidOptionError} naming the first one at fault. */
export function resolveListenOptions(options: ListenOptions): ResolvedListenOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options', options, 'must be an object with credentials');
  if (options.credentials === undefined || options.credentials === null)
    throw new InvalidOptionError('credentials', options.credentials, 'is required: { cert, key } or an Observable of them');
  // Every server context is built at rxtls's security level.
  requireRuntimeFeature(currentRuntime(), 'securityLevel', 'a server has no way on without it yet');
  objectWithMethodOption(options, 'verify', 'check', 'must be a verification policy such as strict()');
  return {
    host: hostOption(options, 'host', DEFAULT_LISTEN_HOST),
    port: portOption(options, 'port', 0, DEFAULT_LISTEN_PORT),
    requestCert: booleanOption(options, 'requestCert', DEFAULT_REQUEST_CERT),
    policy: options.verify ?? strict(),
    ca: options.ca ?? options.verify?.trust,
    trusted: undefined,
    handshakeTimeout: positiveInteger(options, 'handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT_MS),
    minVersion: oneOfOption(options, 'minVersion', TLS_VERSIONS, DEFAULT_MIN_TLS_VERSION),
    alpn: alpnOption(options, 'alpn'),
    maxPendingWriteBytes: positiveInteger(options, 'maxPendingWriteBytes', DEFAULT_MAX_PENDING_WRITE_BYTES),
    closeTimeout: positiveInteger(options, 'closeTimeout', DEFAULT_CLOSE_TIMEOUT_MS),
    shutdownTimeout: positiveInteger(options, 'shutdownTimeout', DEFAULT_SHUTDOWN_TIMEOUT_MS),
    keylog: keylogOption(options),
    idleTimeout: idleTimeoutOption(options),
    keepAlive: keepAliveOption(options),
    signal: signalOption(options, 'signal'),
    ...resolveTicketKeyOptions(options),
  };
}
