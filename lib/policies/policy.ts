import type { CaSource } from '../certificates/ca';
import type { CertError, HandshakeFacts } from '../events';

export type { HandshakeFacts } from '../events';

/**
 * A certificate-verification policy: a value that says which problems, if any, make the peer
 * unacceptable. An empty result accepts the peer. Policies are pure (or keep their own state),
 * so they can be unit-tested on fabricated facts.
 *
 * @example
 * ```ts
 * import { connect, type VerificationPolicy } from 'rxtls';
 * const onlyExampleOrg: VerificationPolicy = {
 *   name: 'only-example-org',
 *   check: ({ peer, problems }) =>
 *     peer.subject.includes('O=Example') ? problems : [...problems, { code: 'ORG_MISMATCH', reason: 'not Example' }],
 * };
 * connect({ host: 'example.org', port: 443, verify: onlyExampleOrg });
 * ```
 */
export interface VerificationPolicy {
  /** A short name for messages, e.g. `strict`. */
  readonly name: string;
  /** The problems that reject the peer; an empty array accepts it. */
  check(facts: HandshakeFacts): readonly CertError[] | Promise<readonly CertError[]>;
  /**
   * CA certificates this policy trusts. `connect` hands them to OpenSSL, which verifies the
   * chain against them (together with `options.ca`, if given) instead of the default root store.
   */
  readonly trust?: CaSource;
}
