import {
  DEFAULT_ALLOW_PLAINTEXT,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  DEFAULT_WEBSOCKET_HIGH_WATER_BYTES,
  DEFAULT_WS_PORT,
  DEFAULT_WSS_PORT,
} from '../defaults';
import { InvalidOptionError } from '../errors';
import { booleanOption, positiveInteger, stringArrayOption } from '../util/option-checks';
import type { WebSocketConstructor, WebSocketLimits } from './websocket-like';
import { signalOption } from '../util/abort-signal';
import { idleTimeoutOption } from '../util/liveness-options';

/**
 * Options of `connectWebSocket`, in the browser and in Node.
 *
 * @example
 * ```ts
 * import { connectWebSocket, type WebSocketOptions } from 'rxtls/browser';
 * const options: WebSocketOptions = { protocols: ['imap'], connectTimeout: 5000 };
 * connectWebSocket('wss://gateway.example.com/', options).subscribe(console.log);
 * ```
 */
export interface WebSocketOptions {
  /** Subprotocols to offer (`Sec-WebSocket-Protocol`). */
  readonly protocols?: string | readonly string[];
  /** The WebSocket implementation: the platform's global `WebSocket` by default (in Node, the `ws` package). */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Allow a `ws:` (unencrypted) URL to a host that is not a loopback address. Off by default:
   * `ws:` is accepted only to 127.0.0.0/8, `::1` and `localhost`.
   */
  readonly allowPlaintext?: boolean;
  /** Time allowed for the WebSocket to open, TCP, TLS and HTTP upgrade together, in ms. Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeout?: number;
  /** After `end()` (close code 1000), how long to wait for the server's close, in ms. Default {@link DEFAULT_CLOSE_TIMEOUT_MS}. */
  readonly closeTimeout?: number;
  /** Most bytes `bufferedAmount` may hold before `write()` throws `WriteBufferFullError`. Default {@link DEFAULT_MAX_PENDING_WRITE_BYTES}. */
  readonly maxPendingWriteBytes?: number;
  /** `write()` returns `false` from this many buffered bytes on. Default {@link DEFAULT_WEBSOCKET_HIGH_WATER_BYTES}. */
  readonly highWaterBytes?: number;
  /**
   * Milliseconds without a message from the server, while this side reads (a reader paused by
   * `handleEach` stops the clock), before the WebSocket is closed and `closed` comes with
   * `by: 'local'`, `clean: false` and `ERR_RXTLS_IDLE_TIMEOUT`. WebSocket pings are not messages
   * and do not count. 0 (the default, `DEFAULT_IDLE_TIMEOUT_MS`): no limit.
   */
  readonly idleTimeout?: number;
  /**
   * Aborting it closes the WebSocket as unsubscribing does (code 1000). Before it opened the
   * Observable errors with `ERR_RXTLS_ABORTED` (`cause`: `signal.reason`); after, `closed` comes
   * with `by: 'local'`, `clean: false` and that error. An aborted signal opens nothing.
   */
  readonly signal?: AbortSignal;
}

/** A checked WebSocket target. */
export interface ResolvedWebSocketOptions {
  readonly url: URL;
  /** The URL's host, without IPv6 brackets: what TCP connects to and errors name. */
  readonly host: string;
  /** The URL's port, or the scheme's (80, 443). */
  readonly port: number;
  readonly protocols: string[];
  /** The implementation the caller gave, checked; undefined for the platform's (or, in Node, the `ws` package). */
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly limits: WebSocketLimits;
  readonly signal: AbortSignal | undefined;
}

/** Checks the URL and the options; throws {@link InvalidOptionError} naming the one at fault. */
export function resolveWebSocketOptions(url: string | URL, options: WebSocketOptions): ResolvedWebSocketOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'must be an object');
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InvalidOptionError('url', url, 'must be an absolute ws: or wss: URL');
  }
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') throw new InvalidOptionError('url', url, 'must use ws: or wss:');
  if (target.hash !== '') throw new InvalidOptionError('url', url, 'must not have a fragment (#…)');
  const allowPlaintext = booleanOption(options, 'allowPlaintext', DEFAULT_ALLOW_PLAINTEXT);
  if (target.protocol === 'ws:' && !isLoopback(target.hostname) && !allowPlaintext)
    throw new InvalidOptionError(
      'url',
      url,
      'is ws: (not encrypted) to a host that is not loopback: use wss:, or set allowPlaintext: true',
    );
  const offered = typeof options.protocols === 'string' ? [options.protocols] : options.protocols;
  const protocols = stringArrayOption(
    { protocols: offered },
    'protocols',
    (p) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p),
    'must be subprotocol names (HTTP tokens)',
  );
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function')
    throw new InvalidOptionError('WebSocket', options.WebSocket, 'must be a WebSocket constructor');
  return {
    url: target,
    host: target.hostname.replace(/^\[|\]$/g, ''),
    port: Number(target.port) || (target.protocol === 'wss:' ? DEFAULT_WSS_PORT : DEFAULT_WS_PORT),
    protocols: [...(protocols ?? [])],
    WebSocket: options.WebSocket,
    limits: {
      connectTimeout: positiveInteger(options, 'connectTimeout', DEFAULT_CONNECT_TIMEOUT_MS),
      closeTimeout: positiveInteger(options, 'closeTimeout', DEFAULT_CLOSE_TIMEOUT_MS),
      maxPendingWriteBytes: positiveInteger(options, 'maxPendingWriteBytes', DEFAULT_MAX_PENDING_WRITE_BYTES),
      highWaterBytes: positiveInteger(options, 'highWaterBytes', DEFAULT_WEBSOCKET_HIGH_WATER_BYTES),
      idleTimeout: idleTimeoutOption(options),
    },
    signal: signalOption(options, 'signal'),
  };
}

/** 127.0.0.0/8 (also IPv4-mapped), ::1 and localhost: where an unencrypted hop cannot be observed by anyone else. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
