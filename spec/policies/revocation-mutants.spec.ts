import { X509Certificate } from 'node:crypto';
import { DEFAULT_CRL_CACHE_SIZE } from '../../lib/defaults';
import { InvalidOptionError } from '../../lib/errors';
import type { CertError, CertificateSummary, HandshakeFacts } from '../../lib/events';
import { summarize } from '../../lib/certificates/peer-info';
import { custom } from '../../lib/policies/custom';
import { revocation, type RevocationOptions } from '../../lib/policies/revocation';
import { strict } from '../../lib/policies/strict';
import { createTestPki, fakePeer, type TestPki } from '../../lib/testing';

/**
 * revocation()'s own logic, with its sources faked: which certificates of the chain it checks,
 * in which order it asks the staple and the CRLs, what it says in `peer.revocation` and what it
 * rejects, in each mode. The CRL and OCSP parsers are tested on real bytes in
 * spec/certificates/crl.spec.ts, and the whole over TLS in revocation-over-tls.spec.ts.
 */
type Verdict = { status: 'good' } | { status: 'revoked'; revokedAt: Date; reason: string } | { status: 'unusable'; problem: CertError };

const mockState = {
  /** What crlSource() was created with. */
  sources: [] as unknown[],
  /** URLs asked of the CRL source, in order. */
  asked: [] as string[],
  /** A CRL's verdict by URL; a CertError for a URL whose CRL cannot be had. Absent: UNABLE_TO_GET_CRL. */
  crls: new Map<string, Verdict | CertError>(),
  /** Distribution points by certificate fingerprint. */
  points: new Map<string, string[]>(),
  /** The verdict on a stapled response. */
  staple: { status: 'good' } as Verdict,
  /** [certificate, issuer] subjects of each judgement, `crl <url>` or `staple`. */
  judged: [] as string[],
};

jest.mock('../../lib/certificates/crl-cache', () => ({
  crlSource: (options: unknown) => {
    mockState.sources.push(options);
    return {
      crl: (url: string) => {
        mockState.asked.push(url);
        const found = mockState.crls.get(url);
        if (found === undefined) return Promise.resolve({ code: 'UNABLE_TO_GET_CRL', reason: `nothing at ${url}` });
        return Promise.resolve('code' in found ? found : { url, crl: {}, verdict: found });
      },
    };
  },
}));
jest.mock('../../lib/certificates/crl', () => ({
  ...jest.requireActual('../../lib/certificates/crl'),
  judgeByCrl: (parsed: { url: string; verdict: Verdict }, cert: X509Certificate, issuer: X509Certificate) => {
    mockState.judged.push(`crl ${parsed.url}: ${cert.subject} by ${issuer.subject}`);
    return Promise.resolve(parsed.verdict);
  },
}));
jest.mock('../../lib/certificates/ocsp', () => ({
  ...jest.requireActual('../../lib/certificates/ocsp'),
  judgeStaple: (_der: Buffer, cert: X509Certificate, issuer: X509Certificate) => {
    mockState.judged.push(`staple: ${cert.subject} by ${issuer.subject}`);
    return Promise.resolve(mockState.staple);
  },
}));
jest.mock('../../lib/certificates/crl-asn1', () => ({
  ...jest.requireActual('../../lib/certificates/crl-asn1'),
  crlDistributionPoints: (cert: X509Certificate) => Promise.resolve(mockState.points.get(cert.fingerprint256) ?? []),
}));

let pki: TestPki;
let leaf: string;
let intermediate: string;
beforeAll(async () => {
  pki = await createTestPki();
  leaf = (await pki.leaf({ names: ['leaf.test'] })).cert;
  intermediate = (await pki.leaf({ names: ['inter.test'], ca: true })).cert;
});
beforeEach(() => {
  mockState.sources.length = 0;
  mockState.asked.length = 0;
  mockState.judged.length = 0;
  mockState.crls.clear();
  mockState.points.clear();
  mockState.staple = { status: 'good' };
});

