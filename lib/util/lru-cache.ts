/**
 * A map that keeps at most `size` entries, dropping the least recently used: for the caches
 * that let connections with the same configuration or the same peer share work.
 */
export interface LruCache<K, V> {
  /** The value, marked as the most recently used; `undefined` when absent. */
  get(key: K): V | undefined;
  /** Stores the value as the most recently used, dropping the oldest past the bound. */
  set(key: K, value: V): void;
  readonly size: number;
}

export function lruCache<K, V>(size: number): LruCache<K, V> {
  const entries = new Map<K, V>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value !== undefined) {
        // Map keeps insertion order: re-inserting makes it the newest.
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    set(key, value) {
      entries.delete(key);
      if (entries.size >= size) entries.delete(entries.keys().next().value as K);
      entries.set(key, value);
    },
    get size() {
      return entries.size;
    },
  };
}
