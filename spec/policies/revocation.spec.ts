import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { InvalidOptionError, connect, revocation, custom, type HandshakeFacts } from '../../lib';
import { summarize } from '../../lib/certificates/peer-info';
import { createTestPki, fakePeer, type TestPki } from '../../lib/testing';

/** revocation() on fabricated facts: its options, and what it does before and without a fetch. */
let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const factsOf = (pems: string[], problems: HandshakeFacts['problems'] = []): HandshakeFacts => {
  const chain = pems.map((pem) => summarize(new X509Certificate(pem)));
  return { peer: fakePeer({ ...chain[0], chain }), problems };
};

describe('revocation() options', () => {
  it.each([
    [{ mode: 'strict' }, 'mode'],
    [{ cacheSize: 0 }, 'cacheSize'],
    [{ cacheSize: 1.5 }, 'cacheSize'],
    [{ cacheDirectory: '' }, 'cacheDirectory'],
    [{ fetch: { maxBytes: -1 } }, 'fetch.maxBytes'],
    [{ fetch: { timeoutMs: 0 } }, 'fetch.timeoutMs'],
    [{ fetch: { maxRedirects: 100 } }, 'fetch.maxRedirects'],
    [{ policy: {} }, 'policy'],
  ])('refuses %j, naming %s', (options, option) => {
    let error: unknown;
    try {
      revocation(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });

  it('takes any mode but hard and soft as an InvalidOptionError, never another throw', () => {
    fc.assert(
      fc.property(fc.string(), (mode) => {
        if (mode === 'hard' || mode === 'soft') expect(revocation({ mode }).name).toBe(`revocation(${mode}, strict)`);
        else expect(() => revocation({ mode: mode as 'hard' })).toThrow(InvalidOptionError);
      }),
    );
  });
});

describe('revocation() judging', () => {
  it("returns the first policy's problems as they are, and checks nothing for a chain it rejects", async () => {
    const leaf = await pki.leaf();
    const facts = factsOf([leaf.cert, pki.ca.cert], [{ code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' }]);
    expect(await revocation().check(facts)).toEqual(facts.problems);
    expect(facts.peer.revocation).toBeUndefined();
  });

  it('judges after the given policy: a custom rejection stops it too', async () => {
    const leaf = await pki.leaf();
    const facts = factsOf([leaf.cert, pki.ca.cert]);
    const errors = await revocation({ policy: custom(() => false, 'never') }).check(facts);
    expect(errors.map((e) => e.code)).toEqual(['CUSTOM_REJECTED']);
  });

  it('a certificate whose issuer is not in the chain is "unknown", and so is one without a distribution point', async () => {
    const leaf = await pki.leaf();
    const alone = factsOf([leaf.cert]);
    expect(await revocation().check(alone)).toEqual([]);
    expect(alone.peer.revocation).toEqual({
      status: 'unknown',
      certificates: [{ subject: alone.peer.subject, status: 'unknown', source: 'none', reason: 'its issuer is not in the verified chain' }],
    });
    const chained = factsOf([leaf.cert, pki.ca.cert]);
    expect(await revocation({ mode: 'soft' }).check(chained)).toEqual([]);
    expect(chained.peer.revocation?.certificates).toEqual([
      { subject: chained.peer.subject, status: 'unknown', source: 'none', reason: 'it names no http(s) CRL distribution point' },
    ]);
  });
});

describe('connect({ requestOCSP })', () => {
  it('is checked like every option, and is not taken through tls', async () => {
    const refused = (options: object) =>
      firstValueFrom(connect({ host: '127.0.0.1', port: 1, ...options })).then(
        () => undefined,
        (e: unknown) => e as InvalidOptionError,
      );
    expect((await refused({ requestOCSP: 'yes' }))?.option).toBe('requestOCSP');
    expect((await refused({ tls: { requestOCSP: true } }))?.option).toBe('tls.requestOCSP');
  });
});