const summaryOf = (pem: string): CertificateSummary => summarize(new X509Certificate(pem));
const factsOf = (pems: string[], extra: Partial<HandshakeFacts> = {}): HandshakeFacts => {
  const chain = pems.map(summaryOf);
  return { peer: fakePeer({ ...chain[0], chain }), problems: [], ...extra };
};
const pointsOf = (pem: string, urls: string[]) => mockState.points.set(new X509Certificate(pem).fingerprint256, urls);
const revokedAt = new Date('2026-11-30T12:00:00.000Z');
const expiredCrl: CertError = { code: 'CRL_HAS_EXPIRED', reason: 'CRL has expired' };

const refusal = (options: unknown): InvalidOptionError => {
  try {
    revocation(options as RevocationOptions);
  } catch (e) {
    return e as InvalidOptionError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
};

describe('revocation() options, with their messages', () => {
  it.each([
    [null, 'options', 'must be an object'],
    ['hard', 'options', 'must be an object'],
    [{ mode: 'HARD' }, 'mode', "must be 'hard' or 'soft'"],
    [{ cacheSize: -3 }, 'cacheSize', 'must be a positive integer'],
    [{ cacheDirectory: 7 }, 'cacheDirectory', 'must be a directory path'],
    [{ cacheDirectory: '' }, 'cacheDirectory', 'must be a directory path'],
    [{ policy: 5 }, 'policy', 'must be a verification policy such as strict()'],
    [{ policy: { name: 'x', check: true } }, 'policy', 'must be a verification policy such as strict()'],
    [{ fetch: null }, 'fetch', 'must be an object of fetch limits'],
    [{ fetch: 1000 }, 'fetch', 'must be an object of fetch limits'],
    [{ fetch: { maxBytes: 0 } }, 'fetch.maxBytes', 'must be a positive integer'],
    [{ fetch: { timeoutMs: 2.5 } }, 'fetch.timeoutMs', 'must be a positive integer'],
    [{ fetch: { maxRedirects: -1 } }, 'fetch.maxRedirects', 'must be an integer from 0 to 20'],
    [{ fetch: { maxRedirects: 21 } }, 'fetch.maxRedirects', 'must be an integer from 0 to 20'],
    [{ fetch: { maxRedirects: 1.5 } }, 'fetch.maxRedirects', 'must be an integer from 0 to 20'],
    [{ fetch: { maxRedirects: '3' } }, 'fetch.maxRedirects', 'must be an integer from 0 to 20'],
  ])('refuses %j: option %s %s', (options, option, problem) => {
    const error = refusal(options);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(new RegExp(`^option "${option}" ${problem.replace(/[()]/g, '\\$&')} \\(got `));
  });

  it.each([0, 1, 20])('takes maxRedirects %d', (maxRedirects) => {
    expect(() => revocation({ fetch: { maxRedirects } })).not.toThrow();
  });

  it('takes fetch limits that leave some out', () => {
    expect(() => revocation({ fetch: { timeoutMs: 500 } })).not.toThrow();
    expect(() => revocation({ fetch: {} })).not.toThrow();
  });

  it('creates its CRL source with the cache size, and the directory and fetch limits only when given', () => {
    revocation();
    revocation({ cacheSize: 7, cacheDirectory: '/var/cache/rxtls-crl', fetch: { maxRedirects: 0 } });
    expect(mockState.sources).toStrictEqual([
      { cacheSize: DEFAULT_CRL_CACHE_SIZE },
      { cacheSize: 7, cacheDirectory: '/var/cache/rxtls-crl', fetch: { maxRedirects: 0 } },
    ]);
  });

  it('is named after its mode and first policy, and trusts what the first policy trusts', () => {
    expect(revocation().name).toBe('revocation(hard, strict)');
    expect(revocation({ mode: 'soft', policy: custom(() => true, 'ours') }).name).toBe('revocation(soft, ours)');
    expect('trust' in revocation()).toBe(false);
    expect(revocation({ policy: strict({ ca: 'PEM' }) }).trust).toBe('PEM');
  });
});

describe('revocation() by CRL', () => {
  it('asks only the http(s) distribution points, in order, until one answers', async () => {
    pointsOf(leaf, ['ldap://ldap.test/http://x', 'http://a.test/ca.crl', 'HTTPS://b.test/ca.crl', 'https://c.test/ca.crl']);
    mockState.crls.set('HTTPS://b.test/ca.crl', { status: 'good' });
    const facts = factsOf([leaf, pki.ca.cert]);
    expect(await revocation().check(facts)).toEqual([]);
    expect(mockState.asked).toEqual(['http://a.test/ca.crl', 'HTTPS://b.test/ca.crl']);
    expect(mockState.judged).toEqual([`crl HTTPS://b.test/ca.crl: CN=leaf.test by ${new X509Certificate(pki.ca.cert).subject}`]);
    expect(facts.peer.revocation).toStrictEqual({
      status: 'good',
      certificates: [{ subject: 'CN=leaf.test', status: 'good', source: 'crl', url: 'HTTPS://b.test/ca.crl' }],
    });
  });

  it.each(['hard', 'soft'] as const)('a revoked certificate is CERT_REVOKED with when, why and where, in %s mode', async (mode) => {
    pointsOf(leaf, ['http://a.test/ca.crl']);
    mockState.crls.set('http://a.test/ca.crl', { status: 'revoked', revokedAt, reason: 'keyCompromise' });
    const facts = factsOf([leaf, pki.ca.cert]);
    expect(await revocation({ mode }).check(facts)).toStrictEqual([
      {
        code: 'CERT_REVOKED',
        reason: 'certificate revoked on 2026-11-30T12:00:00.000Z (keyCompromise), says http://a.test/ca.crl',
        certificate: 'CN=leaf.test',
        details: { revokedAt, revocationReason: 'keyCompromise', source: 'crl', url: 'http://a.test/ca.crl' },
      },
    ]);
    expect(facts.peer.revocation).toStrictEqual({
      status: 'revoked',
      certificates: [
        { subject: 'CN=leaf.test', status: 'revoked', source: 'crl', revokedAt, reason: 'keyCompromise', url: 'http://a.test/ca.crl' },
      ],
    });
  });

  it('when no CRL can be had: unknown, naming the last URL and its problem; rejected in hard mode only', async () => {
    pointsOf(leaf, ['http://a.test/ca.crl', 'http://b.test/ca.crl']);
    mockState.crls.set('http://b.test/ca.crl', expiredCrl);
    const unknown = {
      status: 'unknown',
      certificates: [
        { subject: 'CN=leaf.test', status: 'unknown', source: 'none', reason: 'CRL has expired', url: 'http://b.test/ca.crl' },
      ],
    };
    const hard = factsOf([leaf, pki.ca.cert]);
    expect(await revocation().check(hard)).toStrictEqual([{ ...expiredCrl, certificate: 'CN=leaf.test' }]);
    expect(hard.peer.revocation).toStrictEqual(unknown);
    const soft = factsOf([leaf, pki.ca.cert]);
    expect(await revocation({ mode: 'soft' }).check(soft)).toStrictEqual([]);
    expect(soft.peer.revocation).toStrictEqual(unknown);
  });

  it('a CRL that cannot vouch (unusable verdict) is unknown, not good', async () => {
    pointsOf(leaf, ['http://a.test/ca.crl']);
    const forged: CertError = { code: 'CRL_SIGNATURE_FAILURE', reason: 'CRL signature failure' };
    mockState.crls.set('http://a.test/ca.crl', { status: 'unusable', problem: forged });
    const facts = factsOf([leaf, pki.ca.cert]);
    expect(await revocation().check(facts)).toStrictEqual([{ ...forged, certificate: 'CN=leaf.test' }]);
    expect(facts.peer.revocation?.status).toBe('unknown');
  });

  it('no distribution point: unknown with no URL, accepted in hard mode too', async () => {
    const facts = factsOf([leaf, pki.ca.cert]);
    expect(await revocation().check(facts)).toStrictEqual([]);
    expect(facts.peer.revocation).toStrictEqual({
      status: 'unknown',
      certificates: [{ subject: 'CN=leaf.test', status: 'unknown', source: 'none', reason: 'it names no http(s) CRL distribution point' }],
    });
    expect(mockState.asked).toEqual([]);
  });
});

describe('revocation() by stapled OCSP', () => {
  const stapled = (): HandshakeFacts => factsOf([leaf, intermediate, pki.ca.cert], { stapledOcsp: Buffer.from('staple') });

  it('a good staple vouches for the leaf alone: nothing fetched for it, the next certificate by CRL', async () => {
    pointsOf(leaf, ['http://a.test/leaf.crl']);
    pointsOf(intermediate, ['http://a.test/inter.crl']);
    mockState.crls.set('http://a.test/inter.crl', { status: 'good' });
    const facts = stapled();
    expect(await revocation().check(facts)).toEqual([]);
    const rootSubject = new X509Certificate(pki.ca.cert).subject;
    expect(mockState.judged).toEqual([
      'staple: CN=leaf.test by CN=inter.test',
      `crl http://a.test/inter.crl: CN=inter.test by ${rootSubject}`,
    ]);
    expect(mockState.asked).toEqual(['http://a.test/inter.crl']);
    expect(facts.peer.revocation).toStrictEqual({
      status: 'good',
      certificates: [
        { subject: 'CN=leaf.test', status: 'good', source: 'ocsp-staple' },
        { subject: 'CN=inter.test', status: 'good', source: 'crl', url: 'http://a.test/inter.crl' },
      ],
    });
  });

  it.each(['hard', 'soft'] as const)('a revoked staple is CERT_REVOKED, said by the staple, in %s mode', async (mode) => {
    mockState.staple = { status: 'revoked', revokedAt, reason: 'superseded' };
    const facts = stapled();
    const errors = await revocation({ mode }).check(facts);
    expect(errors).toStrictEqual([
      {
        code: 'CERT_REVOKED',
        reason: 'certificate revoked on 2026-11-30T12:00:00.000Z (superseded), says the stapled OCSP response',
        certificate: 'CN=leaf.test',
        details: { revokedAt, revocationReason: 'superseded', source: 'ocsp-staple' },
      },
    ]);
    expect(facts.peer.revocation?.status).toBe('revoked');
    expect(facts.peer.revocation?.certificates[0]).toStrictEqual({
      subject: 'CN=leaf.test',
      status: 'revoked',
      source: 'ocsp-staple',
      revokedAt,
      reason: 'superseded',
    });
  });

  const invalid: CertError = { code: 'OCSP_STAPLE_INVALID', reason: 'the stapled OCSP response is for another certificate' };

  it('an untrustworthy staple rejects in hard mode, without asking a CRL', async () => {
    mockState.staple = { status: 'unusable', problem: invalid };
    pointsOf(leaf, ['http://a.test/leaf.crl']);
    const facts = stapled();
    expect(await revocation().check(facts)).toStrictEqual([{ ...invalid, certificate: 'CN=leaf.test' }]);
    expect(mockState.asked).toEqual([]);
    expect(facts.peer.revocation?.certificates[0]).toStrictEqual({
      subject: 'CN=leaf.test',
      status: 'unknown',
      source: 'none',
      reason: invalid.reason,
    });
  });

  it('in soft mode an untrustworthy staple falls back to the CRL, and says so when that fails too', async () => {
    mockState.staple = { status: 'unusable', problem: invalid };
    pointsOf(leaf, ['http://a.test/leaf.crl']);
    mockState.crls.set('http://a.test/leaf.crl', { status: 'good' });
    const good = stapled();
    expect(await revocation({ mode: 'soft' }).check(good)).toEqual([]);
    expect(good.peer.revocation?.certificates[0]).toStrictEqual({
      subject: 'CN=leaf.test',
      status: 'good',
      source: 'crl',
      url: 'http://a.test/leaf.crl',
    });

    mockState.crls.set('http://a.test/leaf.crl', expiredCrl);
    const stale = stapled();
    expect(await revocation({ mode: 'soft' }).check(stale)).toEqual([]);
    expect(stale.peer.revocation?.certificates[0]?.reason).toBe(`${invalid.reason}; CRL has expired`);

    mockState.points.clear();
    const nowhere = stapled();
    expect(await revocation({ mode: 'soft' }).check(nowhere)).toEqual([]);
    expect(nowhere.peer.revocation?.certificates[0]?.reason).toBe(`${invalid.reason}; it names no http(s) CRL distribution point`);
  });
});

describe('revocation() along the chain', () => {
  it('checks every certificate but a self-issued anchor at the top; the worst status is the whole', async () => {
    pointsOf(leaf, ['http://a.test/leaf.crl']);
    pointsOf(intermediate, ['http://a.test/inter.crl']);
    mockState.crls.set('http://a.test/leaf.crl', { status: 'good' });
    mockState.crls.set('http://a.test/inter.crl', { status: 'revoked', revokedAt, reason: 'cACompromise' });
    const revoked = factsOf([leaf, intermediate, pki.ca.cert]);
    expect((await revocation().check(revoked)).map((e) => [e.code, e.certificate])).toEqual([['CERT_REVOKED', 'CN=inter.test']]);
    expect(revoked.peer.revocation?.status).toBe('revoked');
    expect(revoked.peer.revocation?.certificates.map((c) => c.status)).toEqual(['good', 'revoked']);

    mockState.crls.delete('http://a.test/inter.crl');
    const unknown = factsOf([leaf, intermediate, pki.ca.cert]);
    await revocation({ mode: 'soft' }).check(unknown);
    expect(unknown.peer.revocation?.status).toBe('unknown');
    expect(unknown.peer.revocation?.certificates.map((c) => c.status)).toEqual(['good', 'unknown']);
  });

  it('a chain whose top is not self-issued has its top checked too: its issuer is not in the chain', async () => {
    const facts = factsOf([leaf, intermediate]);
    expect(await revocation().check(facts)).toEqual([]);
    expect(facts.peer.revocation?.certificates).toStrictEqual([
      { subject: 'CN=leaf.test', status: 'unknown', source: 'none', reason: 'it names no http(s) CRL distribution point' },
      { subject: 'CN=inter.test', status: 'unknown', source: 'none', reason: 'its issuer is not in the verified chain' },
    ]);
  });

  it('a lone self-signed certificate is checked, not taken for an anchor', async () => {
    const self = (await pki.selfSigned({ names: ['self.test'] })).cert;
    const facts = factsOf([self]);
    expect(await revocation().check(facts)).toEqual([]);
    expect(facts.peer.revocation).toStrictEqual({
      status: 'unknown',
      certificates: [{ subject: 'CN=self.test', status: 'unknown', source: 'none', reason: 'its issuer is not in the verified chain' }],
    });
  });

  it('walks the chain completingChain() completed, when there is one', async () => {
    const facts = factsOf([leaf]);
    const completed = [leaf, intermediate, pki.ca.cert].map(summaryOf);
    const peer = { ...facts.peer, chainCompletion: { fetched: [], chain: completed } };
    const withCompletion = { ...facts, peer };
    await revocation().check(withCompletion);
    expect(peer.revocation?.certificates.map((c) => c.subject)).toEqual(['CN=leaf.test', 'CN=inter.test']);
  });
});
