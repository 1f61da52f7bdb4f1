import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_GATEWAY_MAX_CONNECTIONS,
  DEFAULT_GATEWAY_PATH,
  DEFAULT_LISTEN_HOST,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES,
} from '../defaults';
import { InvalidOptionError } from '../errors';
import { resolveTicketKeyOptions, type ResolvedTicketKeyOptions, type TicketKeyOptions } from '../server/ticket-keys';
import { formatHostPort, parseTarget } from '../util/host-port';
import { hostOption, isHost, isPort, portOption, positiveInteger, stringArrayOption } from '../util/option-checks';
import type { ConnectOptions } from '../client/connect-options';
import { currentRuntime, requireRuntimeFeature } from '../util/runtime';
import { signalOption } from '../util/abort-signal';
import { idleTimeoutOption, keepAliveOption } from '../util/liveness-options';

/**
 * One TLS service a gateway may reach.
 *
 * @example
 * ```ts
 * import { gateway, type GatewayTarget } from 'rxtls';
 * const imap: GatewayTarget = { host: '10.0.0.5', port: 993, servername: 'imap.example.com' };
 * gateway({ port: 8143, targets: [imap] }).subscribe(console.log);
 * ```
 */
export interface GatewayTarget {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Name to verify the certificate against (and send as SNI); `host` by default. */
  readonly servername?: string;
}

/**
 * Options of {@link gateway}.
 *
 * @example
 * ```ts
 * import { gateway, type GatewayOptions } from 'rxtls';
 * const options: GatewayOptions = {
 *   port: 8143,
 *   targets: ['imap.example.com:993'],
 *   origins: ['https://mail.example.com'],
 * };
 * gateway(options).subscribe(console.log);
 * ```
 */
export interface GatewayOptions extends TicketKeyOptions {
  /** Address to listen on: {@link DEFAULT_LISTEN_HOST} (`127.0.0.1`) by default. */
  readonly host?: string;
  /** Port to listen on, 0–65535; 0 picks a free one (the `listening` event tells which). */
  readonly port: number;
  /**
   * The allow-list: the only TLS services clients may reach, as `host:port` or {@link GatewayTarget}.
   * A client picks one with `?target=host:port`; without it, it gets the first. Anything else is
   * refused with HTTP 403: a gateway is never an open relay.
   */
  readonly targets: readonly (string | GatewayTarget)[];
  /**
   * Web origins allowed to connect, e.g. `https://mail.example.com`. A request with any other
   * `Origin` header is refused with 403, so a page on another site cannot use the gateway with
   * the visitor's network position (cross-site WebSocket hijacking). Requests without `Origin`
   * (programs, not browsers) are allowed. Empty by default: no browser page may connect.
   */
  readonly origins?: readonly string[];
  /** URL path the gateway answers on: {@link DEFAULT_GATEWAY_PATH} (`/`) by default; other paths get 404. */
  readonly path?: string;
  /**
   * How every target is connected to and verified: `ca`, `verify` (default `strict()`), client
   * `cert`/`key`, timeouts… `detectTruncation` is on by default here, so that a target that
   * closes without close_notify reaches the client as 1014, not as an orderly 1000.
   */
  readonly upstream?: Omit<ConnectOptions, 'host' | 'port' | 'servername' | 'session' | 'idleTimeout' | 'signal'>;
  /** Serve `wss:` with this certificate and key instead of `ws:` (which should then listen on loopback only). */
  readonly credentials?: {
    /** Certificate chain, PEM. */
    readonly cert: string | Buffer;
    /** Private key, PEM. */
    readonly key: string | Buffer;
  };
  /** Most clients bridged at once, counting those still connecting. Default {@link DEFAULT_GATEWAY_MAX_CONNECTIONS}; one more gets 503. */
  readonly maxConnections?: number;
  /** Largest WebSocket message accepted from a client. Default {@link DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
  /**
   * Most bytes buffered towards a slow client before the gateway stops reading from the TLS
   * service (and resumes once they are sent). Default {@link DEFAULT_MAX_PENDING_WRITE_BYTES}.
   */
  readonly maxBufferedBytes?: number;
  /** How long a closing side has to finish its close before it is destroyed, in ms. Default {@link DEFAULT_CLOSE_TIMEOUT_MS}. */
  readonly closeTimeout?: number;
  /**
   * Milliseconds a bridge may go with no byte crossing it either way (a relay's "tunnel
   * timeout", as HAProxy's `timeout tunnel`) before the gateway closes it: 1001 to the client,
   * close_notify to the target, and `bridgeClosed` with `closedBy: 'gateway'` and
   * `ERR_RXTLS_IDLE_TIMEOUT`. The clock stops while back-pressure holds either side. 0 (the
   * default, `DEFAULT_IDLE_TIMEOUT_MS`): no limit. (`upstream` takes no idleTimeout: the bridge's is the one.)
   */
  readonly idleTimeout?: number;
  /**
   * TCP keepalive on the sockets of WebSocket clients, set as they are accepted: `true` (the
   * default) after 15 s of quiet, a number of ms (at least 1000), or `false`. The targets' sockets
   * take `upstream.keepAlive` (on by default too).
   */
  readonly keepAlive?: boolean | number;
  /**
   * Aborting it stops the gateway as unsubscribing does (connecting targets dropped, every
   * bridge closed with 1001 and close_notify) and the gateway's Observable completes. A signal
   * already aborted listens on nothing: the Observable errors with `ERR_RXTLS_ABORTED`.
   */
  readonly signal?: AbortSignal;
}

