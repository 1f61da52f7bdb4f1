/**
 * `rxtls doctor`'s probes, in order, each bounded: DNS, TCP per address, the handshake, then —
 * depending on what that said — the plaintext greeting, the TLS versions one by one, the
 * handshake without SNI, the certificates' facts, the missing intermediate, the root, and a
 * resumed session. What they found is plain data for `diagnose()`.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates, type SecureVersion } from 'node:tls';
import type { DoctorFindings, VersionFinding } from '../../diagnostics/doctor-findings';
import type { StartTlsProtocol } from '../starttls-preambles';
import { certificateFacts } from './certificate-facts';
import { handshakeProbe, type HandshakeProbe } from './handshake-probe';
import { fetchMissingIntermediate, trustedCertificates } from './missing-intermediate';
import { lookupAll, tcpProbe } from './network-probes';
import { plaintextProbe } from './plaintext-probe';
import { wireProbe } from './wire-probe';

/** What to probe. */
export interface DoctorTarget {
  readonly host: string;
  readonly port: number;
  readonly servername?: string;
  /** A CA file or directory (`--ca`); Node's public roots without it. */
  readonly ca?: string;
  readonly starttls?: StartTlsProtocol;
  readonly timeoutMs: number;
}

const VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Failures that may mean the port does not speak TLS at all, so the plaintext probe is worth running. */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_RXTLS_HANDSHAKE_TIMEOUT',
  'ECONNRESET',
  'ERR_RXTLS_HANDSHAKE_FAILED',
  'EPIPE',
]);
const CHAIN_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);
const PUBLIC_ROOTS = new Set(rootCertificates.map((pem) => new X509Certificate(pem).fingerprint256));

/** Runs every probe that applies; never rejects on what the server does. */
export async function probeServer(target: DoctorTarget): Promise<DoctorFindings> {
  const now = new Date();
  const { host, port, timeoutMs, starttls, ca } = target;
  const servername = target.servername ?? host;
  // Connecting by address sends no SNI, unless a name is given.
  const sniName = target.servername ?? (isIP(host) === 0 ? host : undefined);
  const base = { host, port, servername, now: now.toISOString(), ...(starttls && { starttls }) };
  const dns = await lookupAll(host);
  if (dns.status === 'failed') return { ...base, dns, tcp: [] };
  const tcp = await Promise.all(dns.addresses.map((a) => tcpProbe(a.address, a.family, port, timeoutMs)));
  const address = tcp.find((t) => t.status === 'ok')?.address;
  if (address === undefined) return { ...base, dns, tcp };

  const probe: HandshakeProbe = { address, port, servername: sniName, ca, starttls, timeoutMs };
  const { ticketBytes, resumed: _first, ...tls } = await handshakeProbe(probe);
  const code = tls.error?.code ?? '';
  const reachedPeer = tls.peer !== undefined;
  const plaintext =
    !reachedPeer && starttls === undefined && NOT_TLS.has(code) ? await plaintextProbe(address, port, timeoutMs) : undefined;
  const speaksPlaintext = plaintext?.greeting !== undefined;
  const silent = code === 'ERR_RXTLS_HANDSHAKE_TIMEOUT';
  const versions: VersionFinding[] = [];
  if (!speaksPlaintext && !silent)
    for (const version of VERSIONS) {
      const outcome = await handshakeProbe({ ...probe, onlyVersion: version });
      const accepted = outcome.peer !== undefined;
      versions.push({ version, accepted, ...(!accepted && outcome.error && { error: outcome.error }) });
    }
  const withoutSni =
    sniName !== undefined && !speaksPlaintext && !silent
      ? await handshakeProbe({ ...probe, servername: undefined }).then(({ ticketBytes: _t, resumed: _r, ...finding }) => finding)
      : undefined;
  // The chain as served, off the wire: a handshake of its own (STARTTLS upgrades are not tapped).
  const served =
    !speaksPlaintext && !silent && starttls === undefined ? await wireProbe({ address, port, servername: sniName, timeoutMs }) : undefined;
  const chain = (tls.peer?.chain ?? []).map((c) => certificateFacts(c.pem, now));
  const last = tls.peer?.chain.at(-1);
  const lastFacts = chain.at(-1);
  const trusted = trustedCertificates(ca);
  const intermediate =
    last && lastFacts && !lastFacts.selfIssued && lastFacts.caIssuers[0] !== undefined && tls.problems.some((p) => CHAIN_CODES.has(p.code))
      ? await fetchMissingIntermediate(lastFacts.caIssuers[0], last.pem, trusted)
      : undefined;
  const anchor = tls.status === 'verified' && last ? anchorOf(last.pem, trusted) : undefined;
  const resumption =
    tls.status !== 'verified'
      ? undefined
      : ticketBytes === undefined
        ? ({ status: 'no-ticket' } as const)
        : await handshakeProbe({ ...probe, session: ticketBytes }).then((o) => ({
            status: o.resumed === true ? ('resumed' as const) : ('not-resumed' as const),
          }));
  return {
    ...base,
    dns,
    tcp,
    tls,
    ...(plaintext && { plaintext }),
    ...(versions.length > 0 && { versions }),
    ...(withoutSni && { withoutSni }),
    ...(chain.length > 0 && { chain }),
    ...(served && { served }),
    ...(intermediate && { intermediate }),
    ...(anchor && { anchor }),
    ...(resumption && { resumption }),
  };
}

/** The root of a verified chain: the last certificate if it is self-issued, else the trusted CA that issued it. */
function anchorOf(lastPem: string, trusted: readonly X509Certificate[]): { subject: string; public: boolean } | undefined {
  const last = new X509Certificate(lastPem);
  const root = last.checkIssued(last) ? last : trusted.find((ca) => last.checkIssued(ca) && last.verify(ca.publicKey));
  if (root === undefined) return undefined;
  return { subject: root.subject.replace(/\n/g, ', '), public: PUBLIC_ROOTS.has(root.fingerprint256) };
}
