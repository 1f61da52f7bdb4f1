import type { LookupFunction } from 'node:net';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import type { CaSource } from '../certificates/ca';
import {
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DETECT_TRUNCATION,
  DEFAULT_REQUEST_OCSP,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  DEFAULT_MIN_TLS_VERSION,
} from '../defaults';
import { InvalidOptionError } from '../errors';
import { keylogOption, type Keylog } from '../diagnostics/keylog';
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
import type { VerificationPolicy } from '../policies/policy';
import { currentRuntime, requireRuntimeFeature } from '../util/runtime';
import { signalOption } from '../util/abort-signal';
import { idleTimeoutOption, keepAliveOption } from '../util/liveness-options';
import { isConnectableHost } from './dial/http-connect';
import { proxyFromEnvironment } from './dial/proxy-from-environment';
import { parseProxyUrl, type ProxyEndpoint } from './dial/proxy-url';

/** Options rxtls sets itself; giving them in `tls` is an error that names the option to use instead. */
const CONTROLLED = {
  host: 'host',
  port: 'port',
  servername: 'servername',
  ca: 'ca',
  cert: 'cert',
  key: 'key',
  passphrase: 'passphrase',
  ALPNProtocols: 'alpn',
  session: 'session',
  minVersion: 'minVersion',
  maxVersion: 'maxVersion',
  rejectUnauthorized: 'verify',
  requestOCSP: 'requestOCSP',
  checkServerIdentity: 'verify',
  secureContext: 'ca / cert / key',
  socket: 'host / port / proxy',
  lookup: 'lookup',
  autoSelectFamily: 'attemptTimeout',
  autoSelectFamilyAttemptTimeout: 'attemptTimeout',
} as const;

/**
 * Options of {@link connect}. Only `host` and `port` are required.
 *
 * @example
 * ```ts
 * import { connect, type ConnectOptions } from 'rxtls';
 * const options: ConnectOptions = { host: 'imap.example.com', port: 993, alpn: ['imap'], handshakeTimeout: 5000 };
 * connect(options).subscribe(console.log);
 * ```
 */
