import { X509Certificate } from 'node:crypto';
import type { PeerInfo } from '../../lib';
import { summarize } from '../../lib/certificates/peer-info';

/** A PeerInfo built from a generated certificate chain (PEM, leaf first), as a handshake would. */
export function peerFrom(chainPem: string, servername = 'localhost', remotePort = 993): PeerInfo {
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const chain = blocks.map((pem) => summarize(new X509Certificate(pem)));
  const leaf = chain[0];
  if (!leaf) throw new Error('no certificate');
  return { ...leaf, chain, servername, remoteAddress: '127.0.0.1', remotePort };
}
