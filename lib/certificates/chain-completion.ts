import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { ISSUER_CACHE_SIZE } from '../defaults';
import type { CertError } from '../events';
import { lruCache } from '../util/lru-cache';
import { certError } from './cert-errors';
import { asn1Libraries, extensionValue, uris } from './crl-asn1';
import { fetchBounded, type FetchLimits } from './fetch-url';

/**
 * Options of {@link completeChain}.
 *
 * @example
 * ```ts
 * import type { CompleteChainOptions } from 'rxtls';
 * const options: CompleteChainOptions = { anchors: [ca], fetch: { timeoutMs: 2_000 } };
 * ```
 */
export interface CompleteChainOptions {
  /** The trust anchors (PEM). Default: Node's root store. */
  readonly anchors?: readonly string[];
  /** Bounds of each fetch. */
  readonly fetch?: FetchLimits;
  /** Most issuers fetched for one chain. Default 3. */
  readonly maxFetches?: number;
  /** The time the chain must be valid at. Default: now. */
  readonly now?: Date;
}

/**
 * What {@link completeChain} found: the chain from the leaf to a trust anchor, and what it had to
 * fetch for it (nothing when the chain was already complete), or why no such chain was had.
 *
 * @example
 * ```ts
 * import type { CompletedChain } from 'rxtls';
 * const misconfigured = (c: CompletedChain) => c.ok && c.fetched.length > 0; // the server omits an intermediate
 * ```
 */
export type CompletedChain =
  | {
      /** The chain was completed and verified. */
      readonly ok: true;
      /** Leaf first, the trust anchor last, as PEM. */
      readonly chain: readonly string[];
      /** The issuers fetched from AIA caIssuers URLs, nearest the leaf first. */
      readonly fetched: ReadonlyArray<{
        /** The URL it came from. */
        readonly url: string;
        /** The certificate, as PEM. */
        readonly pem: string;
      }>;
    }
  | {
      /** The chain could not be completed, or the completed chain did not verify. */
      readonly ok: false;
      /** Why: `CHAIN_COMPLETION_FAILED` with the reason. */
      readonly problem: CertError;
      /** What was fetched before it failed. */
      readonly fetched: ReadonlyArray<{
        /** The URL it came from. */
        readonly url: string;
        /** The certificate, as PEM. */
        readonly pem: string;
      }>;
    };

const ID_AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';
const ID_PE_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';
const ID_CE_NAME_CONSTRAINTS = '2.5.29.30';
const ID_CE_BASIC_CONSTRAINTS = '2.5.29.19';

/** Issuers fetched, by URL: public certificates, bounded, re-verified each time they are used. */
const issuers = lruCache<string, X509Certificate>(ISSUER_CACHE_SIZE);

/**
 * Builds the chain from the leaf to a trust anchor, fetching each missing issuer from the
 * caIssuers URL of the certificate's Authority Information Access (DER or PEM, http(s) only,
 * within `fetch`'s bounds, cached by URL). OpenSSL did not verify this chain, so it is verified
 * here, link by link, with node:crypto: each issuer's name is the certificate's issuer, its key
 * verifies the signature and it may sign certificates (`checkIssued`, which is OpenSSL's
 * X509_check_issued: name, key identifiers, keyCertSign), it is a CA, every certificate is
 * within its dates at `now`, and no CA's path-length constraint is exceeded. A chain through a
 * CA with name constraints is refused: they are not checked here. For `rxtls doctor` too: the
 * presented chain is judged the same way whether or not anything was missing.
 *
 * @param chain - the chain the server presented, leaf first, as PEM.
 * @returns the completed chain, or `CHAIN_COMPLETION_FAILED` saying why (never throws).
 * @example
 * ```ts
 * import { completeChain } from 'rxtls';
 * declare const presented: string[]; // the server's chain, leaf first
 * const result = await completeChain(presented);
 * if (result.ok && result.fetched.length > 0) console.log(`the server omits ${result.fetched.length} intermediate(s)`);
 * ```
 */
