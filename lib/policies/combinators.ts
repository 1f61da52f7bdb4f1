import { uniqueCertErrors } from '../certificates/cert-errors';
import { caSourceItems, type CaSource } from '../certificates/ca';
import type { CertError } from '../events';
import { InvalidOptionError } from '../errors';
import type { HandshakeFacts, VerificationPolicy } from './policy';

/**
 * Every policy must accept the peer; the errors of all that reject it are reported together.
 *
 * @example
 * ```ts
 * import { allOf, pin, strict } from 'rxtls';
 * const pinnedAndTrusted = allOf(strict(), pin('sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg='));
 * ```
 */
export function allOf(...policies: VerificationPolicy[]): VerificationPolicy {
  checkPolicies('allOf', policies);
  return {
    name: `allOf(${policies.map((p) => p.name).join(', ')})`,
    ...trustOf(policies),
    check: (facts) => combine(policies, facts, (results) => uniqueCertErrors(results.flat())),
  };
}

/**
 * One policy accepting the peer is enough; when none does, the errors of all are reported.
 *
 * @example
 * ```ts
 * import { anyOf, fingerprint, strict } from 'rxtls';
 * // A publicly trusted certificate, or the known development certificate.
 * const trustedOrDev = anyOf(strict(), fingerprint('3A:5F:…:9C'));
 * ```
 */
export function anyOf(...policies: VerificationPolicy[]): VerificationPolicy {
  checkPolicies('anyOf', policies);
  return {
    name: `anyOf(${policies.map((p) => p.name).join(', ')})`,
    ...trustOf(policies),
    check: (facts) => combine(policies, facts, (results) => (results.some((r) => r.length === 0) ? [] : uniqueCertErrors(results.flat()))),
  };
}

function combine(
  policies: readonly VerificationPolicy[],
  facts: HandshakeFacts,
  merge: (results: Array<readonly CertError[]>) => readonly CertError[],
): readonly CertError[] | Promise<readonly CertError[]> {
  const results = policies.map((p) => p.check(facts));
  // Stay synchronous unless some policy is not.
  if (!results.some((r) => r instanceof Promise)) return merge(results as Array<readonly CertError[]>);
  return Promise.all(results.map((r) => Promise.resolve(r))).then(merge);
}

function trustOf(policies: readonly VerificationPolicy[]): { trust?: CaSource } {
  const sources = policies.flatMap((p) => (p.trust === undefined ? [] : caSourceItems(p.trust)));
  return sources.length === 0 ? {} : { trust: sources };
}

function checkPolicies(name: string, policies: readonly VerificationPolicy[]): void {
  if (policies.length === 0) throw new InvalidOptionError(name, policies, 'needs at least one policy');
  policies.forEach((p, i) => {
    if (typeof p?.check !== 'function') throw new InvalidOptionError(`${name}[${i}]`, p, 'must be a verification policy');
  });
}
