import type { TLSSocket } from 'node:tls';
import { Observable } from 'rxjs';
import type { ConnectEvent } from '../events';
import { clientPeer, sessionInfo } from '../certificates/peer-info';
import { establishedConnection, type EstablishedLimits } from '../transport/established-connection';

/**
 * A server-side socket whose handshake has finished, as the same events a client sees:
 * `connected` (the peer is the client's certificate, or anonymous), `data`, `closed`.
 * Unsubscribing destroys the socket.
 */
export function acceptedConnection(socket: TLSSocket, limits: EstablishedLimits): Observable<ConnectEvent> {
  return new Observable<ConnectEvent>((subscriber) => {
    const connection = establishedConnection(socket, subscriber, limits);
    subscriber.next({
      type: 'connected',
      verifiedBy: 'policy',
      peer: clientPeer(socket),
      session: sessionInfo(socket, () => undefined),
      writer: connection.accept(),
      reader: connection.reader,
    });
    return () => socket.destroy();
  });
}
