import fc from 'fast-check';
import { lruCache } from '../../lib/util/lru-cache';

describe('lruCache', () => {
  it('drops the least recently used entry past its size', () => {
    const cache = lruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now newer than b
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('replaces a value set again without growing', () => {
    const cache = lruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(2);
  });

  it('never holds more than its size, and always holds the last `size` distinct keys used', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 })), { maxLength: 60 }),
        (size, operations) => {
          const cache = lruCache<number, number>(size);
          const model: number[] = []; // most recently used last
          for (const [isSet, key] of operations) {
            const present = model.includes(key);
            if (isSet || present) {
              if (present) model.splice(model.indexOf(key), 1);
              model.push(key);
              if (model.length > size) model.shift();
            }
            if (isSet) cache.set(key, key * 10);
            else expect(cache.get(key)).toBe(present ? key * 10 : undefined);
            expect(cache.size).toBeLessThanOrEqual(size);
          }
          for (const key of model) expect(cache.get(key)).toBe(key * 10);
        },
      ),
    );
  });
});
