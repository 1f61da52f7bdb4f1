import { X509Certificate } from 'node:crypto';
import { completeChain } from '../certificates/chain-completion';
import type { FetchLimits } from '../certificates/fetch-url';
import { recordOnPeer, summarize } from '../certificates/peer-info';
import { InvalidOptionError } from '../errors';
import type { CertError } from '../events';
import type { VerificationPolicy } from './policy';
import { strict } from './strict';
import { judge } from './verdict';

/** What OpenSSL says of a chain that stops short of a trust anchor: what a completed chain answers. */
const INCOMPLETE = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

/**
 * Options of {@link completingChain}.
 *
 * @example
 * ```ts
 * import { completingChain, type CompletingChainOptions } from 'rxtls';
 * const options: CompletingChainOptions = { fetch: { timeoutMs: 2_000 } };
 * completingChain(options);
 * ```
 */
export interface CompletingChainOptions {
  /** The policy that judges the completed chain (default {@link strict}). */
  readonly policy?: VerificationPolicy;
  /** Bounds of each fetch of an issuer. */
  readonly fetch?: FetchLimits;
}

/**
 * Opt-in chain completion, as browsers do it: when the server omitted an intermediate (OpenSSL:
 * "unable to get local issuer certificate"), fetch it from the leaf's AIA caIssuers URL
 * ({@link completeChain}), verify the completed chain against the same trust anchors, and let
 * `options.policy` (default {@link strict}) judge the peer as if the server had sent it. The
 * `connected` event says so in `peer.chainCompletion` (the server is misconfigured even though it
 * was accepted). When completion fails, the problems stay, with `CHAIN_COMPLETION_FAILED` saying
 * why. A chain that lacks nothing is judged as it is, with nothing fetched.
 *
 * @param options - the policy judging the completed chain, and fetch bounds.
 * @returns a policy.
 * @example
 * ```ts
 * import { completingChain, connect, revocation } from 'rxtls';
 * connect({ host: 'misconfigured.example', port: 443, verify: completingChain() });
 * // Revocation checked along the completed chain:
 * connect({ host: 'misconfigured.example', port: 443, verify: revocation({ policy: completingChain() }) });
 * ```
 */
export function completingChain(options: CompletingChainOptions = {}): VerificationPolicy {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'must be an object');
  const inner = options.policy ?? strict();
  if (typeof inner.check !== 'function') throw new InvalidOptionError('policy', inner, 'must be a verification policy such as strict()');
  return {
    name: `completingChain(${inner.name})`,
    ...(inner.trust !== undefined && { trust: inner.trust }),
    check: async (facts): Promise<readonly CertError[]> => {
      if (!facts.problems.some((p) => INCOMPLETE.has(p.code))) return judge(inner, facts);
      const result = await completeChain(
        facts.peer.chain.map((c) => c.pem),
        { ...(facts.trustAnchors && { anchors: facts.trustAnchors() }), ...(options.fetch && { fetch: options.fetch }) },
      );
      if (!result.ok) {
        const errors = await judge(inner, facts);
        return errors.length === 0 ? errors : [...errors, { ...result.problem, certificate: facts.peer.subject }];
      }
      const chain = result.chain.map((pem) => summarize(new X509Certificate(pem)));
      const fetched = result.fetched.map(({ url, pem }) => ({ ...summarize(new X509Certificate(pem)), url }));
      recordOnPeer(facts.peer, 'chainCompletion', { fetched, chain });
      return judge(inner, { ...facts, problems: facts.problems.filter((p) => !INCOMPLETE.has(p.code)) });
    },
  };
}
