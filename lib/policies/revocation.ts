import { X509Certificate } from 'node:crypto';
import { certError } from '../certificates/cert-errors';
import { crlDistributionPoints } from '../certificates/crl-asn1';
import { judgeByCrl } from '../certificates/crl';
import { crlSource } from '../certificates/crl-cache';
import type { FetchLimits } from '../certificates/fetch-url';
import { judgeStaple } from '../certificates/ocsp';
import { recordOnPeer } from '../certificates/peer-info';
import { DEFAULT_CRL_CACHE_SIZE, DEFAULT_REVOCATION_MODE } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { CertError, CertificateRevocation, CertificateSummary, HandshakeFacts } from '../events';
import { isPositiveInteger } from '../util/option-checks';
import type { VerificationPolicy } from './policy';
import { strict } from './strict';
import { judge } from './verdict';

/**
 * Options of {@link revocation}.
 *
 * @example
 * ```ts
 * import { revocation, type RevocationOptions } from 'rxtls';
 * const options: RevocationOptions = { mode: 'soft', cacheDirectory: '/var/cache/rxtls-crl', fetch: { timeoutMs: 2_000 } };
 * revocation(options);
 * ```
 */
export interface RevocationOptions {
  /**
   * `'hard'` (default): a CRL that cannot be fetched, is stale or is not signed by the issuer
   * rejects the peer (`UNABLE_TO_GET_CRL`, `CRL_HAS_EXPIRED`, `CRL_SIGNATURE_FAILURE`, …), as
   * does an untrustworthy stapled OCSP response (`OCSP_STAPLE_INVALID`). `'soft'`: those
   * accept, and `connected`'s `peer.revocation` says `'unknown'` and why. A revoked
   * certificate is rejected in both.
   */
  readonly mode?: 'hard' | 'soft';
  /** The policy that judges the peer first (default {@link strict}); revocation is checked only for a chain it accepts. */
  readonly policy?: VerificationPolicy;
  /** CRLs kept in memory, each until its nextUpdate. Default {@link DEFAULT_CRL_CACHE_SIZE}. */
  readonly cacheSize?: number;
  /** A directory to keep fetched CRLs in across runs, one file a URL (docs/verification.md). Default: none. */
  readonly cacheDirectory?: string;
  /** Bounds of each CRL fetch. */
  readonly fetch?: FetchLimits;
}

/**
 * Revocation checking by CRL and stapled OCSP, after another policy (default {@link strict})
 * accepted the chain. For each certificate of the verified chain but its trust anchor, the
 * status comes from the OCSP response the server stapled (the leaf; connect with
 * `requestOCSP: true`), or else from the CRL at the certificate's CRL distribution point,
 * fetched over http(s) within `fetch`'s bounds, checked against the issuer from the verified
 * chain (name, signature, `thisUpdate`/`nextUpdate`) and cached until its `nextUpdate`.
 * Concurrent fetches of one URL share a request. A revoked certificate is `CERT_REVOKED` with
 * `details.revokedAt` and `details.revocationReason`, in every mode. What was found is in
 * `peer.revocation` of `connected` (and of `certFailed`). A certificate that names no
 * distribution point is `'unknown'` (source `'none'`) and accepted in both modes: nothing
 * can be checked, and its CA chose so. No fetch is made for a chain the first policy rejects.
 *
 * @param options - mode, first policy, caches and fetch bounds.
 * @returns a policy that adds revocation to `options.policy`.
 * @example
 * ```ts
 * import { connect, revocation } from 'rxtls';
 * connect({ host: 'example.com', port: 443, requestOCSP: true, verify: revocation() }).subscribe((e) => {
 *   if (e.type === 'connected') console.log(e.peer.revocation?.status); // 'good'
 * });
 * ```
 * @see {@link RevocationOptions}
 */
