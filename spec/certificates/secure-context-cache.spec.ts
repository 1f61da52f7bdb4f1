import fc from 'fast-check';
import { secureContextFor } from '../../lib/certificates/secure-context-cache';
import { SECURE_CONTEXT_CACHE_SIZE } from '../../lib';
import { createTestPki } from '../../lib/testing';

describe('secureContextFor', () => {
  it('builds one context per distinct configuration and reuses it', async () => {
    const pki = await createTestPki();
    const a = secureContextFor({ ca: [pki.ca.cert], minVersion: 'TLSv1.2' });
    const b = secureContextFor({ ca: [pki.ca.cert], minVersion: 'TLSv1.2' });
    const c = secureContextFor({ ca: [pki.ca.cert], minVersion: 'TLSv1.3' });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('keeps at most SECURE_CONTEXT_CACHE_SIZE contexts, dropping the least recently used', () => {
    const first = secureContextFor({ ciphers: 'cipher-0:HIGH' });
    for (let i = 1; i <= SECURE_CONTEXT_CACHE_SIZE; i++) secureContextFor({ ciphers: `cipher-${i}:HIGH` });
    expect(secureContextFor({ ciphers: 'cipher-0:HIGH' })).not.toBe(first);
  });

  it('tells configurations apart item by item, whichever was asked for last', () => {
    const pool = ['cipher-a:HIGH', 'cipher-b:HIGH', 'cipher-c:HIGH'];
    const versions = ['TLSv1.2', 'TLSv1.3'] as const;
    const config = fc.record({
      ciphers: fc.constantFrom(...pool),
      minVersion: fc.constantFrom(...versions),
      sigalgs: fc.constantFrom(undefined, 'ECDSA+SHA256:RSA-PSS+SHA256'),
      ecdhCurve: fc.subarray(['X25519', 'P-256'], { minLength: 1 }).map((curves) => curves.join(':')),
    });
    fc.assert(
      fc.property(fc.array(config, { minLength: 1, maxLength: 20 }), (configs) => {
        // Fresh objects and arrays each time, as each connection builds its own options.
        const seen = new Map<string, ReturnType<typeof secureContextFor>>();
        for (const { sigalgs, ...rest } of configs) {
          const options = { ...rest, ...(sigalgs !== undefined && { sigalgs }) };
          const context = secureContextFor(options);
          const name = JSON.stringify(options);
          const before = seen.get(name);
          if (before) expect(context).toBe(before);
          for (const [other, earlier] of seen) if (other !== name) expect(context).not.toBe(earlier);
          seen.set(name, context);
        }
      }),
    );
  });

  it('compares CA lists by their items, not by the array', async () => {
    const [one, two] = await Promise.all([createTestPki(), createTestPki()]);
    const both = secureContextFor({ ca: [one.ca.cert, two.ca.cert] });
    expect(secureContextFor({ ca: [one.ca.cert, two.ca.cert] })).toBe(both);
    expect(secureContextFor({ ca: [one.ca.cert] })).not.toBe(both);
    expect(secureContextFor({ ca: [one.ca.cert, one.ca.cert] })).not.toBe(both);
    expect(secureContextFor({ ca: [one.ca.cert, two.ca.cert], maxVersion: undefined })).toBe(both);
  });
});