export interface ConnectOptions {
  /** Host name or IP address to connect to. */
  readonly host: string;
  /** TCP port, 1–65535. */
  readonly port: number;
  /** Name sent as SNI and checked against the certificate. Default: `host` (no SNI for IP addresses). */
  readonly servername?: string;
  /** Trusted CAs: PEM text or Buffer, a PEM file path, a directory of PEM files, or an array. Default: Node's root store. */
  readonly ca?: CaSource;
  /** Client certificate chain (PEM), for servers that ask for one. */
  readonly cert?: string | Buffer;
  /** Private key of the client certificate (PEM). */
  readonly key?: string | Buffer;
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string;
  /** ALPN protocols to offer, most preferred first, e.g. `['imap']`. */
  readonly alpn?: readonly string[];
  /** Lowest TLS version accepted. Default `'TLSv1.2'`. */
  readonly minVersion?: SecureVersion;
  /** Highest TLS version offered. Default: Node's (TLS 1.3). */
  readonly maxVersion?: SecureVersion;
  /** A session ticket from an earlier connection (`connected.session.ticket()`), to resume it. */
  readonly session?: Buffer;
  /**
   * Milliseconds allowed for the TCP connection to exist: the name's resolution, every address
   * tried, and the proxy hop (reaching the proxy and its tunnel to the target), all within this one
   * deadline. Default 30 000.
   */
  readonly connectTimeout?: number;
  /**
   * With several addresses for `host` (IPv6 and IPv4), milliseconds one attempt may go unanswered
   * before the next address is tried too; the earlier attempt stays alive and the first to connect
   * wins (Happy Eyeballs, RFC 8305). An address that fails starts the next at once. Default
   * 2 000 ({@link DEFAULT_ATTEMPT_TIMEOUT_MS}, which says why not Node's 250).
   */
  readonly attemptTimeout?: number;
  /**
   * The resolver, with the signature of `dns.lookup` (called with `{ all: true }`), for a custom
   * resolver or a test. Every address it answers is tried, families interleaved. With
   * `socks5h://` the proxy resolves the target instead. Default: `dns.lookup`.
   *
   * @example
   * ```ts
   * import { connect } from 'rxtls';
   * import type { LookupFunction } from 'node:net';
   * const lookup: LookupFunction = (_host, _options, callback) =>
   *   (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
   * connect({ host: 'imap.example.com', port: 993, lookup });
   * ```
   */
  readonly lookup?: LookupFunction;
  /**
   * Tunnel the TCP connection through a proxy: `'http://[user:password@]host:port'` (HTTP
   * `CONNECT`), `'socks5h://…'` (SOCKS5, the proxy resolves the target's name), `'socks5://…'`
   * (SOCKS5, rxtls resolves it), or `'env'`: read `https_proxy`/`HTTPS_PROXY`, else
   * `all_proxy`/`ALL_PROXY`, honouring `no_proxy`/`NO_PROXY` (the rules are in
   * docs/connections.md) — the environment is read only then. TLS runs end to end: the proxy
   * sees only ciphertext, and SNI, verification and a pin are about `host`, never the proxy.
   * Credentials (percent-encoded in the URL) never appear in errors or events. Default: none,
   * connect directly.
   */
  readonly proxy?: string;
  /** Milliseconds allowed for the TLS handshake once TCP is connected. Default 10 000. */
  readonly handshakeTimeout?: number;
  /** Most bytes that may be queued for writing. Default 1 MiB. */
  readonly maxPendingWriteBytes?: number;
  /** After `writer.end()`, milliseconds to wait for the peer's close before destroying the socket. Default 3 000. */
  readonly closeTimeout?: number;
  /**
   * Tell a peer's TLS close_notify from a bare TCP close, so that a truncated stream ends with
   * `closed.clean: false` (`ERR_RXTLS_TLS_TRUNCATED`). Node reports both alike; telling them apart puts a
   * JavaScript stream under TLS, which costs throughput (see docs/performance.md). Default false.
   */
  readonly detectTruncation?: boolean;
  /**
   * Ask the server to staple an OCSP response (the status_request extension). `revocation()`
   * checks a stapled response (signature, freshness, status); a stapled "revoked" rejects in
   * every mode. Default false ({@link DEFAULT_REQUEST_OCSP}).
   */
  readonly requestOCSP?: boolean;
  /** The verification policy. Default {@link strict}: trusted chain, validity dates and hostname. */
  readonly verify?: VerificationPolicy;
  /**
   * Record this connection's TLS secrets, for Wireshark: a file path (appended to, created with
   * mode 0600) or a function given each line. Anyone holding them can decrypt the connection, so
   * it is off unless given and warns once on stderr per file; see docs/verification.md. Default: off.
   */
  readonly keylog?: Keylog;
  /**
   * Milliseconds without a received byte before the connection is ended: `closed` with
   * `clean: false`, `by: 'local'` and `ERR_RXTLS_IDLE_TIMEOUT`. What counts is decrypted data
   * from the peer, while this side reads: a reader paused by `handleEach` stops the clock (the
   * peer is then waiting for us), resuming starts it afresh. 0 (the default,
   * `DEFAULT_IDLE_TIMEOUT_MS`): no limit — use it, or `heartbeat()`, for protocols that may be
   * quiet for long. On a STARTTLS connection it counts in the plaintext phase too.
   */
  readonly idleTimeout?: number;
  /**
   * TCP keepalive on the socket: `true` (the default, `DEFAULT_KEEP_ALIVE`) probes a connection
   * quiet for `DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS` (15 s), a number sets that delay in ms (at
   * least 1000: TCP counts whole seconds), `false` turns it off. The probes notice a peer whose
   * host is gone and keep NAT mappings alive; the connection then fails with `ETIMEDOUT` after
   * the system's probe count.
   */
  readonly keepAlive?: boolean | number;
  /**
   * Aborting it tears the connection down as unsubscribing does. Before the connection is
   * established (connecting, handshake) the Observable errors with a `TransportError`
   * `ERR_RXTLS_ABORTED` whose `cause` is `signal.reason`; after it, `closed` comes with
   * `by: 'local'`, `clean: false` and that error. An already aborted signal opens no socket.
   */
  readonly signal?: AbortSignal;
  /** Further `node:tls` connection options (ciphers, ecdhCurve, …), passed through unchanged. */
  readonly tls?: Readonly<Omit<ConnectionOptions, keyof typeof CONTROLLED>>;
}

/** {@link ConnectOptions} checked, with every default filled in. */
export interface ResolvedConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly servername: string;
  readonly ca: CaSource | undefined;
  readonly cert: string | Buffer | undefined;
  readonly key: string | Buffer | undefined;
  readonly passphrase: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion | undefined;
  readonly session: Buffer | undefined;
  readonly connectTimeout: number;
  readonly attemptTimeout: number;
  readonly lookup: LookupFunction | undefined;
  /** The proxy to go through (`'env'` already read), or none. */
  readonly proxy: ProxyEndpoint | undefined;
  readonly handshakeTimeout: number;
  readonly maxPendingWriteBytes: number;
  readonly closeTimeout: number;
  readonly detectTruncation: boolean;
  readonly keylog: Keylog | undefined;
  /** 0: no idle limit. */
  readonly idleTimeout: number;
  /** The keepalive delay in ms, or `false`. */
  readonly keepAlive: number | false;
  readonly signal: AbortSignal | undefined;
  /** Whether the server is asked to staple an OCSP response (also set in `tls`, for node:tls). */
  readonly requestOCSP: boolean;
  readonly tls: Readonly<ConnectionOptions>;
}

/**
 * Checks every option; throws {@link InvalidOptionError} naming the first one at fault. `env` is
 * read for `proxy: 'env'` only.
 */
