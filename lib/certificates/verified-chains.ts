import type { X509Certificate } from 'node:crypto';
import { VERIFIED_CHAIN_CACHE_SIZE } from '../defaults';
import type { CertificateSummary } from '../events';
import { lruCache, type LruCache } from '../util/lru-cache';

/** A peer chain as read and summarised once, to be shared by every connection that presents it. */
export interface KnownChain {
  readonly certificates: readonly X509Certificate[];
  readonly summaries: readonly CertificateSummary[];
}

const scopes = new WeakMap<object, LruCache<string, KnownChain>>();

/**
 * Chains that OpenSSL verified, by the SHA-256 fingerprint of their leaf, in a trust scope: an
 * object that stands for one trust configuration (a client's SecureContext, a server's trusted
 * CAs), so that a chain verified against one set of anchors is never reused under another. A
 * handshake whose chain OpenSSL verified and whose leaf is known skips reading the chain from
 * the socket, parsing each certificate and summarising it: most of what a handshake costs
 * rxtls. The chain OpenSSL builds for one leaf and one set of anchors is the same each time.
 * Bounded per scope by {@link VERIFIED_CHAIN_CACHE_SIZE}; a scope is forgotten with its object.
 */
export function verifiedChains(scope: object): LruCache<string, KnownChain> {
  let chains = scopes.get(scope);
  if (!chains) {
    chains = lruCache(VERIFIED_CHAIN_CACHE_SIZE);
    scopes.set(scope, chains);
  }
  return chains;
}
