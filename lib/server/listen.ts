import type { Socket } from 'node:net';
import {
  createServer,
  createSecureContext,
  type SecureContext,
  type SecureVersion,
  type Server,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import { Observable, concatMap, from, type Subscriber, type Subscription } from 'rxjs';
import { loadCa, type CaSource, type LoadedCa } from '../certificates/ca';
import { defaultTrustAnchors, findProblems } from '../certificates/certificate-checks';
import { certError, opensslVerdict } from '../certificates/cert-errors';
import {
  DEFAULT_CIPHERS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  DEFAULT_MIN_TLS_VERSION,
} from '../defaults';
import { InvalidOptionError, TransportError } from '../errors';
import { isObservableLike } from '../util/observable-shape';
import type { CertError, RawTlsEvent, TlsEvent, ConnectEvent } from '../events';
import { verify } from '../operators/verify';
import { clientPeer, peerChain, sessionInfo } from '../certificates/peer-info';
import { strict } from '../policies/strict';
import type { VerificationPolicy } from '../policies/policy';
import { currentRuntime, requireRuntimeFeature } from '../util/runtime';
import { establishedConnection, type EstablishedLimits } from '../transport/established-connection';

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
export interface ListenOptions {
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
}

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
   * certificate the policy rejects. For `listenPlain`, `plaintext` and plaintext `data` first.
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
  /** `ERR_TLS_HANDSHAKE_TIMEOUT`, an OpenSSL code such as `ERR_SSL_WRONG_VERSION_NUMBER`, or `ECONNRESET`. */
  readonly code: string;
  /** What happened, for people. */
  readonly message: string;
  /** The client's address, when known. */
  readonly remoteAddress?: string;
  /** The client's port, when known. */
  readonly remotePort?: number;
}

/**
 * What {@link listen} emits, and nothing else.
 *
 * @example
 * ```ts
 * import { listen } from 'rxtls';
 * listen({ credentials: { cert, key } }).subscribe((e) => {
 *   if (e.type === 'listening') console.log(`port ${e.port}`);
 *   if (e.type === 'clientError') console.log(`dropped ${e.remoteAddress}: ${e.code}`);
 * });
 * ```
 */
export type ListenEvent = ListeningEvent | ConnectionEvent<ConnectEvent> | ClientErrorEvent;

/**
 * A TLS server as a cold Observable: subscribing listens, each client that finishes its
 * handshake is a `connection` event carrying that connection's own events, and unsubscribing
 * stops accepting and closes the open connections gracefully (bounded by `shutdownTimeout`),
 * leaving no handle. Under mutual TLS (`requestCert`), client certificates are judged by the
 * same policies as on the client side, and a rejected client gets `certFailed` and no data.
 *
 * Informally: `subscribe → listening, (connection | clientError)*`.
 *
 * @example
 * ```ts
 * import { EMPTY, mergeMap } from 'rxjs';
 * import { listen, lines, converse } from 'rxtls';
 *
 * listen({ port: 7000, credentials: { cert, key } })
 *   .pipe(mergeMap((e) => (e.type === 'connection' ? e.events.pipe(lines(), converse(echo)) : EMPTY)))
 *   .subscribe();
 * ```
 * @see serve
 */
