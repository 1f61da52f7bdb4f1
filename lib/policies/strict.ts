import type { CaSource } from '../certificates/ca';
import type { VerificationPolicy } from './policy';

/**
 * Options of {@link strict}.
 *
 * @example
 * ```ts
 * import { strict } from 'rxtls';
 * strict({ ca: '/etc/ssl/certs' });
 * ```
 */
export interface StrictOptions {
  /**
   * Trust these CAs instead of Node's root store: PEM text or Buffer, a PEM file, a directory of
   * PEM files (the article's `/etc/ssl/certs`), or {@link systemTrustStore}().
   */
  readonly ca?: CaSource;
}

const STRICT: VerificationPolicy = { name: 'strict', check: (facts) => facts.problems };

/**
 * The default policy: the chain must lead to a trusted CA, every certificate must be within its
 * validity dates, and the name connected to must match the leaf. Every problem found is reported.
 *
 * @example
 * ```ts
 * import { connect, strict, systemTrustStore } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993, verify: strict() }); // same as leaving verify out
 * connect({ host: 'imap.example.com', port: 993, verify: strict({ ca: '/etc/ssl/certs' }) });
 * connect({ host: 'imap.example.com', port: 993, verify: strict({ ca: systemTrustStore() }) });
 * ```
 */
export function strict(options: StrictOptions = {}): VerificationPolicy {
  // Stryker disable next-line ConditionalExpression: a copy with `trust: undefined` is judged and trusted the same as STRICT
  return options.ca === undefined ? STRICT : { ...STRICT, trust: options.ca };
}