export async function completeChain(chain: readonly string[], options: CompleteChainOptions = {}): Promise<CompletedChain> {
  const fetched: Array<{ url: string; pem: string }> = [];
  const fail = (why: string): CompletedChain => ({ ok: false, problem: certError('CHAIN_COMPLETION_FAILED', why), fetched });
  try {
    const now = options.now ?? new Date();
    const anchors = (options.anchors ?? rootCertificates).map((pem) => new X509Certificate(pem));
    const path = chain.map((pem) => new X509Certificate(pem));
    if (path.length === 0) return fail('the peer presented no certificate');
    for (let i = 0; i < path.length - 1; i++) {
      const problem = linkProblem(path[i] as X509Certificate, path[i + 1] as X509Certificate, now);
      if (problem) return fail(problem);
    }
    const maxFetches = options.maxFetches ?? 3;
    for (;;) {
      const top = path[path.length - 1] as X509Certificate;
      const anchor = anchors.find((a) => a.fingerprint256 === top.fingerprint256 || linkProblem(top, a, now) === undefined);
      if (anchor) {
        if (anchor.fingerprint256 !== top.fingerprint256) path.push(anchor);
        const constrained = await constraintProblem(path);
        if (constrained) return fail(constrained);
        return { ok: true, chain: path.map((c) => c.toString()), fetched };
      }
      if (top.checkIssued(top)) return fail(`${subjectOf(top)} is self-signed and not a trust anchor`);
      if (fetched.length >= maxFetches) return fail(`no trust anchor after ${maxFetches} fetched issuers`);
      const urls = (await caIssuersUrls(top)).filter((u) => /^https?:/i.test(u));
      const url = urls[0];
      if (url === undefined) return fail(`${subjectOf(top)} names no http(s) caIssuers URL (Authority Information Access)`);
      const issuer = await fetchIssuer(url, options.fetch);
      if (typeof issuer === 'string') return fail(issuer);
      const problem = linkProblem(top, issuer, now);
      if (problem) return fail(`the certificate at ${url}: ${problem}`);
      fetched.push({ url, pem: issuer.toString() });
      path.push(issuer);
    }
  } catch (error) {
    return fail(`the chain cannot be read: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** Why `issuer` did not issue `cert` as a CA may, at `now`; `undefined` when it did. */
function linkProblem(cert: X509Certificate, issuer: X509Certificate, now: Date): string | undefined {
  if (!signedBy(cert, issuer)) return `${subjectOf(issuer)} did not issue ${subjectOf(cert)}`;
  if (!issuer.ca) return `${subjectOf(issuer)} is not a CA`;
  for (const c of [cert, issuer]) {
    if (new Date(c.validTo) < now) return `${subjectOf(c)} has expired`;
    if (new Date(c.validFrom) > now) return `${subjectOf(c)} is not yet valid`;
  }
  return undefined;
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Path-length and name constraints along the path, leaf first. */
async function constraintProblem(path: readonly X509Certificate[]): Promise<string | undefined> {
  const { schema, x509Asn } = await asn1Libraries();
  for (let i = 1; i < path.length; i++) {
    const ca = path[i] as X509Certificate;
    if (await extensionValue(ca, ID_CE_NAME_CONSTRAINTS))
      return `${subjectOf(ca)} has name constraints, which a completed chain does not check`;
    const value = await extensionValue(ca, ID_CE_BASIC_CONSTRAINTS);
    const limit = value ? schema.AsnConvert.parse(value, x509Asn.BasicConstraints).pathLenConstraint : undefined;
    // Below path[i]: i - 1 intermediate CAs (the leaf does not count).
    if (limit !== undefined && i - 1 > limit)
      return `${subjectOf(ca)} allows ${limit} intermediate(s) below it, and the chain has ${i - 1}`;
  }
  return undefined;
}

/** The caIssuers URLs of the certificate's Authority Information Access, in order. */
export async function caIssuersUrls(cert: X509Certificate): Promise<string[]> {
  const { schema, x509Asn } = await asn1Libraries();
  const value = await extensionValue(cert, ID_PE_AUTHORITY_INFO_ACCESS);
  if (!value) return [];
  const access = schema.AsnConvert.parse(value, x509Asn.AuthorityInfoAccessSyntax);
  return uris(access.filter((a) => a.accessMethod === ID_AD_CA_ISSUERS).map((a) => a.accessLocation));
}

/** The certificate at `url` (DER or PEM), or why it could not be had (naming the URL). */
async function fetchIssuer(url: string, limits: FetchLimits | undefined): Promise<X509Certificate | string> {
  const cached = issuers.get(url);
  if (cached) return cached;
  let bytes: Buffer;
  try {
    bytes = await fetchBounded(url, limits);
  } catch (error) {
    return (error as Error).message;
  }
  try {
    const issuer = new X509Certificate(bytes);
    issuers.set(url, issuer);
    return issuer;
  } catch {
    return `the body of ${url} is no certificate (DER or PEM; PKCS#7 bundles are not supported)`;
  }
}

function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').filter(Boolean).join(', ');
}
