import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { SECURE_CONTEXT_CACHE_SIZE } from '../defaults';
import { lruCache } from '../util/lru-cache';

const cache = lruCache<string, SecureContext>(SECURE_CONTEXT_CACHE_SIZE);

/**
 * Returns a secure context for these options, building it only the first time a distinct
 * configuration is seen. Building a context (parsing CAs and keys) costs more than a
 * handshake, so connections with the same configuration share one. Least recently used
 * contexts are dropped past {@link SECURE_CONTEXT_CACHE_SIZE}.
 */
export function secureContextFor(options: SecureContextOptions): SecureContext {
  // Keys are hashed, never kept as map keys in clear.
  const key = createHash('sha256').update(JSON.stringify(options, bufferAsBase64)).digest('base64');
  let context = cache.get(key);
  if (!context) {
    context = createSecureContext(options);
    cache.set(key, context);
  }
  return context;
}

function bufferAsBase64(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}