export function revocation(options: RevocationOptions = {}): VerificationPolicy {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'must be an object');
  const mode = options.mode ?? DEFAULT_REVOCATION_MODE;
  if (mode !== 'hard' && mode !== 'soft') throw new InvalidOptionError('mode', mode, "must be 'hard' or 'soft'");
  const cacheSize = options.cacheSize ?? DEFAULT_CRL_CACHE_SIZE;
  if (!isPositiveInteger(cacheSize)) throw new InvalidOptionError('cacheSize', cacheSize, 'must be a positive integer');
  if (options.cacheDirectory !== undefined && (typeof options.cacheDirectory !== 'string' || options.cacheDirectory === ''))
    throw new InvalidOptionError('cacheDirectory', options.cacheDirectory, 'must be a directory path');
  checkFetchLimits(options.fetch);
  const first = options.policy ?? strict();
  if (typeof first.check !== 'function') throw new InvalidOptionError('policy', first, 'must be a verification policy such as strict()');
  const crls = crlSource({
    cacheSize,
    ...(options.cacheDirectory !== undefined && { cacheDirectory: options.cacheDirectory }),
    ...(options.fetch && { fetch: options.fetch }),
  });

  /** The status of `chain[index]`, and the problem it is in this mode, if any. */
  const statusOf = async (facts: HandshakeFacts, index: number): Promise<[CertificateRevocation, CertError?]> => {
    const chain = verifiedChain(facts);
    const summary = chain[index] as CertificateSummary;
    const issuerSummary = chain[index + 1];
    const subject = summary.subject;
    const unknown = (reason: string, problem?: CertError, url?: string): [CertificateRevocation, CertError?] => {
      const status: CertificateRevocation = { subject, status: 'unknown', source: 'none', reason, ...(url !== undefined && { url }) };
      return mode === 'hard' && problem ? [status, { ...problem, certificate: subject }] : [status];
    };
    if (!issuerSummary) return unknown('its issuer is not in the verified chain');
    const cert = new X509Certificate(summary.pem);
    const issuer = new X509Certificate(issuerSummary.pem);
    const revoked = (source: 'crl' | 'ocsp-staple', revokedAt: Date, reason: string, url?: string): [CertificateRevocation, CertError] => [
      { subject, status: 'revoked', source, revokedAt, reason, ...(url !== undefined && { url }) },
      {
        ...certError(
          'CERT_REVOKED',
          `certificate revoked on ${revokedAt.toISOString()} (${reason}), says ${url ?? 'the stapled OCSP response'}`,
          subject,
        ),
        details: { revokedAt, revocationReason: reason, source, ...(url !== undefined && { url }) },
      },
    ];
    let stapleNote: string | undefined;
    if (index === 0 && facts.stapledOcsp) {
      const staple = await judgeStaple(facts.stapledOcsp, cert, issuer);
      if (staple.status === 'revoked') return revoked('ocsp-staple', staple.revokedAt, staple.reason);
      if (staple.status === 'good') return [{ subject, status: 'good', source: 'ocsp-staple' }];
      if (mode === 'hard') return unknown(staple.problem.reason, staple.problem);
      stapleNote = staple.problem.reason; // soft: fall back to the CRL, and say why
    }
    const urls = (await crlDistributionPoints(cert)).filter((u) => /^https?:/i.test(u));
    if (urls.length === 0) return unknown([stapleNote, 'it names no http(s) CRL distribution point'].filter(Boolean).join('; '));
    let last: CertError | undefined;
    for (const url of urls) {
      const crl = await crls.crl(url);
      if (!('crl' in crl)) {
        last = crl;
        continue;
      }
      const verdict = await judgeByCrl(crl, cert, issuer);
      if (verdict.status === 'revoked') return revoked('crl', verdict.revokedAt, verdict.reason, url);
      if (verdict.status === 'good') return [{ subject, status: 'good', source: 'crl', url }];
      last = verdict.problem;
    }
    const problem = last as CertError;
    return unknown([stapleNote, problem.reason].filter(Boolean).join('; '), problem, urls[urls.length - 1]);
  };

  return {
    name: `revocation(${mode}, ${first.name})`,
    ...(first.trust !== undefined && { trust: first.trust }),
    check: async (facts) => {
      const earlier = await judge(first, facts);
      if (earlier.length > 0) return earlier;
      const chain = verifiedChain(facts);
      // The trust anchor at the top (self-issued) is trusted as configured, not checked.
      const top = chain[chain.length - 1] as CertificateSummary;
      const checked = chain.length > 1 && top.subject === top.issuer ? chain.length - 1 : chain.length;
      const results = await Promise.all(Array.from({ length: checked }, (_, i) => statusOf(facts, i)));
      const certificates = results.map(([status]) => status);
      const worst = certificates.some((c) => c.status === 'revoked')
        ? 'revoked'
        : certificates.some((c) => c.status === 'unknown')
          ? 'unknown'
          : 'good';
      recordOnPeer(facts.peer, 'revocation', { status: worst, certificates });
      return results.flatMap(([, problem]) => (problem ? [problem] : []));
    },
  };
}

/** The chain a revocation check walks: the one `completingChain()` completed, else the presented one. */
function verifiedChain(facts: HandshakeFacts): readonly CertificateSummary[] {
  return facts.peer.chainCompletion?.chain ?? facts.peer.chain;
}

function checkFetchLimits(limits: FetchLimits | undefined): void {
  if (limits === undefined) return;
  if (limits === null || typeof limits !== 'object') throw new InvalidOptionError('fetch', limits, 'must be an object of fetch limits');
  for (const name of ['maxBytes', 'timeoutMs'] as const) {
    const value = limits[name];
    if (value !== undefined && !isPositiveInteger(value))
      throw new InvalidOptionError(`fetch.${name}`, value, 'must be a positive integer');
  }
  const redirects = limits.maxRedirects;
  if (redirects !== undefined && !(Number.isInteger(redirects) && redirects >= 0 && redirects <= 20))
    throw new InvalidOptionError('fetch.maxRedirects', redirects, 'must be an integer from 0 to 20');
}
