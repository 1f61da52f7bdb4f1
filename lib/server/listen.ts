import { createServer, type SecureContext, type Server, type TLSSocket } from 'node:tls';
import { Observable, defer } from 'rxjs';
import type { ConnectEvent } from '../events';
import { resolveListenOptions, type ListenOptions, type ServerCredentials } from './listen-options';
import { startListener, type Listener } from './listener';
import { recordKeys } from '../diagnostics/keylog';
import { followCredentials, serverContexts } from './server-credentials';
import { serverConnection } from './server-connection';
import { serverKeepAlive, stopOnAbort } from './server-liveness';
import type { ServerTickets } from './server-ticket-keys';
import { handshakeClock, publishServerHandshake } from './server-diagnostics';
import type { ClientErrorEvent, ConnectionEvent, ListeningEvent } from './server-events';

export type { ListenOptions, ServerCredentials } from './listen-options';
export type { ClientErrorEvent, ConnectionEvent, ListeningEvent } from './server-events';

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
  // Options are checked per subscription: bad input is an error notification, never a throw.
  return defer(() => {
    let resolved = resolveListenOptions(options);
    return new Observable<ListenEvent>((subscriber) => {
      const stopAbort = stopOnAbort(resolved, subscriber);
      if (!stopAbort) return undefined;
      let server: Server | undefined;
      let listener: Listener | undefined;
      let stopped = false;
      const contexts = { byName: new Map<string, SecureContext>() };

      const apply = (credentials: ServerCredentials, tickets: ServerTickets | undefined) => {
        // Each emission builds the contexts new handshakes get; established connections keep theirs.
        const { main, byName } = serverContexts(credentials, resolved, tickets);
        contexts.byName = byName;
        if (server) {
          server.setSecureContext(main);
          tickets?.hookServer(server);
        }
        return main;
      };

      const start = (credentials: ServerCredentials, tickets: ServerTickets | undefined) => {
        const tlsServer = createServer({
          ...apply(credentials, tickets),
          requestCert: resolved.requestCert,
          rejectUnauthorized: false, // the policy judges client certificates, reporting every problem
          handshakeTimeout: resolved.handshakeTimeout,
          ...serverKeepAlive(resolved),
          ...(resolved.alpn && { ALPNProtocols: [...resolved.alpn] }),
          SNICallback: (servername, callback) => callback(null, contexts.byName.get(servername.toLowerCase())),
        });
        tickets?.hookServer(tlsServer);
        if (resolved.keylog !== undefined) {
          try {
            recordKeys(tlsServer, resolved.keylog, (error) => subscriber.error(error));
          } catch (error) {
            subscriber.error(error); // before listening: the key log the user asked for cannot be kept
            return;
          }
        }
        server = tlsServer;
        const running = startListener(tlsServer, resolved, {
          listening: (port) => subscriber.next({ type: 'listening', host: resolved.host, port }),
          failed: (error) => subscriber.error(error),
        });
        listener = running;
        const handshakeBegan = handshakeClock(tlsServer);
        tlsServer.on('secureConnection', (socket: TLSSocket) => {
          if (stopped) return void socket.destroy();
          publishServerHandshake(socket, handshakeBegan(socket));
          running.track(socket);
          subscriber.next({
            type: 'connection',
            remoteAddress: socket.remoteAddress ?? '',
            remotePort: socket.remotePort ?? 0,
            events: serverConnection(socket, resolved),
          });
        });
        tlsServer.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
          const { remoteAddress, remotePort } = socket;
          socket.destroy();
          // Node names its own handshake timer's expiry; rxtls has one code per condition, the client's.
          const timedOut = error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT';
          subscriber.next({
            type: 'clientError',
            code: timedOut ? 'ERR_RXTLS_HANDSHAKE_TIMEOUT' : (error.code ?? 'ERR_RXTLS_HANDSHAKE_FAILED'),
            message: timedOut
              ? `TLS handshake did not finish within ${resolved.handshakeTimeout} ms (option handshakeTimeout)`
              : error.message,
            ...(remoteAddress && { remoteAddress }),
            ...(remotePort && { remotePort }),
          });
        });
      };

      const credentialsSubscription = followCredentials(options, resolved, subscriber, (credentials, withCa, tickets) => {
        resolved = withCa;
        if (server) apply(credentials, tickets);
        else start(credentials, tickets);
      });

      return () => {
        stopped = true;
        stopAbort();
        credentialsSubscription.unsubscribe();
        void listener?.stop('end');
      };
    });
  });
}
