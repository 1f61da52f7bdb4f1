import { defer, type Observable } from 'rxjs';
import { InvalidOptionError } from '../errors';
import type { BrowserWebSocketEvent } from '../events';
import { resolveWebSocketOptions, type ResolvedWebSocketOptions, type WebSocketOptions } from './websocket-options';
import { webSocketEvents, type WebSocketConstructor, type WebSocketLike } from './websocket-transport';

/**
 * Opens a WebSocket as a cold Observable of the same events as `connect()` — for browsers,
 * which cannot open TLS sockets. `connected` comes once the WebSocket is open; its
 * `verifiedBy` is `'platform'` for `wss:` (the browser verified the server's certificate and
 * shows rxtls nothing of it) and `'none'` for `ws:`, which is allowed only to loopback
 * addresses unless `allowPlaintext` is set. Every message, binary or text, is a `data` event of
 * bytes, so `lines()`, `converse()` and `gracefulShutdown()` work unchanged; each write is one
 * binary message. `closed` carries the close `code` and `reason` and is clean only for 1000.
 * A WebSocket that does not open is an error notification ({@link TransportError}).
 * A browser's WebSocket cannot be paused: `connected.reader.pausable` is `false`, and a
 * consumer slower than the server (`handleEach`) holds what arrives meanwhile, so bound it in
 * the protocol (ask for less at a time, as IMAP's partial `FETCH` does).
 * Unsubscribing closes it with code 1000, never 1005.
 *
 * This is the browser build's `connectWebSocket` (`rxtls/browser`); `rxtls` in Node has one
 * with certificate verification.
 *
 * @example
 * ```ts
 * import { filter, take } from 'rxjs';
 * import { connectWebSocket, lines } from 'rxtls/browser';
 *
 * connectWebSocket('wss://gateway.example.com/?target=imap.example.com:993')
 *   .pipe(lines(), filter((e) => e.type === 'line'), take(1))
 *   .subscribe((greeting) => console.log(greeting.text));
 * ```
 * @see lines
 */
export function connectWebSocket(url: string | URL, options: WebSocketOptions = {}): Observable<BrowserWebSocketEvent> {
  return defer(() => {
    const resolved = resolveWebSocketOptions(url, options);
    const Platform = resolved.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Platform === undefined)
      throw new InvalidOptionError(
        'WebSocket',
        undefined,
        'is required: this platform has no global WebSocket (in Node, use connectWebSocket from "rxtls")',
      );
    return unverifiedWebSocket(resolved, () => new Platform(resolved.url.href, resolved.protocols));
  });
}

/**
 * A WebSocket whose server rxtls did not verify itself: the platform did (`wss:`,
 * `verifiedBy: 'platform'`) or nobody did (`ws:`, `verifiedBy: 'none'`).
 */
export function unverifiedWebSocket(resolved: ResolvedWebSocketOptions, open: () => WebSocketLike): Observable<BrowserWebSocketEvent> {
  const verifiedBy = resolved.url.protocol === 'wss:' ? 'platform' : 'none';
  return webSocketEvents(resolved, open, (writer, webSocket, reader) => ({ type: 'connected', verifiedBy, webSocket, writer, reader }));
}
