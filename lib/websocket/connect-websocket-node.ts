import type { Socket } from 'node:net';
import { defer, finalize, of, switchMap, type Observable } from 'rxjs';
import WebSocket from 'ws';
import { DEFAULT_ALLOW_PLAINTEXT, DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES } from '../defaults';
import { InvalidOptionError } from '../errors';
import { booleanOption, positiveInteger } from '../util/option-checks';
import type { ConnectedEvent, WebSocketEvent } from '../events';
import { resolveConnectOptions, type ConnectOptions } from '../client/connect-options';
import { redactProxyUrl } from '../client/dial/proxy-url';
import { verifiedSocket } from '../client/verified-socket';
import { resolveWebSocketOptions, type ResolvedWebSocketOptions, type WebSocketOptions } from './websocket-options';
import { unverifiedWebSocket } from './connect-websocket';
import { webSocketEvents, type WebSocketLike } from './websocket-transport';
import { plainWebSocketSocket } from './plain-websocket-socket';

/**
 * Options of `connectWebSocket` in Node: the WebSocket options, the TLS options of `connect()`
 * that apply to a `wss:` server (verified by `verify`, {@link strict} by default), how the TCP
 * connection is opened as `connect()` opens it (`proxy`, `lookup`, `attemptTimeout`,
 * `keepAlive`), the `session` to resume, and the `ws` package's bounds.
 *
 * `proxy` takes the values of `connect()`'s — `'http://[user:password@]host:port'`,
 * `'socks5://…'`, `'socks5h://…'` or `'env'` (`HTTPS_PROXY`/`ALL_PROXY`, honouring `NO_PROXY`,
 * read only then) — and means the same: TLS runs end to end to the WebSocket server, which is
 * the one verified, named in SNI and pinned; the proxy sees only ciphertext, and its credentials
 * appear in no error or event. `connectTimeout` is one deadline over the name's resolution, every
 * address tried, the proxy hop and the HTTP upgrade (the TLS handshake is bounded by
 * `handshakeTimeout` as well). A `ws:` URL goes through a proxy only with `allowPlaintext: true`,
 * since the proxy would read every byte.
 *
 * @example
 * ```ts
 * import { connectWebSocket, pin, type NodeWebSocketOptions } from 'rxtls';
 * const options: NodeWebSocketOptions = { verify: pin('sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), maxMessageBytes: 65536 };
 * connectWebSocket('wss://gateway.example.com/', options).subscribe(console.log);
 *
 * // Through the corporate proxy, with every address of the name tried, 3 s apart:
 * connectWebSocket('wss://gateway.example.com/', { proxy: 'http://joe:s3cret@proxy.example:3128', attemptTimeout: 3000 }).subscribe(
 *   console.log,
 * );
 * ```
 */