/** Checked gateway options. */
export interface ResolvedGatewayOptions extends ResolvedTicketKeyOptions {
  readonly host: string;
  readonly port: number;
  readonly targets: ReadonlyMap<string, GatewayTarget>;
  readonly defaultTarget: string;
  readonly origins: ReadonlySet<string>;
  readonly path: string;
  readonly upstream: NonNullable<GatewayOptions['upstream']>;
  readonly credentials: GatewayOptions['credentials'];
  readonly maxConnections: number;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly closeTimeout: number;
  readonly idleTimeout: number;
  readonly keepAlive: number | false;
  readonly signal: AbortSignal | undefined;
}

/** `host:port`, with IPv6 addresses in brackets: the key of the allow-list. */
export function targetKey(target: GatewayTarget): string {
  return formatHostPort(target.host.toLowerCase(), target.port);
}

/** Parses `host:port` or `[v6]:port` (the command line's parser); undefined when it is not one. */
export function parseHostPort(text: string): GatewayTarget | undefined {
  try {
    return parseTarget(text);
  } catch {
    return undefined;
  }
}

/** A target the same rules as `connect()`'s host, port and servername accept. */
function isGatewayTarget(target: GatewayTarget | null | undefined): target is GatewayTarget {
  return (
    typeof target === 'object' &&
    target !== null &&
    isHost(target.host) &&
    isPort(target.port, 1) &&
    (target.servername === undefined || isHost(target.servername))
  );
}

/** Checks every option; throws {@link InvalidOptionError} naming the first at fault. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options', options, 'must be an object with port and targets');
  const host = hostOption(options, 'host', DEFAULT_LISTEN_HOST);
  const port = portOption(options, 'port', 0);
  if (!Array.isArray(options.targets) || options.targets.length === 0)
    throw new InvalidOptionError('targets', options.targets, 'must list at least one host:port the gateway may reach (the allow-list)');
  const entries: readonly (string | GatewayTarget)[] = options.targets;
  const targets = new Map<string, GatewayTarget>();
  for (const entry of entries) {
    const target = typeof entry === 'string' ? parseHostPort(entry) : entry;
    if (!isGatewayTarget(target)) throw new InvalidOptionError('targets', entry, 'must be host:port strings or { host, port } objects');
    targets.set(targetKey(target), target);
  }
  const origins =
    stringArrayOption(
      options,
      'origins',
      (o) => /^https?:\/\/[^/]+$/.test(o),
      'must be origins such as https://mail.example.com (scheme, host and port; no path)',
    ) ?? [];
  const path = options.path ?? DEFAULT_GATEWAY_PATH;
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidOptionError('path', path, 'must start with /');
  const credentials = options.credentials;
  if (credentials !== undefined && (typeof credentials !== 'object' || credentials.cert === undefined || credentials.key === undefined))
    throw new InvalidOptionError('credentials', credentials, 'must be { cert, key }');
  // Serving wss: builds a TLS context at rxtls's security level.
  if (credentials !== undefined) requireRuntimeFeature(currentRuntime(), 'securityLevel', 'serve ws: on loopback instead');
  const tickets = resolveTicketKeyOptions(options);
  if (tickets.ticketKeys !== undefined && credentials === undefined)
    throw new InvalidOptionError('ticketKeys', '(hidden)', 'needs credentials: a ws: gateway has no TLS sessions to resume');
  const upstream = options.upstream ?? {};
  for (const name of ['idleTimeout', 'signal'] as const) {
    const value: unknown = (upstream as Record<string, unknown>)[name];
    if (value !== undefined) throw new InvalidOptionError(`upstream.${name}`, value, `is the gateway's own: use the option ${name}`);
  }
  return {
    host,
    port,
    targets,
    defaultTarget: targets.keys().next().value as string,
    origins: new Set(origins.map((o) => o.toLowerCase())),
    path,
    upstream,
    credentials,
    maxConnections: positiveInteger(options, 'maxConnections', DEFAULT_GATEWAY_MAX_CONNECTIONS),
    maxMessageBytes: positiveInteger(options, 'maxMessageBytes', DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES),
    maxBufferedBytes: positiveInteger(options, 'maxBufferedBytes', DEFAULT_MAX_PENDING_WRITE_BYTES),
    closeTimeout: positiveInteger(options, 'closeTimeout', DEFAULT_CLOSE_TIMEOUT_MS),
    idleTimeout: idleTimeoutOption(options),
    keepAlive: keepAliveOption(options),
    signal: signalOption(options, 'signal'),
    ...tickets,
  };
}
