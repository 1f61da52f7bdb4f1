import type { Socket } from 'node:net';
import { Observable } from 'rxjs';
import { dial } from '../client/dial/dial';
import type { ResolvedConnectOptions } from '../client/connect-options';
import { InvalidOptionError } from '../errors';
import { keepAliveOn } from '../transport/keep-alive';
import { abortedError, onAbort } from '../util/abort-signal';
import { isLoopback } from './websocket-options';

/**
 * The TCP socket under a `ws:` WebSocket in Node, opened by the dialer as `connect()` opens
 * its own: every address of the name tried (Happy Eyeballs, `lookup`, `attemptTimeout`), or
 * through `route.proxy`, within `connectTimeout`; TCP keepalive on as `keepAlive` says. Emitted
 * once, resumed, then complete; the subscriber owns it from then on.
 *
 * Plaintext stays where nobody else can read it: unless `allowPlaintext`, the socket must have
 * reached a loopback address (a custom `lookup` could answer another for `localhost`), else it
 * is destroyed unwritten and the Observable errors with an `InvalidOptionError` naming `url`.
 * An abort before the socket is handed over is `ERR_RXTLS_ABORTED`; unsubscribing before then
 * destroys every socket the dialer opened.
 */
export function plainWebSocketSocket(route: ResolvedConnectOptions, url: URL, allowPlaintext: boolean): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    const { host, port, signal } = route;
    const stopAbort = onAbort(signal, () =>
      subscriber.error(abortedError(signal as AbortSignal, host, port, 'before the WebSocket opened')),
    );
    if (subscriber.closed) return stopAbort;
    const dialing = dial(route).subscribe({
      next: (socket) => {
        stopAbort();
        const reached = socket.remoteAddress ?? '';
        if (!allowPlaintext && !route.proxy && !isLoopback(reached)) {
          socket.destroy();
          subscriber.error(
            new InvalidOptionError(
              'url',
              url.href,
              `is ws: (not encrypted) and ${host} resolved to ${reached}, which is not a loopback address: use wss:, or set allowPlaintext: true`,
            ),
          );
          return;
        }
        keepAliveOn(socket, route.keepAlive); // connected already: set it now
        // A proxy hop hands the socket over paused; the HTTP client reads it from the next tick on.
        socket.resume();
        subscriber.next(socket);
        subscriber.complete();
      },
      error: (error: unknown) => subscriber.error(error),
    });
    return () => {
      stopAbort();
      dialing.unsubscribe();
    };
  });
}
