import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import { certError, uniqueCertErrors } from './cert-errors';
import type { CertError } from '../events';
import { currentRuntime, reportsOpenSslVerdicts } from '../util/runtime';

/** The trust anchors a connection verifies against: the configured CA certificates, or Node's root store. */
export type TrustAnchors = readonly X509Certificate[];

let defaultAnchors: TrustAnchors | undefined;

/** Node's bundled root store, parsed once and only when a failure needs explaining. */
export function defaultTrustAnchors(): TrustAnchors {
  defaultAnchors ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return defaultAnchors;
}

/**
 * Every problem found with a chain, as `openssl s_client` lists them: OpenSSL's verdict (Node
 * passes on only the last problem OpenSSL found), why no trusted path was built, each expired or
 * not-yet-valid certificate, and a hostname mismatch. Empty when OpenSSL accepted the chain and
 * the name matched.
 */
export function findProblems(
  chain: readonly X509Certificate[],
  opensslCode: string | undefined,
  /** The name the leaf must match; `undefined` for client certificates, which carry no host name to check. */
  servername: string | undefined,
  anchors: () => TrustAnchors,
  now = new Date(),
): CertError[] {
  const leaf = chain[0];
  if (!leaf) return [certError('NO_PEER_CERTIFICATE', 'the peer sent no certificate')];
  const problems: CertError[] = opensslCode ? trustProblems(chain, anchors(), opensslCode) : [];
  const at = now.getTime();
  for (const cert of chain) {
    const { validFrom, validTo } = remembered(cert);
    if (validTo < at) problems.push(certError('CERT_HAS_EXPIRED', undefined, subjectOf(cert)));
    if (validFrom > at) problems.push(certError('CERT_NOT_YET_VALID', undefined, subjectOf(cert)));
  }
  // OpenSSL's verdict comes first; our own checks name the certificate, so where one of them
  // found the same code, OpenSSL's (which does not say at which depth it failed) is redundant.
  // So is, wherever our checks found a problem, the verdict of a runtime that only maps its own
  // verifier onto OpenSSL's names (the peer is rejected either way); where they found none, it stays.
  const redundant = problems.some((p) => p.code === opensslCode) || (problems.length > 0 && !reportsOpenSslVerdicts(currentRuntime()));
  if (opensslCode && !redundant) problems.unshift(certError(opensslCode));
  const mismatch = servername === undefined ? undefined : nameMismatch(leaf, servername);
  if (mismatch !== undefined) problems.push(certError('ERR_TLS_CERT_ALTNAME_INVALID', mismatch, subjectOf(leaf)));
  return uniqueCertErrors(problems);
}

/**
 * Why OpenSSL could not build a trusted path, in its own terms and order, from the chain Node
 * passed on. Node passes on only the issuers OpenSSL's X509_check_issued accepts, and that
 * wants keyCertSign: so when OpenSSL's verdict is KEYUSAGE_NO_CERTSIGN and the chain ends short
 * of a trust anchor, the peer did send the top's issuer, but one that may not sign.
 */
function trustProblems(chain: readonly X509Certificate[], anchors: TrustAnchors, opensslCode: string): CertError[] {
  const trusted = (cert: X509Certificate) =>
    anchors.some((anchor) => anchor.fingerprint256 === cert.fingerprint256 || issuedBy(cert, anchor));
  if (chain.some(trusted)) return [];
  const top = chain[chain.length - 1] as X509Certificate;
  if (selfIssued(top)) {
    return [certError(chain.length === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN', undefined, subjectOf(top))];
  }
  if (opensslCode === 'KEYUSAGE_NO_CERTSIGN') {
    // A keyUsage without keyCertSign makes a certificate no CA to OpenSSL (check_ca), hence
    // also unfit to issue for TLS (check_ssl_ca): it reports all three, in this order.
    const issuer = distinguishedName(top.issuer);
    return ['INVALID_CA', 'INVALID_PURPOSE', 'KEYUSAGE_NO_CERTSIGN'].map((code) => certError(code, undefined, issuer));
  }
  // No issuer found for the top (20); when the top is the leaf, its signature is unchecked too (21).
  const problems = [certError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', undefined, subjectOf(top))];
  if (chain.length === 1) problems.push(certError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', undefined, subjectOf(top)));
  return problems;
}

function selfIssued(cert: X509Certificate): boolean {
  return issuedBy(cert, cert);
}

/** Name and signature only: OpenSSL's checkIssued also wants keyCertSign, which a self-signed leaf lacks. */
function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.issuer === issuer.subject && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * What the checks read from one certificate object, read once: X509Certificate's getters call
 * into OpenSSL on every access. Connections that share a verified chain (verified-chains.ts)
 * share its certificate objects, so each handshake after the first reads nothing again.
 */
interface Remembered {
  /** `validFrom` and `validTo`, in milliseconds since the epoch. */
  readonly validFrom: number;
  readonly validTo: number;
  /** The legacy object `checkServerIdentity` wants, made on the first name check. */
  legacy?: PeerCertificate;
  /** The mismatch's message per name checked, `undefined` for a name that matched. */
  byName?: Map<string, string | undefined>;
}

/** Names remembered per certificate: a leaf is rarely reached under more than a few. */
const NAMES_PER_CERTIFICATE = 8;

const rememberedOf = new WeakMap<X509Certificate, Remembered>();

function remembered(cert: X509Certificate): Remembered {
  let known = rememberedOf.get(cert);
  if (!known) {
    known = { validFrom: Date.parse(cert.validFrom), validTo: Date.parse(cert.validTo) };
    rememberedOf.set(cert, known);
  }
  return known;
}

/**
 * Why `servername` does not match the certificate (Node's `checkServerIdentity`), or `undefined`
 * when it does. The verdict depends on nothing but the two, so it is remembered per certificate.
 */
function nameMismatch(cert: X509Certificate, servername: string): string | undefined {
  const known = remembered(cert);
  known.byName ??= new Map();
  if (known.byName.has(servername)) return known.byName.get(servername);
  known.legacy ??= cert.toLegacyObject();
  const message = checkServerIdentity(servername, known.legacy)?.message;
  if (known.byName.size < NAMES_PER_CERTIFICATE) known.byName.set(servername, message);
  return message;
}

function subjectOf(cert: X509Certificate): string {
  return distinguishedName(cert.subject);
}

/** Node's multi-line distinguished name on one line, as `PeerInfo` gives it. */
function distinguishedName(multiline: string): string {
  return multiline.split('\n').filter(Boolean).join(', ');
}
