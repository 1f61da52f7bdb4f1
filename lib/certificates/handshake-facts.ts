import type { TLSSocket } from 'node:tls';
import type { HandshakeFacts } from '../events';
import { findProblems, type TrustAnchors } from './certificate-checks';
import { certError, opensslVerdict } from './cert-errors';
import { anonymousPeer, peerChain, peerInfo } from './peer-info';

/** Whose certificate is judged, and against what. */
export interface FactsRequest {
  /** The name the certificate must match: the server's, on a client; none for a client certificate. */
  readonly servername?: string;
  /** The CAs the chain is checked against. */
  readonly anchors: () => TrustAnchors;
}

/**
 * What a verification policy judges about the peer of a finished handshake, the same on both
 * sides: the peer with its chain, and every problem the standard checks found in it. `undefined`
 * when the peer sent no certificate (a client without one, or a resumed TLS 1.3 session).
 * Throws when the peer's certificate cannot be read.
 */
export function handshakeFacts(socket: TLSSocket, request: FactsRequest): HandshakeFacts | undefined {
  const chain = peerChain(socket);
  if (chain.length === 0) return undefined;
  return {
    peer: peerInfo(socket, chain, request.servername ?? (socket.servername || '')),
    problems: findProblems(chain, opensslVerdict(socket), request.servername, request.anchors),
  };
}

/** The facts of a client that was asked for a certificate: its own, or none, which is a problem. */
export function clientCertificateFacts(socket: TLSSocket, anchors: () => TrustAnchors): HandshakeFacts {
  return (
    handshakeFacts(socket, { anchors }) ?? {
      peer: anonymousPeer(socket),
      problems: [certError('NO_PEER_CERTIFICATE', 'the client presented no certificate')],
    }
  );
}
