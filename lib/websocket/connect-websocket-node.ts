import { defer, of, switchMap, type Observable } from 'rxjs';
import WebSocket from 'ws';
import { DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES } from '../defaults';
import { InvalidOptionError } from '../errors';
import { positiveInteger } from '../util/option-checks';
import type { ConnectedEvent, WebSocketEvent } from '../events';
import type { ConnectOptions } from '../client/connect-options';
import { verifiedSocket } from '../client/verified-socket';
import { resolveWebSocketOptions, type ResolvedWebSocketOptions, type WebSocketOptions } from './websocket-options';
import { unverifiedWebSocket } from './connect-websocket';
import { webSocketEvents, type WebSocketLike } from './websocket-transport';

/**
 * Options of `connectWebSocket` in Node: the WebSocket options, the TLS options of `connect()`
 * that apply to a `wss:` server (verified by `verify`, {@link strict} by default), and the
 * `ws` package's bounds.
 *
 * @example
 * ```ts
 * import { connectWebSocket, pin, type NodeWebSocketOptions } from 'rxtls';
 * const options: NodeWebSocketOptions = { verify: pin('sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='), maxMessageBytes: 65536 };
 * connectWebSocket('wss://gateway.example.com/', options).subscribe(console.log);
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
 * Messages are bounded by `maxMessageBytes`; compression is off (secrets and attacker-chosen
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
    if (target.protocol === 'ws:') return unverifiedWebSocket(resolved, open());
    return verifiedSocket(resolved.tls).pipe(
      switchMap((event) =>
        event.type !== 'verified'
          ? of(event)
          : webSocketEvents(resolved, open({ createConnection: () => event.socket }), (writer, webSocket, reader): ConnectedEvent => ({
              type: 'connected',
              verifiedBy: 'policy',
              peer: event.peer,
              session: event.session,
              writer,
              reader,
              webSocket,
            })),
      ),
    );
  });
}

/** {@link NodeWebSocketOptions} checked: the WebSocket's, the `ws` package's bounds, and the `connect()` options of a `wss:` server. */
export interface ResolvedNodeWebSocketOptions extends ResolvedWebSocketOptions {
  readonly maxMessageBytes: number;
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
  // TCP keepalive on the wss: socket rxtls opens (ws: sockets are the ws package's own).
  'keepAlive',
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
  return { ...resolved, maxMessageBytes, headers, tls };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
