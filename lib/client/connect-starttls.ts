import { createServer as createTcpServer, connect as netConnect, type Server as TcpServer, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { Observable, defer, type OperatorFunction, type Subscription } from 'rxjs';
import { resolveClient } from './connect';
import { TransportError } from '../errors';
import type { PlaintextEvent, PlaintextWriter, RawTlsEvent, StartTlsEvent, TlsEvent, ConnectEvent } from '../events';
import {
  closeGracefully,
  followCredentials,
  resolveListenOptions,
  serverConnection,
  serverContexts,
  serverLimits,
  type ConnectionEvent,
  type ListeningEvent,
  type ListenOptions,
  type ResolvedListenOptions,
} from '../server/listen';
import { verify } from '../operators/verify';
import type { ConnectOptions } from './connect-options';
import { establishedConnection } from '../transport/established-connection';
import { openTls } from './open-tls';

/**
 * Opens a plaintext connection that the dialogue upgrades in band — SMTP `STARTTLS`, IMAP
 * `STARTTLS`, POP3 `STLS`, FTP `AUTH TLS`. It emits `plaintext` (with a writer that has
 * `startTls()`), plaintext `data`, and after the upgrade exactly what `connect` emits: the peer
 * is verified by the same policy, `connected` brings the TLS writer, `closed` ends it.
 *
 * Security: from `startTls()` on, no plaintext byte is delivered or written — bytes the server
 * pipelined after its go-ahead are discarded (or, reaching the TLS layer, fail the handshake),
 * `lines()` drops the rest of the chunk that held the go-ahead and starts afresh at `connected`
 * (the STARTTLS injection flaw, CVE-2011-0411).
 *
 * Informally: `plaintext, data*, [startTls] connected, data*, closed`.
 *
 * @example
 * ```ts
 * import { filter, mergeMap } from 'rxjs';
 * import { connectPlain, converse, line, lines, startTls } from 'rxtls';
 *
 * connectPlain({ host: 'mail.example.com', port: 587 })
 *   .pipe(
 *     lines(),
 *     converse((events$) =>
 *       events$.pipe(
 *         filter((e) => e.type === 'line'),
 *         mergeMap((e) => (e.text.startsWith('220 ') && !e.text.includes('TLS') ? [line('STARTTLS')] : e.text.startsWith('220 2.0.0') ? [startTls()] : [])),
 *       ),
 *     ),
 *   )
 *   .subscribe(console.log);
 * ```
 * @see listenPlain
 */
export function connectPlain(options: ConnectOptions): Observable<StartTlsEvent> {
  return defer(() => {
    const { policy, resolved } = resolveClient(options);
    const plain = new Observable<RawTlsEvent | PlaintextEvent>((subscriber) => {
      const { host, port } = resolved;
      const raw = netConnect({ host, port });
      let upgrade: Subscription | undefined;
      let connected = false;
      const timer = setTimeout(() => {
        subscriber.error(
          new TransportError('ETIMEDOUT', host, port, `connect timed out after ${resolved.connectTimeout} ms (option connectTimeout)`),
        );
      }, resolved.connectTimeout);
      raw.on('error', (error: NodeJS.ErrnoException) => {
        if (!connected) subscriber.error(new TransportError(error.code ?? 'ERR_CONNECT', host, port, error.message, { cause: error }));
      });
      raw.once('connect', () => {
        clearTimeout(timer);
        connected = true;
        const connection = establishedConnection(raw, subscriber, resolved);
        const writer = plaintextWriter(connection.accept(), () => {
          connection.detach();
          discardPlaintext(raw);
          upgrade = openTls(resolved, raw).subscribe(subscriber);
        });
        subscriber.next({ type: 'plaintext', writer });
      });
      return () => {
        clearTimeout(timer);
        // Once upgraded, the TLS socket owns the connection and destroys it; destroying the
        // plaintext socket under it as well would close one handle twice.
        if (upgrade) upgrade.unsubscribe();
        else raw.destroy();
      };
    });
    return plain.pipe(passThroughVerify(verify(policy)));
  });
}

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
 * import { converse, lines, listenPlain } from 'rxtls';
 *
 * listenPlain({ port: 2525, credentials: { cert, key } })
 *   .pipe(mergeMap((e) => (e.type === 'connection' ? e.events.pipe(lines(), converse(smtpServerDialogue)) : EMPTY)))
 *   .subscribe();
 * ```
 * @see connectPlain
 */
export function listenPlain(options: ListenOptions): Observable<PlainServerEvent> {
  return new Observable<PlainServerEvent>((subscriber) => {
    let resolved: ResolvedListenOptions;
    try {
      resolved = resolveListenOptions(options);
    } catch (error) {
      subscriber.error(error);
      return;
    }
    let context: SecureContext | undefined;
    let byName = new Map<string, SecureContext>();
    let server: TcpServer | undefined;
    const sockets = new Set<Socket>();
    const credentials = followCredentials(options, resolved, subscriber, (value, withCa) => {
      resolved = withCa;
      const built = serverContexts(value, resolved);
      context = createSecureContext(built.main);
      byName = built.byName;
      if (!server) start();
    });
    const start = () => {
      server = createTcpServer((raw) => {
        sockets.add(raw);
        raw.once('close', () => sockets.delete(raw));
        subscriber.next({
          type: 'connection',
          remoteAddress: raw.remoteAddress ?? '',
          remotePort: raw.remotePort ?? 0,
          events: plaintextServerConnection(
            raw,
            resolved,
            () => context,
            (name) => byName.get(name.toLowerCase()),
          ),
        });
      });
      server.on('error', (error: NodeJS.ErrnoException) =>
        subscriber.error(
          new TransportError(error.code ?? 'ERR_LISTEN', resolved.host, resolved.port, `cannot listen: ${error.message}`, { cause: error }),
        ),
      );
      server.listen(resolved.port, resolved.host, () => {
        const address = server?.address();
        subscriber.next({
          type: 'listening',
          host: resolved.host,
          port: typeof address === 'object' && address ? address.port : resolved.port,
        });
      });
    };
    return () => {
      credentials.unsubscribe();
      server?.close();
      closeGracefully(sockets, resolved.shutdownTimeout);
    };
  });
}

/**
 * What {@link listenPlain} emits.
 *
 * @example
 * ```ts
 * import { listenPlain } from 'rxtls';
 * listenPlain({ port: 2525, credentials: { cert, key } }).subscribe((e) => e.type === 'connection' && console.log(`from ${e.remoteAddress}`));
 * ```
 */
export type PlainServerEvent = ListeningEvent | ConnectionEvent<StartTlsEvent>;

function plaintextServerConnection(
  raw: Socket,
  options: ResolvedListenOptions,
  context: () => SecureContext | undefined,
  contextFor: (servername: string) => SecureContext | undefined,
): Observable<StartTlsEvent> {
  return new Observable<StartTlsEvent>((subscriber) => {
    let upgrade: Subscription | undefined;
    let secure: TLSSocket | undefined;
    const limits = serverLimits(raw, options);
    const connection = establishedConnection(raw, subscriber, limits);
    const writer = plaintextWriter(connection.accept(), () => {
      connection.detach();
      discardPlaintext(raw);
      const tls = new TLSSocket(raw, {
        isServer: true,
        secureContext: context(),
        requestCert: options.requestCert,
        rejectUnauthorized: false,
        SNICallback: (servername, callback) => callback(null, contextFor(servername)),
      });
      secure = tls;
      const timer = setTimeout(
        () =>
          tls.destroy(
            new TransportError(
              'HANDSHAKE_TIMEOUT',
              limits.host,
              limits.port,
              `TLS handshake did not finish within ${options.handshakeTimeout} ms`,
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
    subscriber.next({ type: 'plaintext', writer });
    return () => {
      if (upgrade) upgrade.unsubscribe();
      else if (!writer.upgrading) raw.destroy();
      else secure?.destroy();
    };
  });
}

/** A plaintext writer that writes nothing once `startTls()` was called. */
function plaintextWriter(base: ReturnType<ReturnType<typeof establishedConnection>['accept']>, begin: () => void): PlaintextWriter {
  let upgrading = false;
  return {
    write: (chunk) => !upgrading && base.write(chunk),
    drain: () => base.drain(),
    end: (timeout) => base.end(timeout),
    get pendingBytes() {
      return base.pendingBytes;
    },
    get upgrading() {
      return upgrading;
    },
    startTls() {
      if (upgrading) return;
      upgrading = true;
      begin();
    },
  };
}

/** Whatever plaintext the socket received but did not deliver yet is dropped, never interpreted. */
function discardPlaintext(raw: Socket): void {
  raw.pause();
  while (raw.read() !== null) {
    // discard
  }
}

/** `verify` passes every event but the handshake through untouched, plaintext ones included. */
function passThroughVerify(
  operator: OperatorFunction<RawTlsEvent, ConnectEvent>,
): OperatorFunction<RawTlsEvent | PlaintextEvent, StartTlsEvent> {
  return operator as unknown as OperatorFunction<RawTlsEvent | PlaintextEvent, StartTlsEvent>;
}
