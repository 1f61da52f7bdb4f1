import type { Socket } from 'node:net';
import { Observable, defer, type OperatorFunction, type Subscription } from 'rxjs';
import type { ConnectEvent, PlaintextEvent, RawTlsEvent, StartTlsEvent } from '../events';
import { verify } from '../operators/verify';
import { establishedConnection } from '../transport/established-connection';
import { keepAliveOn } from '../transport/keep-alive';
import { discardPlaintext, plaintextWriter } from '../transport/plaintext-writer';
import { resolveClient } from './connect';
import type { ConnectOptions } from './connect-options';
import { dial } from './dial/dial';
import { openTls } from './open-tls';
import { abortedError, onAbort } from '../util/abort-signal';

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
 * import { connectStartTls, converse, line, lines, startTls } from 'rxtls';
 *
 * connectStartTls({ host: 'mail.example.com', port: 587 })
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
 * @see listenStartTls
 */
export function connectStartTls(options: ConnectOptions): Observable<StartTlsEvent> {
  return defer(() => {
    const { policy, resolved } = resolveClient(options);
    const plain = new Observable<RawTlsEvent | PlaintextEvent>((subscriber) => {
      const { host, port, signal } = resolved;
      if (signal?.aborted) {
        subscriber.error(abortedError(signal, host, port, 'before connecting'));
        return undefined;
      }
      let raw: Socket | undefined;
      let upgrade: Subscription | undefined;
      // Until TCP is connected an abort is this Observable's error; then the established connection's.
      const stopAbort = signal
        ? onAbort(signal, () => subscriber.error(abortedError(signal, host, port, 'before the connection was established')))
        : () => undefined;
      // The dialer (directly or through the proxy, every address, within connectTimeout) opens the plaintext socket.
      const dialing = dial(resolved).subscribe({
        error: (error: unknown) => subscriber.error(error),
        next: (socket) => {
          stopAbort();
          raw = socket;
          raw.on('error', () => undefined); // once connected, the established connection reports errors
          keepAliveOn(socket, resolved.keepAlive);
          const connection = establishedConnection(socket, subscriber, resolved);
          const accepted = connection.accept();
          socket.resume(); // a proxy hop hands the socket over paused, so that nothing is read before this
          const writer = plaintextWriter(accepted, () => {
            connection.detach();
            discardPlaintext(socket);
            upgrade = openTls(resolved, socket).subscribe(subscriber);
          });
          subscriber.next({ type: 'plaintext', writer, reader: connection.reader });
        },
      });
      return () => {
        dialing.unsubscribe();
        stopAbort();
        // Once upgraded, the TLS socket owns the connection and destroys it; destroying the
        // plaintext socket under it as well would close one handle twice.
        if (upgrade) upgrade.unsubscribe();
        else raw?.destroy();
      };
    });
    return plain.pipe(passThroughVerify(verify(policy)));
  });
}

/** `verify` passes every event but the handshake through untouched, plaintext ones included. */
function passThroughVerify(
  operator: OperatorFunction<RawTlsEvent, ConnectEvent>,
): OperatorFunction<RawTlsEvent | PlaintextEvent, StartTlsEvent> {
  return operator as unknown as OperatorFunction<RawTlsEvent | PlaintextEvent, StartTlsEvent>;
}

/**
 * The former name of {@link connectStartTls}: "plain" read as "no TLS", which it is not.
 *
 * @deprecated Use {@link connectStartTls}; this alias goes in 1.0.
 * @example
 * ```ts
 * import { connectStartTls } from 'rxtls';
 * connectStartTls({ host: 'mail.example.com', port: 587 }); // instead of connectPlain(…)
 * ```
 */
export const connectPlain = connectStartTls;
