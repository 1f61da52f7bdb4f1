import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { HandshakeFacts } from '../events';
import { findProblems, type TrustAnchors } from './certificate-checks';
import { certError, opensslVerdict } from './cert-errors';
import { anonymousPeer, peerChain, peerOf, summarize } from './peer-info';
import { verifiedChains, type KnownChain } from './verified-chains';

/** Whose certificate is judged, and against what. */
export interface FactsRequest {
  /** The name the certificate must match: the server's, on a client; none for a client certificate. */
  readonly servername?: string;
  /** The CAs the chain is checked against. */
  readonly anchors: () => TrustAnchors;
  /**
   * One object per trust configuration (the client's SecureContext, the server's CA list): chains
   * OpenSSL verified under it are remembered, so the next handshake with the same peer
   * certificate skips reading its chain (see verified-chains.ts). Without it nothing is remembered.
   */
  readonly trustScope?: object;
  /**
   * The peer's certificate with its chain, when it was already read from this socket (Node reads
   * it for `checkServerIdentity`): reading it again costs as much as a third of a handshake.
   */
  readonly peerCertificate?: DetailedPeerCertificate;
  /** The OCSP response the server stapled, when the client asked for one (`requestOCSP`) and one came. */
  readonly stapledOcsp?: Buffer;
}

/**
 * What a verification policy judges about the peer of a finished handshake, the same on both
 * sides: the peer with its chain, and every problem the standard checks found in it. `undefined`
 * when the peer sent no certificate (a client without one, or a resumed TLS 1.3 session).
 * Throws when the peer's certificate cannot be read.
 */
export function handshakeFacts(socket: TLSSocket, request: FactsRequest): HandshakeFacts | undefined {
  const opensslCode = opensslVerdict(socket);
  const detailed = request.peerCertificate ?? socket.getPeerCertificate(true);
  const chains = opensslCode === undefined && request.trustScope ? verifiedChains(request.trustScope) : undefined;
  let known = detailed?.fingerprint256 ? chains?.get(detailed.fingerprint256) : undefined;
  if (!known) {
    const certificates = peerChain(socket, detailed);
    if (certificates.length === 0) return undefined;
    known = { certificates, summaries: certificates.map(summarize) };
    if (chains && detailed?.fingerprint256) chains.set(detailed.fingerprint256, known);
  }
  return factsOf(socket, known, opensslCode, request);
}

function factsOf(socket: TLSSocket, known: KnownChain, opensslCode: string | undefined, request: FactsRequest): HandshakeFacts {
  const { anchors, stapledOcsp } = request;
  return {
    peer: peerOf(socket, known.summaries, request.servername ?? (socket.servername || '')),
    problems: findProblems(known.certificates, opensslCode, request.servername, anchors),
    trustAnchors: () => anchorPems(anchors()),
    ...(stapledOcsp && stapledOcsp.length > 0 && { stapledOcsp }),
  };
}

const pemsOf = new WeakMap<TrustAnchors, readonly string[]>();

/** The anchors as PEM, converted once per set of anchors. */
function anchorPems(anchors: TrustAnchors): readonly string[] {
  let pems = pemsOf.get(anchors);
  if (!pems) {
    pems = anchors.map((a) => a.toString());
    pemsOf.set(anchors, pems);
  }
  return pems;
}

/** The facts of a client that was asked for a certificate: its own, or none, which is a problem. */
export function clientCertificateFacts(socket: TLSSocket, anchors: () => TrustAnchors, trustScope?: object): HandshakeFacts {
  return (
    handshakeFacts(socket, { anchors, ...(trustScope && { trustScope }) }) ?? {
      peer: anonymousPeer(socket),
      problems: [certError('NO_PEER_CERTIFICATE', 'the client presented no certificate')],
    }
  );
}
