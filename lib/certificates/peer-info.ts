import { X509Certificate, createHash } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { CertificateSummary, PeerInfo, SessionInfo } from '../events';

/** Summarises one certificate: names, dates, fingerprint and SPKI pin. */
export function summarize(cert: X509Certificate): CertificateSummary {
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    subjectAltNames: cert.subjectAltName ? cert.subjectAltName.split(', ') : [],
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
    spkiPin: spkiPinOf(cert),
    serialNumber: cert.serialNumber.toUpperCase(),
    isCA: cert.ca,
    pem: cert.toString(),
  };
}

/** `sha256/<base64>` of the certificate's SubjectPublicKeyInfo. */
export function spkiPinOf(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** The peer's chain, leaf first, as parsed certificates (from `detailed`, when it was already read). */
export function peerChain(
  socket: TLSSocket,
  detailed: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true),
): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current: DetailedPeerCertificate | undefined = detailed;
  const seen = new Set<string>();
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  if (chain.length === 0) {
    // A resumed session carries the peer's leaf but not the chain it was verified with.
    const leaf = socket.getPeerX509Certificate();
    if (leaf) chain.push(leaf);
  }
  return chain;
}

/** Builds {@link PeerInfo} from the summaries of a chain, leaf first (shared with other connections). */
export function peerOf(socket: TLSSocket, summaries: readonly CertificateSummary[], servername: string): PeerInfo {
  const leaf = summaries[0];
  if (!leaf) return anonymousPeer(socket);
  // Field by field, not `...leaf`: V8 gives spread copies a new hidden class per connection.
  return {
    subject: leaf.subject,
    issuer: leaf.issuer,
    subjectAltNames: leaf.subjectAltNames,
    validFrom: leaf.validFrom,
    validTo: leaf.validTo,
    fingerprint256: leaf.fingerprint256,
    spkiPin: leaf.spkiPin,
    serialNumber: leaf.serialNumber,
    isCA: leaf.isCA,
    pem: leaf.pem,
    chain: summaries,
    servername,
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
  };
}

/** Builds {@link SessionInfo}; `ticket()` reads the latest ticket the socket has seen. */
export function sessionInfo(socket: TLSSocket, latestTicket: () => Buffer | undefined): SessionInfo {
  const cipher = socket.getCipher();
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: cipher.standardName ?? cipher.name,
    alpn: socket.alpnProtocol ?? false,
    resumed: socket.isSessionReused(),
    ticket: latestTicket,
  };
}

function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter(Boolean).join(', ');
}

/**
 * The peer of a server-side connection: the client's certificate when it sent one; otherwise
 * an anonymous peer with empty names and an empty chain.
 */
export function clientPeer(socket: TLSSocket): PeerInfo {
  const chain = peerChain(socket);
  return peerOf(socket, chain.map(summarize), socket.servername || '');
}

/** A peer that presented no certificate. */
export function anonymousPeer(socket: TLSSocket): PeerInfo {
  const never = new Date(0);
  return {
    subject: '',
    issuer: '',
    subjectAltNames: [],
    validFrom: never,
    validTo: never,
    fingerprint256: '',
    spkiPin: '',
    serialNumber: '',
    isCA: false,
    pem: '',
    chain: [],
    servername: socket.servername || '',
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
  };
}

/**
 * Records what a policy established about the peer (`revocation`, `chainCompletion`) on this
 * connection's own {@link PeerInfo}, which `connected` and `certFailed` carry: `verify()` hands
 * on the very object the policy judged. Each connection's PeerInfo is its own (the chain
 * summaries it holds are shared, never written to).
 */
export function recordOnPeer<K extends 'revocation' | 'chainCompletion'>(peer: PeerInfo, key: K, value: NonNullable<PeerInfo[K]>): void {
  (peer as { -readonly [P in K]?: PeerInfo[P] })[key] = value;
}
