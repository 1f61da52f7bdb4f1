import fc from 'fast-check';
import { servedChainFaults } from '../../lib/diagnostics/served-chain';
import type { ServedCertificate } from '../../lib/diagnostics/doctor-findings';

/** A chain as served, from (name, issuer name) pairs: issuerIndex is where the issuer was first sent, as the wire probe finds it by signature. */
function served(...pairs: readonly (readonly [string, string])[]): ServedCertificate[] {
  return pairs.map(([subject, issuer]) => {
    const issuerIndex = subject === issuer ? -1 : pairs.findIndex(([s]) => s === issuer);
    return {
      subject,
      issuer,
      fingerprint256: subject,
      selfSigned: subject === issuer,
      isCA: subject !== 'leaf',
      ...(issuerIndex >= 0 && { issuerIndex }),
    };
  });
}

describe('servedChainFaults', () => {
  it('a tidy chain: leaf, then each issuer, no root', () => {
    expect(servedChainFaults(served(['leaf', 'int'], ['int', 'root']))).toEqual({
      path: [0, 1],
      outOfOrder: false,
      duplicates: [],
      unrelated: [],
    });
  });

  it('out of order: an issuer before the certificate it issued', () => {
    expect(servedChainFaults(served(['leaf', 'two'], ['one', 'root'], ['two', 'one']))).toMatchObject({
      path: [0, 2, 1],
      outOfOrder: true,
    });
  });

  it('a repeat, a stray and the root, each named by position', () => {
    expect(servedChainFaults(served(['leaf', 'int'], ['int', 'root'], ['int', 'root'], ['stray', 'stray'], ['root', 'root']))).toEqual({
      path: [0, 1, 4],
      outOfOrder: false,
      duplicates: [2],
      unrelated: [3],
      rootSent: 4,
    });
  });

  it('a self-signed leaf alone is no root sent; a loop of issuers ends', () => {
    expect(servedChainFaults(served(['leaf', 'leaf']))).toEqual({ path: [0], outOfOrder: false, duplicates: [], unrelated: [] });
    const loop: ServedCertificate[] = served(['a', 'b'], ['b', 'a']);
    expect(servedChainFaults(loop).path).toEqual([0, 1]);
    expect(servedChainFaults([])).toEqual({ path: [], outOfOrder: false, duplicates: [], unrelated: [] });
  });

  it('every position is on the path, a repeat or unrelated — exactly one of them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.integer({ min: 0, max: 5 }), issuer: fc.integer({ min: 0, max: 5 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        (entries) => {
          const chain = served(...entries.map((e) => [`n${e.name}`, `n${e.issuer}`] as const));
          const faults = servedChainFaults(chain);
          const seen = [...faults.path, ...faults.duplicates, ...faults.unrelated].sort((a, b) => a - b);
          expect(seen).toEqual(chain.map((_c, i) => i));
        },
      ),
    );
  });
});