export function listen(options: ListenOptions): Observable<ListenEvent> {
  return new Observable<ListenEvent>((subscriber) => {
    let server: Server | undefined;
    let stopped = false;
    const sockets = new Set<TLSSocket>();
    let resolved: ResolvedListenOptions;
    try {
      resolved = resolveListenOptions(options);
    } catch (error) {
      subscriber.error(error);
      return;
    }
    const contexts = { byName: new Map<string, SecureContext>() };

    const apply = (credentials: ServerCredentials) => {
      // Each emission builds the contexts new handshakes get; established connections keep theirs.
      const { main, byName } = serverContexts(credentials, resolved);
      contexts.byName = byName;
      if (server) server.setSecureContext(main);
      return main;
    };

    const start = (credentials: ServerCredentials) => {
      const main = apply(credentials);
      server = createServer({
        ...main,
        requestCert: resolved.requestCert,
        rejectUnauthorized: false, // the policy judges client certificates, reporting every problem
        handshakeTimeout: resolved.handshakeTimeout,
        ...(resolved.alpn && { ALPNProtocols: [...resolved.alpn] }),
        SNICallback: (servername, callback) => callback(null, contexts.byName.get(servername.toLowerCase())),
      });
      server.on('secureConnection', (socket: TLSSocket) => {
        if (stopped) return void socket.destroy();
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        subscriber.next({
          type: 'connection',
          remoteAddress: socket.remoteAddress ?? '',
          remotePort: socket.remotePort ?? 0,
          events: serverConnection(socket, resolved),
        });
      });
      server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
        const { remoteAddress, remotePort } = socket;
        socket.destroy();
        subscriber.next({
          type: 'clientError',
          code: error.code ?? 'ERR_TLS',
          message: error.message,
          ...(remoteAddress && { remoteAddress }),
          ...(remotePort && { remotePort }),
        });
      });
      server.on('error', (error: NodeJS.ErrnoException) => {
        subscriber.error(
          new TransportError(error.code ?? 'ERR_LISTEN', resolved.host, resolved.port, `cannot listen: ${error.message}`, { cause: error }),
        );
      });
      server.listen(resolved.port, resolved.host, () => {
        const address = server?.address();
        const port = typeof address === 'object' && address ? address.port : resolved.port;
        subscriber.next({ type: 'listening', host: resolved.host, port });
      });
    };

    const credentialsSubscription = followCredentials(options, resolved, subscriber, (credentials, withCa) => {
      resolved = withCa;
      if (server) apply(credentials);
      else start(credentials);
    });

    return () => {
      stopped = true;
      credentialsSubscription.unsubscribe();
      server?.close();
      closeGracefully(sockets, resolved.shutdownTimeout);
    };
  });
}

/**
 * Follows a server's credentials — a value, or each emission of an Observable — handing each to
 * `use` once the CAs for client certificates are loaded, with the options to apply them with.
 * Credentials OpenSSL cannot use fail the server with an InvalidOptionError.
 */
export function followCredentials(
  options: ListenOptions,
  resolved: ResolvedListenOptions,
  subscriber: Subscriber<unknown>,
  use: (credentials: ServerCredentials, resolved: ResolvedListenOptions) => void,
): Subscription {
  const { credentials } = options;
  // By shape: credentials may come from another copy of RxJS than ours.
  const credentials$ = isObservableLike<ServerCredentials>(credentials) ? from(credentials) : from([credentials as ServerCredentials]);
  const trusted = resolved.ca === undefined ? Promise.resolve(undefined) : loadCa(resolved.ca);
  return credentials$.pipe(concatMap((credentials) => trusted.then((loaded) => ({ credentials, loaded })))).subscribe({
    next: ({ credentials, loaded }) => {
      try {
        use(credentials, { ...resolved, trusted: loaded });
      } catch (error) {
        subscriber.error(
          new InvalidOptionError('credentials', '(hidden)', `cannot be used: ${(error as Error).message}`, { cause: error }),
        );
      }
    },
    error: (error: unknown) => subscriber.error(error),
  });
}

/** The options of a server's default context, and a context per SNI name, for these credentials. */
export function serverContexts(
  credentials: ServerCredentials,
  options: ResolvedListenOptions,
): { main: TlsOptions; byName: Map<string, SecureContext> } {
  const base = { minVersion: options.minVersion, ciphers: DEFAULT_CIPHERS, ...(options.trusted && { ca: [...options.trusted.pems] }) };
  const byName = new Map<string, SecureContext>();
  for (const [name, named] of Object.entries(credentials.sni ?? {}))
    byName.set(name.toLowerCase(), createSecureContext({ ...base, ...named }));
  const main: TlsOptions = {
    ...base,
    cert: credentials.cert,
    key: credentials.key,
    ...(credentials.passphrase !== undefined && { passphrase: credentials.passphrase }),
  };
  return { main, byName };
}

/** Ends every socket (close_notify first, for TLS ones) and destroys those still open after `timeout`. */
export function closeGracefully(sockets: Iterable<Socket>, timeout: number): void {
  for (const socket of sockets) {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), timeout);
    socket.once('close', () => clearTimeout(timer));
  }
}

