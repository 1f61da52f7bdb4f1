import type { VerificationPolicy } from './policy';

const STRICT: VerificationPolicy = { name: 'strict', check: (facts) => facts.problems };

/**
 * The default policy: the chain must lead to a trusted CA, every certificate must be within its
 * validity dates, and the name connected to must match the leaf. Every problem found is reported.
 *
 * @example
 * ```ts
 * import { connect, strict } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993, verify: strict() }); // same as leaving verify out
 * ```
 */
export function strict(): VerificationPolicy {
  return STRICT;
}
