import { certError } from '../certificates/cert-errors';
import type { CertError } from '../events';
import { InvalidOptionError } from '../errors';
import type { HandshakeFacts, VerificationPolicy } from './policy';

/**
 * What a custom predicate returns: `true` (or no errors) to accept; `false` or the errors to reject.
 *
 * @example
 * ```ts
 * import type { CustomVerdict } from 'rxtls';
 * const reject: CustomVerdict = [{ code: 'ORG_MISMATCH', reason: 'not issued to Example Corp' }];
 * ```
 */
export type CustomVerdict = boolean | readonly CertError[];

/**
 * A policy from your own predicate over the peer (and the problems found). It judges only what
 * it checks: combine it with {@link strict} to keep the standard checks.
 *
 * @example
 * ```ts
 * import { allOf, connect, custom, strict } from 'rxtls';
 * const ourOrganisation = custom(({ peer }) => peer.subject.includes('O=Example Corp'), 'our-organisation');
 * connect({ host: 'mail.example.com', port: 993, verify: allOf(strict(), ourOrganisation) });
 * ```
 */
export function custom(predicate: (facts: HandshakeFacts) => CustomVerdict | Promise<CustomVerdict>, name = 'custom'): VerificationPolicy {
  if (typeof predicate !== 'function') throw new InvalidOptionError('predicate', predicate, 'must be a function');
  const judge = (verdict: CustomVerdict): readonly CertError[] =>
    verdict === true ? [] : verdict === false ? [certError('CUSTOM_REJECTED', `rejected by the policy "${name}"`)] : verdict;
  return {
    name,
    check: (facts) => {
      const verdict = predicate(facts);
      return verdict instanceof Promise ? verdict.then(judge) : judge(verdict);
    },
  };
}