export interface NodeWebSocketOptions
  extends
    WebSocketOptions,
    Pick<
      ConnectOptions,
      | 'servername'
      | 'ca'
      | 'cert'
      | 'key'
      | 'passphrase'
      | 'minVersion'
      | 'maxVersion'
      | 'handshakeTimeout'
      | 'verify'
      | 'tls'
      | 'keepAlive'
      | 'proxy'
      | 'lookup'
      | 'attemptTimeout'
      | 'session'
    > {
  /** Largest message accepted; a bigger one closes the WebSocket with 1009. Default {@link DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
  /** Extra HTTP headers for the upgrade request (browsers cannot send any): `Authorization`, `Origin`, … */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Opens a WebSocket as a cold Observable of the same events as `connect()`, in Node, with the
 * `ws` package. For `wss:` the TLS connection is opened and verified exactly as `connect()`
 * does it — `options.verify`, {@link strict} by default; `certFailed` lists every problem — and
 * only a verified socket carries the HTTP upgrade: no byte, not even the request line and its
 * headers, goes to an unverified server. `connected` then has the `peer`, the `session` and the
 * `webSocket`. `ws:` is accepted only to loopback addresses unless `allowPlaintext` is set.
 * The TCP connection under either is opened as `connect()` opens its own: every address of the
 * name tried (`lookup`, `attemptTimeout`), directly or through `proxy` (see
 * {@link NodeWebSocketOptions}), TCP keepalive on. Messages are bounded by `maxMessageBytes`; compression is off (secrets and attacker-chosen
 * text compressed together leak, as CRIME and BREACH showed). Unsubscribing closes with 1000.
 *
 * With `options.WebSocket` another implementation is used as it is, as in the browser build.
 *
 * @example
 * ```ts
 * import { filter, take } from 'rxjs';
 * import { connectWebSocket, lines } from 'rxtls';
 *
 * connectWebSocket('wss://gateway.example.com/?target=imap.example.com:993')
 *   .pipe(lines(), filter((e) => e.type === 'line'), take(1))
 *   .subscribe((greeting) => console.log(greeting.text));
 * ```
 * @see connect
 */
export function connectWebSocket(url: string | URL, options: NodeWebSocketOptions = {}): Observable<WebSocketEvent> {
  return defer(() => {
    const resolved = resolveNodeWebSocketOptions(url, options);
    const { url: target, protocols, WebSocket: Custom } = resolved;
    if (Custom !== undefined) return unverifiedWebSocket(resolved, () => new Custom(target.href, protocols));
    const wsOptions: WebSocket.ClientOptions = {
      maxPayload: resolved.maxMessageBytes,
      perMessageDeflate: false,
      followRedirects: false,
      ...(resolved.headers && { headers: { ...resolved.headers } }),
    };
    const open =
      (extra: WebSocket.ClientOptions = {}) =>
      () =>
        new WebSocket(target.href, protocols, { ...wsOptions, ...extra }) as unknown as WebSocketLike;
    // One deadline from here: the dialer's (resolution, addresses, proxy hop), then what is left of it for the upgrade.
    const deadline = Date.now() + resolved.limits.connectTimeout;
    const remaining = () => ({ ...resolved, limits: { ...resolved.limits, connectTimeLeft: Math.max(1, deadline - Date.now()) } });
    if (target.protocol === 'ws:') {
      const route = resolveConnectOptions(resolved.tls);
      if (route.proxy && !resolved.allowPlaintext)
        throw new InvalidOptionError(
          'proxy',
          typeof options.proxy === 'string' ? redactProxyUrl(options.proxy) : options.proxy,
          `would carry ws: (not encrypted) through proxy ${route.proxy.shown}, which reads every byte: use wss:, or set allowPlaintext: true`,
        );
      return plainWebSocketSocket(route, target, resolved.allowPlaintext).pipe(
        switchMap((socket) => handedTo(socket, (createConnection) => unverifiedWebSocket(remaining(), open({ createConnection })))),
      );
    }
    return verifiedSocket(resolved.tls).pipe(
      switchMap((event) =>
        event.type !== 'verified'
          ? of(event)
          : handedTo(event.socket, (createConnection) =>
              webSocketEvents(remaining(), open({ createConnection }), (writer, webSocket, reader): ConnectedEvent => ({
                type: 'connected',
                verifiedBy: 'policy',
                peer: event.peer,
                session: event.session,
                writer,
                reader,
                webSocket,
              })),
            ),
      ),
    );
  });
}

/**
 * The WebSocket `run` opens over `socket`, which it takes through the `createConnection` it is
 * given; a socket it never took (a signal aborted meanwhile opens no WebSocket) is destroyed
 * when the WebSocket's Observable ends.
 */
function handedTo<E>(socket: Socket, run: (createConnection: () => Socket) => Observable<E>): Observable<E> {
  let taken = false;
  return run(() => ((taken = true), socket)).pipe(finalize(() => taken || socket.destroy()));
}

/** {@link NodeWebSocketOptions} checked: the WebSocket's, the `ws` package's bounds, and the `connect()` options of a `wss:` server. */
export interface ResolvedNodeWebSocketOptions extends ResolvedWebSocketOptions {
  readonly maxMessageBytes: number;
  /** Whether `ws:` may go beyond loopback, or through a proxy. */
  readonly allowPlaintext: boolean;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** How a `wss:` server is connected to and verified; `connect()`'s resolver checks them when the socket opens. */
  readonly tls: ConnectOptions;
}

/** The TLS options of `connect()` that a `wss:` connection passes on as they are. */
const TLS_OPTIONS = [
  'servername',
  'ca',
  'cert',
  'key',
  'passphrase',
  'minVersion',
  'maxVersion',
  'handshakeTimeout',
  'verify',
  'tls',
  // How the TCP connection is opened, for wss: and ws: alike: TCP keepalive, the proxy, the resolver.
  'keepAlive',
  'proxy',
  'lookup',
  'attemptTimeout',
  // A ticket of an earlier connection (reconnect's attempt.session): a resumed handshake.
  'session',
  // An abort before the TLS handshake finished is the TLS connection's; after it, the WebSocket's.
  'signal',
] as const;

/** Checks the URL and every option once; throws {@link InvalidOptionError} naming the one at fault. */
export function resolveNodeWebSocketOptions(url: string | URL, options: NodeWebSocketOptions): ResolvedNodeWebSocketOptions {
  const resolved = resolveWebSocketOptions(url, options);
  const maxMessageBytes = positiveInteger(options, 'maxMessageBytes', DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES);
  const { headers } = options;
  if (
    headers !== undefined &&
    (headers === null || typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string'))
  )
    throw new InvalidOptionError('headers', headers, 'must be an object of header names to strings');
  const tls: ConnectOptions = {
    host: resolved.host,
    port: resolved.port,
    // WebSocket is an HTTP/1.1 upgrade: never let the server pick h2.
    alpn: ['http/1.1'],
    connectTimeout: resolved.limits.connectTimeout,
    ...pick(options, TLS_OPTIONS),
  };
  const allowPlaintext = booleanOption(options, 'allowPlaintext', DEFAULT_ALLOW_PLAINTEXT);
  return { ...resolved, maxMessageBytes, allowPlaintext, headers, tls };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
