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
  if (last && sameOptions(last.options, options)) return last.context;
  // Keys are hashed, never kept as map keys in clear.
  const key = createHash('sha256').update(JSON.stringify(options, bufferAsBase64)).digest('base64');
  let context = cache.get(key);
  if (!context) {
    context = createSecureContext(options);
    cache.set(key, context);
  }
  last = SECRET_OPTIONS.some((name) => options[name] !== undefined) ? undefined : { options, context };
  return context;
}

/**
 * The last configuration without a private key, and its context: connections in a row mostly
 * share one, and comparing its values costs a fraction of serialising and hashing them.
 */
let last: { readonly options: SecureContextOptions; readonly context: SecureContext } | undefined;

/** Options that carry a private key or what unlocks one: never kept past the call. */
const SECRET_OPTIONS = ['key', 'passphrase', 'pfx'] as const;

/** The same values under the same names; arrays (`ca`) compared item by item. */
function sameOptions(a: SecureContextOptions, b: SecureContextOptions): boolean {
  const names = Object.keys(a) as Array<keyof SecureContextOptions>;
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => {
    const x: unknown = a[name];
    const y: unknown = b[name];
    return x === y || (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((item, i) => item === y[i]));
  });
}

function bufferAsBase64(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}
