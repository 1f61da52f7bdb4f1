/**
 * The part of the WHATWG WebSocket API that rxtls uses. The browser's `WebSocket`, the `ws`
 * package's and mock-socket's all have it, so any of them can be passed as `options.WebSocket`.
 *
 * @example
 * ```ts
 * import { WebSocket } from 'mock-socket';
 * import { connectWebSocket, type WebSocketConstructor } from 'rxtls/browser';
 *
 * const Mock = WebSocket as unknown as WebSocketConstructor;
 * connectWebSocket('ws://127.0.0.1:8080/', { WebSocket: Mock }).subscribe(console.log);
 * ```
 */
export interface WebSocketLike {
  /** rxtls sets it to `'arraybuffer'`. */
  binaryType: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes sent and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** The subprotocol the server chose. */
  readonly protocol: string;
  /** The URL, as the implementation resolved it. */
  readonly url: string;
  /** Called once the WebSocket is open. */
  onopen: ((event: unknown) => void) | null;
  /** Called with each message: `data` is an ArrayBuffer (binary) or a string (text). */
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  /** Called when the connection failed; browsers say no more than that. */
  onerror: ((event: unknown) => void) | null;
  /** Called once the WebSocket is closed, with the close code and reason. */
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  /** Sends one binary message. */
  send(data: ArrayBuffer): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /**
   * Stops reading from the network (the `ws` package has it; browsers' WebSocket does not).
   * With it, `connected.reader` pauses the WebSocket; without it, `reader.pausable` is `false`.
   */
  pause?(): void;
  /** Reads from the network again, after `pause()`. */
  resume?(): void;
}

/**
 * A WebSocket constructor in the WHATWG shape: `new WebSocket(url, protocols)`.
 *
 * @example
 * ```ts
 * import type { WebSocketConstructor } from 'rxtls/browser';
 * const Native = globalThis.WebSocket as unknown as WebSocketConstructor;
 * ```
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The bounds of one WebSocket connection. */
export interface WebSocketLimits {
  readonly maxPendingWriteBytes: number;
  readonly highWaterBytes: number;
  readonly connectTimeout: number;
  /** Milliseconds left of `connectTimeout` when the WebSocket is created, after the TCP (and TLS) connection under it took the rest; default: all of it. */
  readonly connectTimeLeft?: number;
  readonly closeTimeout: number;
  /** Milliseconds without a message, while reading, before the WebSocket is ended; 0: no limit. */
  readonly idleTimeout: number;
}
