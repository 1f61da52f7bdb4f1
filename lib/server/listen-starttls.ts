import { createServer as createTcpServer, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { Observable, defer, type Subscription } from 'rxjs';
import { recordKeys } from '../diagnostics/keylog';
import { TransportError } from '../errors';
import type { StartTlsEvent } from '../events';
import { establishedConnection } from '../transport/established-connection';
import { discardPlaintext, plaintextWriter } from '../transport/plaintext-writer';
import { resolveListenOptions, type ListenOptions, type ResolvedListenOptions } from './listen-options';
import { startListener, type Listener } from './listener';
import { serverConnection, serverLimits } from './server-connection';
import { followCredentials, serverContexts } from './server-credentials';
import { serverKeepAlive, stopOnAbort } from './server-liveness';
import type { ConnectionEvent, ListeningEvent } from './server-events';
import { publishServerHandshake } from './server-diagnostics';

/**
 * A plaintext server whose connections can be upgraded in band: each accepted connection is a
 * `connection` event whose events start with `plaintext`; the server's dialogue answers the
 * client's `STARTTLS` and emits `startTls()`, and the connection continues as `listen`'s do
 * (client certificates judged by the policy when `requestCert` is set). Plaintext the client
 * pipelined after its `STARTTLS` is never delivered.
 *
 * @example
 * ```ts
 * import { EMPTY, mergeMap } from 'rxjs';
 * import { converse, lines, listenStartTls } from 'rxtls';
 *
 * listenStartTls({ port: 2525, credentials: { cert, key } })
 *   .pipe(mergeMap((e) => (e.type === 'connection' ? e.events.pipe(lines(), converse(smtpServerDialogue)) : EMPTY)))
 *   .subscribe();
 * ```
 * @see connectStartTls
 */
export function listenStartTls(options: ListenOptions): Observable<StartTlsServerEvent> {
  // Options are checked per subscription: bad input is an error notification, never a throw.
  return defer(() => {
    let resolved = resolveListenOptions(options);
    return new Observable<StartTlsServerEvent>((subscriber) => {
      const stopAbort = stopOnAbort(resolved, subscriber);
      if (!stopAbort) return undefined;
      let context: SecureContext | undefined;
      let byName = new Map<string, SecureContext>();
      let listener: Listener | undefined;
      const credentials = followCredentials(options, resolved, subscriber, (value, withCa, tickets) => {
        resolved = withCa;
        const built = serverContexts(value, resolved, tickets);
        context = createSecureContext(built.main);
        tickets?.hook(context);
        byName = built.byName;
        listener ??= start();
      });
      const start = () => {
        const server = createTcpServer(serverKeepAlive(resolved), (raw) => {
          running.track(raw);
          subscriber.next({
            type: 'connection',
            remoteAddress: raw.remoteAddress ?? '',
            remotePort: raw.remotePort ?? 0,
            events: plaintextServerConnection(
              raw,
              resolved,
              () => context,
              (name) => byName.get(name.toLowerCase()),
              // Every connection's secrets go to the server's one key log (recordKeys, below).
              resolved.keylog === undefined ? undefined : (line) => server.emit('keylog', line),
            ),
          });
        });
        if (resolved.keylog !== undefined) {
          try {
            recordKeys(server, resolved.keylog, (error) => subscriber.error(error));
          } catch (error) {
            subscriber.error(error); // before listening: the key log the user asked for cannot be kept
            return undefined;
          }
        }
        const running = startListener(server, resolved, {
          listening: (port) => subscriber.next({ type: 'listening', host: resolved.host, port }),
          failed: (error) => subscriber.error(error),
        });
        return running;
      };
      return () => {
        stopAbort();
        credentials.unsubscribe();
        void listener?.stop('end');
      };
    });
  });
}

/**
 * What {@link listenStartTls} emits.
 *
 * @example
 * ```ts
 * import { listenStartTls } from 'rxtls';
 * listenStartTls({ port: 2525, credentials: { cert, key } }).subscribe((e) => e.type === 'connection' && console.log(`from ${e.remoteAddress}`));
 * ```
 */
export type StartTlsServerEvent = ListeningEvent | ConnectionEvent<StartTlsEvent>;

function plaintextServerConnection(
  raw: Socket,
  options: ResolvedListenOptions,
  context: () => SecureContext | undefined,
  contextFor: (servername: string) => SecureContext | undefined,
  keylog: ((line: Buffer) => void) | undefined,
): Observable<StartTlsEvent> {
  return new Observable<StartTlsEvent>((subscriber) => {
    let upgrade: Subscription | undefined;
    let secure: TLSSocket | undefined;
    const limits = serverLimits(raw, options);
    const connection = establishedConnection(raw, subscriber, limits);
    const writer = plaintextWriter(connection.accept(), () => {
      connection.detach();
      discardPlaintext(raw);
      const startedAt = performance.now();
      const tls = new TLSSocket(raw, {
        isServer: true,
        secureContext: context(),
        requestCert: options.requestCert,
        rejectUnauthorized: false,
        SNICallback: (servername, callback) => callback(null, contextFor(servername)),
      });
      secure = tls;
      if (keylog) tls.on('keylog', keylog);
      const timer = setTimeout(
        () =>
          tls.destroy(
            new TransportError(
              'ERR_RXTLS_HANDSHAKE_TIMEOUT',
              limits.host,
              limits.port,
              `TLS handshake did not finish within ${options.handshakeTimeout} ms (option handshakeTimeout)`,
            ),
          ),
        options.handshakeTimeout,
      );
      tls.on('error', (error: Error) => {
        clearTimeout(timer);
        if (upgrade) return; // after the handshake the TLS connection reports its own errors
        // The handshake failed: a timeout, or pipelined plaintext that reached the TLS layer.
        subscriber.next({ type: 'closed', by: 'peer', clean: false, error });
        subscriber.complete();
      });
      tls.once('secure', () => {
        clearTimeout(timer);
        publishServerHandshake(tls, startedAt);
        upgrade = serverConnection(tls, options).subscribe(subscriber);
      });
      tls.once('close', () => {
        clearTimeout(timer);
        if (upgrade || subscriber.closed) return;
        // The client went away during the handshake (for instance, rejecting our certificate).
        subscriber.next({
          type: 'closed',
          by: 'peer',
          clean: false,
          error: new TransportError('ECONNRESET', limits.host, limits.port, 'connection closed during the TLS handshake'),
        });
        subscriber.complete();
      });
    });
    subscriber.next({ type: 'plaintext', writer, reader: connection.reader });
    return () => {
      if (upgrade) upgrade.unsubscribe();
      else if (!writer.upgrading) raw.destroy();
      else secure?.destroy();
    };
  });
}

/**
 * The former name of {@link listenStartTls}.
 *
 * @deprecated Use {@link listenStartTls}; this alias goes in 1.0.
 * @example
 * ```ts
 * import { listenStartTls } from 'rxtls';
 * listenStartTls({ port: 2525, credentials: { cert, key } }); // instead of listenPlain(…)
 * ```
 */
export const listenPlain = listenStartTls;

/**
 * The former name of {@link StartTlsServerEvent}.
 *
 * @deprecated Use {@link StartTlsServerEvent}.
 * @example
 * ```ts
 * import type { StartTlsServerEvent } from 'rxtls';
 * const isConnection = (e: StartTlsServerEvent) => e.type === 'connection';
 * ```
 */
export type PlainServerEvent = StartTlsServerEvent;