export function resolveConnectOptions(
  options: ConnectOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedConnectOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options', options, 'must be an object with host and port');
  const host = hostOption(options, 'host');
  const port = portOption(options, 'port', 1);
  const servername = hostOption(options, 'servername', host);
  for (const name of ['cert', 'key'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'string' && !Buffer.isBuffer(value))
      throw new InvalidOptionError(name, value, 'must be PEM text or a Buffer');
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    const missing = options.cert === undefined ? 'cert' : 'key';
    throw new InvalidOptionError(missing, undefined, `is required when ${missing === 'cert' ? 'key' : 'cert'} is given`);
  }
  if (options.passphrase !== undefined && typeof options.passphrase !== 'string')
    throw new InvalidOptionError('passphrase', '(hidden)', 'must be a string');
  const alpn = alpnOption(options, 'alpn');
  const minVersion = oneOfOption(options, 'minVersion', TLS_VERSIONS, DEFAULT_MIN_TLS_VERSION);
  const maxVersion = oneOfOption(options, 'maxVersion', TLS_VERSIONS);
  const detectTruncation = booleanOption(options, 'detectTruncation', DEFAULT_DETECT_TRUNCATION);
  const requestOCSP = booleanOption(options, 'requestOCSP', DEFAULT_REQUEST_OCSP);
  if (options.session !== undefined && !Buffer.isBuffer(options.session))
    throw new InvalidOptionError('session', options.session, 'must be a Buffer from connected.session.ticket()');
  if (options.session !== undefined) requireRuntimeFeature(currentRuntime(), 'sessionResumption', 'connect without the option session');
  const connectTimeout = positiveInteger(options, 'connectTimeout', DEFAULT_CONNECT_TIMEOUT_MS);
  const attemptTimeout = positiveInteger(options, 'attemptTimeout', DEFAULT_ATTEMPT_TIMEOUT_MS);
  if (options.lookup !== undefined && typeof options.lookup !== 'function')
    throw new InvalidOptionError('lookup', options.lookup, "must be a function with dns.lookup's signature");
  const proxy = proxyOption(options, host, port, env);
  const handshakeTimeout = positiveInteger(options, 'handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT_MS);
  const maxPendingWriteBytes = positiveInteger(options, 'maxPendingWriteBytes', DEFAULT_MAX_PENDING_WRITE_BYTES);
  const closeTimeout = positiveInteger(options, 'closeTimeout', DEFAULT_CLOSE_TIMEOUT_MS);
  objectWithMethodOption(options, 'verify', 'check', 'must be a verification policy such as strict()');
  const passthrough = options.tls ?? {};
  if (typeof passthrough !== 'object') throw new InvalidOptionError('tls', passthrough, 'must be an object of node:tls options');
  for (const key of Object.keys(passthrough)) {
    if (key in CONTROLLED) {
      throw new InvalidOptionError(
        `tls.${key}`,
        (passthrough as Record<string, unknown>)[key],
        `is set by rxtls; use the option "${CONTROLLED[key as keyof typeof CONTROLLED]}" instead`,
      );
    }
  }
  // Ciphers of your own replace the security level (as on Node), so they are the way on without one.
  if (passthrough.ciphers === undefined)
    requireRuntimeFeature(
      currentRuntime(),
      'securityLevel',
      "give tls: { ciphers } (e.g. 'DEFAULT') to connect under the runtime's own rules",
    );
  return {
    host,
    port,
    servername,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    passphrase: options.passphrase,
    alpn,
    minVersion,
    maxVersion,
    session: options.session,
    connectTimeout,
    attemptTimeout,
    lookup: options.lookup,
    proxy,
    handshakeTimeout,
    maxPendingWriteBytes,
    closeTimeout,
    detectTruncation,
    keylog: keylogOption(options),
    idleTimeout: idleTimeoutOption(options),
    keepAlive: keepAliveOption(options),
    signal: signalOption(options, 'signal'),
    requestOCSP,
    // Carried in the node:tls options, which the socket is created with.
    // (node:tls takes requestOCSP, though its ConnectionOptions type does not list it.)
    tls: requestOCSP ? ({ ...passthrough, requestOCSP } as ConnectionOptions) : passthrough,
  };
}

/** The proxy of the `proxy` option for `host:port`: parsed, or read from `env` for `'env'`. */
function proxyOption(
  options: ConnectOptions,
  host: string,
  port: number,
  env: Readonly<Record<string, string | undefined>>,
): ProxyEndpoint | undefined {
  if (options.proxy === undefined) return undefined;
  const proxy = options.proxy === 'env' ? proxyFromEnvironment(env, host, port) : parseProxyUrl(options.proxy, 'proxy');
  if (proxy?.protocol === 'http' && !isConnectableHost(host))
    throw new InvalidOptionError(
      'host',
      host,
      'cannot be sent to an HTTP proxy: a CONNECT request takes a DNS name or an IP address only (no spaces, CR/LF or other punctuation)',
    );
  return proxy;
}
