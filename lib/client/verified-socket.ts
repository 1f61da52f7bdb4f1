import type { TLSSocket } from 'node:tls';
import { Observable } from 'rxjs';
import { resolveClient } from './connect';
import type { CertFailedEvent, ClosedEvent, PeerInfo, SessionInfo } from '../events';
import { judge, rejection } from '../policies/verdict';
import type { ConnectOptions } from './connect-options';
import { openTls } from './open-tls';
import { publishVerdict } from '../util/diagnostics-channels';

/** The policy accepted the peer: the socket, not yet read from or written to, now belongs to the subscriber. */
export interface VerifiedSocketEvent {
  readonly type: 'verified';
  readonly socket: TLSSocket;
  /** With `detectTruncation`, asked on the socket's 'end': `true` when the peer closed TCP without close_notify. */
  readonly transportEnded?: () => boolean;
  readonly peer: PeerInfo;
  readonly session: SessionInfo;
}

/**
 * A TLS client connection verified exactly as `connect()` verifies it, for another library to
 * speak over (the `ws` package, the gateway's byte pipe): `verified` with the unread socket, or
 * `certFailed` and `closed` — the socket then destroyed with nothing written. Transport failures
 * are error notifications, as for `connect()`. Unsubscribing before `verified` destroys the
 * socket; after it, the socket is the subscriber's to end.
 */
export function verifiedSocket(options: ConnectOptions): Observable<VerifiedSocketEvent | CertFailedEvent | ClosedEvent> {
  return new Observable((subscriber) => {
    const { policy, resolved } = resolveClient(options);
    const connection = openTls(resolved).subscribe({
      next: (event) => {
        if (event.type === 'closed') {
          // the peer hung up while an asynchronous policy was deciding
          subscriber.next(event);
          subscriber.complete();
          return;
        }
        if (event.type !== 'handshake') return;
        void Promise.resolve(judge(policy, event)).then((errors) => {
          if (subscriber.closed) return;
          publishVerdict('client', policy.name, errors, event.peer);
          if (errors.length > 0) {
            for (const rejected of rejection(errors, event)) subscriber.next(rejected);
            subscriber.complete();
            return;
          }
          subscriber.next({ type: 'verified', ...event.release(), peer: event.peer, session: event.session });
          subscriber.complete();
        });
      },
      error: (error: unknown) => subscriber.error(error),
    });
    return () => connection.unsubscribe();
  });
}
