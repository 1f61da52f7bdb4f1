import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Observable } from 'rxjs';
import { defaultTrustAnchors } from '../certificates/certificate-checks';
import { clientCertificateFacts } from '../certificates/handshake-facts';
import { anonymousPeer, sessionInfo } from '../certificates/peer-info';
import type { ConnectEvent, HandshakeEvent, RawTlsEvent } from '../events';
import { verify } from '../operators/verify';
import type { VerificationPolicy } from '../policies/policy';
import { establishedConnection, type EstablishedConnection, type EstablishedLimits } from '../transport/established-connection';
import type { ResolvedListenOptions } from './listen-options';

/** The limits of one server-side connection, named after its peer. */
export function serverLimits(socket: Socket, options: ResolvedListenOptions): EstablishedLimits {
  return {
    role: 'server',
    maxPendingWriteBytes: options.maxPendingWriteBytes,
    closeTimeout: options.closeTimeout,
    idleTimeout: options.idleTimeout,
    host: socket.remoteAddress ?? '',
    port: socket.remotePort ?? 0,
  };
}

/** One accepted connection: judged by the policy under mutual TLS, otherwise accepted as it is. */
export function serverConnection(socket: TLSSocket, options: ResolvedListenOptions): Observable<ConnectEvent> {
  const raw = new Observable<RawTlsEvent>((subscriber) => {
    subscriber.next(serverHandshake(socket, options, establishedConnection(socket, subscriber, serverLimits(socket, options))));
    return destroyer(socket);
  });
  const policy = options.requestCert ? options.policy : ACCEPT_ANONYMOUS;
  // A verdict within the run of JavaScript the handshake finished in closes the socket before our
  // last handshake message leaves; after it, the message may be out. A late subscriber's peer is
  // judged as by an asynchronous policy, so that certFailed.peerSaw does not claim a failed handshake.
  let handshakeRun = true;
  queueMicrotask(() => (handshakeRun = false));
  return new Observable((subscriber) => raw.pipe(verify(handshakeRun ? policy : asynchronously(policy))).subscribe(subscriber));
}

/*
 * The closures below are made outside serverConnection so that what lives as long as the
 * connection (its teardown) does not keep the handshake's variables alive (V8 gives a function's
 * closures one shared context).
 */

function serverHandshake(socket: TLSSocket, options: ResolvedListenOptions, connection: EstablishedConnection): HandshakeEvent {
  const anchors = () => options.trusted?.certificates ?? defaultTrustAnchors();
  const facts = options.requestCert ? clientCertificateFacts(socket, anchors) : { peer: anonymousPeer(socket), problems: [] };
  return {
    type: 'handshake',
    ...facts,
    session: sessionInfo(socket, NO_TICKET),
    accept: () => connection.accept(),
    reader: connection.reader,
    role: 'server',
  };
}

function destroyer(socket: Socket): () => void {
  return () => socket.destroy();
}

/** A server hands out no session tickets to its own code. */
const NO_TICKET = (): undefined => undefined;

function asynchronously(policy: VerificationPolicy): VerificationPolicy {
  return { ...policy, check: async (facts) => policy.check(facts) };
}

/** Without mutual TLS there is no client certificate to judge. */
const ACCEPT_ANONYMOUS: VerificationPolicy = { name: 'no client certificate requested', check: () => [] };