/** {@link ListenOptions} checked, with defaults filled in. */
export interface ResolvedListenOptions {
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
}

export function resolveListenOptions(options: ListenOptions): ResolvedListenOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options', options, 'must be an object with credentials');
  if (options.credentials === undefined || options.credentials === null)
    throw new InvalidOptionError('credentials', options.credentials, 'is required: { cert, key } or an Observable of them');
  // Every server context is built at rxtls's security level.
  requireRuntimeFeature(currentRuntime(), 'securityLevel', 'a server has no way on without it yet');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError('port', port, 'must be an integer from 0 to 65535');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new InvalidOptionError('host', host, 'must be a non-empty string');
  const positive = (name: 'handshakeTimeout' | 'maxPendingWriteBytes' | 'closeTimeout' | 'shutdownTimeout', fallback: number) => {
    const value = options[name] ?? fallback;
    if (!Number.isInteger(value) || value <= 0) throw new InvalidOptionError(name, value, 'must be a positive integer');
    return value;
  };
  return {
    host,
    port,
    requestCert: options.requestCert === true,
    policy: options.verify ?? strict(),
    ca: options.ca ?? options.verify?.trust,
    trusted: undefined,
    handshakeTimeout: positive('handshakeTimeout', DEFAULT_HANDSHAKE_TIMEOUT_MS),
    minVersion: options.minVersion ?? DEFAULT_MIN_TLS_VERSION,
    alpn: options.alpn,
    maxPendingWriteBytes: positive('maxPendingWriteBytes', DEFAULT_MAX_PENDING_WRITE_BYTES),
    closeTimeout: positive('closeTimeout', DEFAULT_CLOSE_TIMEOUT_MS),
    shutdownTimeout: positive('shutdownTimeout', DEFAULT_CLOSE_TIMEOUT_MS),
  };
}

/** The limits of one server-side connection, named after its peer. */
export function serverLimits(socket: Socket, options: ResolvedListenOptions): EstablishedLimits {
  return {
    maxPendingWriteBytes: options.maxPendingWriteBytes,
    closeTimeout: options.closeTimeout,
    host: socket.remoteAddress ?? '',
    port: socket.remotePort ?? 0,
  };
}

/** One accepted connection: judged by the policy under mutual TLS, otherwise accepted as it is. */
export function serverConnection(socket: TLSSocket, options: ResolvedListenOptions): Observable<ConnectEvent> {
  const raw = new Observable<RawTlsEvent>((subscriber) => {
    const connection = establishedConnection(socket, subscriber, serverLimits(socket, options));
    const chain = peerChain(socket);
    const problems: CertError[] = [];
    if (options.requestCert) {
      if (chain.length === 0) problems.push(certError('NO_PEER_CERTIFICATE', 'the client presented no certificate'));
      else {
        const anchors = () => options.trusted?.certificates ?? defaultTrustAnchors();
        problems.push(...findProblems(chain, opensslVerdict(socket), undefined, anchors));
      }
    }
    subscriber.next({
      type: 'handshake',
      peer: clientPeer(socket),
      session: sessionInfo(socket, () => undefined),
      problems,
      accept: () => connection.accept(),
      role: 'server',
    });
    return () => socket.destroy();
  });
  const policy = options.requestCert ? options.policy : ACCEPT_ANONYMOUS;
  // A verdict within the run of JavaScript the handshake finished in closes the socket before our
  // last handshake message leaves; after it, the message may be out. A late subscriber's peer is
  // judged as by an asynchronous policy, so that certFailed.peerSaw does not claim a failed handshake.
  let handshakeRun = true;
  queueMicrotask(() => (handshakeRun = false));
  const asynchronous: VerificationPolicy = { ...policy, check: async (facts) => policy.check(facts) };
  return new Observable((subscriber) => raw.pipe(verify(handshakeRun ? policy : asynchronous)).subscribe(subscriber));
}

/** Without mutual TLS there is no client certificate to judge. */
const ACCEPT_ANONYMOUS: VerificationPolicy = { name: 'no client certificate requested', check: () => [] };
