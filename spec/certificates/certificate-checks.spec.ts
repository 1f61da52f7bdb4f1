/**
 * findProblems, the standard checks, on chains generated here and judged at fixed moments: every
 * problem is listed once, in OpenSSL's order, naming the certificate it is about.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import fc from 'fast-check';
import { findProblems, defaultTrustAnchors } from '../../lib/certificates/certificate-checks';
import { createTestPki, type TestCredentials } from '../../lib/testing';

const x509 = (c: TestCredentials) => new X509Certificate(c.cert);
const DAY = 86_400_000;
/** node:tls's exports object itself, which the library's imports read from (a spy on it is seen). */
const tls = jest.requireActual<typeof import('node:tls')>('node:tls');

describe('findProblems', () => {
  let pki: Awaited<ReturnType<typeof createTestPki>>;
  let anchors: () => X509Certificate[];
  beforeAll(async () => {
    pki = await createTestPki('Checks CA');
    anchors = () => [x509(pki.ca)];
  });

  it('finds nothing wrong with a trusted, current chain whose name matches', async () => {
    const leaf = x509(await pki.leaf());
    expect(findProblems([leaf, x509(pki.ca)], undefined, 'localhost', anchors)).toEqual([]);
    expect(findProblems([leaf], undefined, '127.0.0.1', anchors)).toEqual([]);
  });

  it('says so when there is no certificate at all', () => {
    expect(findProblems([], undefined, 'localhost', anchors)).toEqual([
      { code: 'NO_PEER_CERTIFICATE', reason: 'the peer sent no certificate' },
    ]);
  });

  it('names each certificate that has expired or is not yet valid, at the moment given', async () => {
    const now = new Date();
    const leaf = x509(await pki.leaf({ notBefore: new Date(now.getTime() - 10 * DAY), notAfter: new Date(now.getTime() + 10 * DAY) }));
    const ca = x509(pki.ca);
    expect(
      findProblems([leaf, ca], undefined, 'localhost', anchors, new Date(now.getTime() + 11 * DAY)).map((p) => [p.code, p.certificate]),
    ).toEqual([['CERT_HAS_EXPIRED', 'CN=localhost']]);
    expect(
      findProblems([leaf, ca], undefined, 'localhost', anchors, new Date(now.getTime() - 11 * DAY)).map((p) => [p.code, p.certificate]),
    ).toEqual([
      ['CERT_NOT_YET_VALID', 'CN=localhost'],
      ['CERT_NOT_YET_VALID', 'CN=Checks CA'], // the CA was made an hour ago, too
    ]);
    // Valid on both edges of its period.
    expect(findProblems([leaf], undefined, 'localhost', anchors, new Date(leaf.validTo))).toEqual([]);
    expect(findProblems([leaf], undefined, 'localhost', anchors, new Date(leaf.validFrom))).toEqual([]);
    expect(
      findProblems([leaf], undefined, 'localhost', anchors, new Date(new Date(leaf.validTo).getTime() + 1000)).map((p) => p.code),
    ).toEqual(['CERT_HAS_EXPIRED']);
  });

  it("drops OpenSSL's verdict where its own check named the same problem with the certificate", async () => {
    const expired = x509(await pki.expired());
    const problems = findProblems([expired, x509(pki.ca)], 'CERT_HAS_EXPIRED', 'localhost', anchors);
    expect(problems.map((p) => [p.code, p.certificate])).toEqual([['CERT_HAS_EXPIRED', 'CN=localhost']]);
  });

  it("keeps OpenSSL's verdict first when the checks found nothing of their own", async () => {
    const leaf = x509(await pki.leaf());
    expect(findProblems([leaf, x509(pki.ca)], 'CERT_REVOKED', 'localhost', anchors).map((p) => p.code)).toEqual(['CERT_REVOKED']);
  });

  it('reports a name mismatch with the names the certificate has, and checks no name for a client certificate', async () => {
    const leaf = x509(await pki.leaf({ names: ['elsewhere.test'] }));
    const [problem, ...rest] = findProblems([leaf, x509(pki.ca)], undefined, 'localhost', anchors);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', certificate: 'CN=elsewhere.test' });
    expect(problem?.reason).toContain('elsewhere.test');
    expect(findProblems([leaf, x509(pki.ca)], undefined, undefined, anchors)).toEqual([]);
  });

  it('tells a self-signed leaf from a self-signed certificate further up the chain', async () => {
    const selfSigned = x509(await pki.selfSigned());
    expect(findProblems([selfSigned], 'DEPTH_ZERO_SELF_SIGNED_CERT', 'localhost', anchors).map((p) => p.code)).toEqual([
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    ]);
    const other = await pki.otherAuthority();
    const leaf = x509(await other.issue({ names: ['localhost'] }));
    expect(
      findProblems([leaf, x509(other)], 'SELF_SIGNED_CERT_IN_CHAIN', 'localhost', anchors).map((p) => [p.code, p.certificate]),
    ).toEqual([['SELF_SIGNED_CERT_IN_CHAIN', expect.stringContaining('CN=')]]);
  });

  it('says no issuer was found for the top of an untrusted chain, and that a lone leaf is unverified', async () => {
    const other = await pki.otherAuthority();
    const intermediate = await other.issue({ ca: true, commonName: 'Orphan Intermediate' });
    const leaf = x509(await intermediate.issue({ names: ['localhost'] }));
    expect(findProblems([leaf], 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'localhost', anchors).map((p) => [p.code, p.certificate])).toEqual([
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CN=localhost'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CN=localhost'],
    ]);
    expect(
      findProblems([leaf, x509(intermediate)], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'localhost', anchors).map((p) => [
        p.code,
        p.certificate,
      ]),
    ).toEqual([['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CN=Orphan Intermediate']]);
  });

  it("lists OpenSSL's three codes, naming the issuer, when the chain's issuer may not sign", async () => {
    const other = await pki.otherAuthority();
    const leaf = x509(await other.issue({ names: ['localhost'] }));
    const problems = findProblems([leaf], 'KEYUSAGE_NO_CERTSIGN', 'localhost', anchors);
    expect(problems.map((p) => p.code)).toEqual(['INVALID_CA', 'INVALID_PURPOSE', 'KEYUSAGE_NO_CERTSIGN']);
    expect(new Set(problems.map((p) => p.certificate))).toEqual(new Set([leaf.issuer.split('\n').filter(Boolean).join(', ')]));
  });

  it('finds no trust problem when a certificate of the chain is an anchor or is issued by one', async () => {
    const leaf = x509(await pki.leaf());
    // OpenSSL said something the chain itself does not show: its verdict stays, alone.
    expect(findProblems([leaf], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'localhost', anchors).map((p) => p.code)).toEqual([
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]);
    expect(findProblems([x509(pki.ca)], 'DEPTH_ZERO_SELF_SIGNED_CERT', undefined, anchors).map((p) => p.code)).toEqual([
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    ]);
  });

  it("parses Node's root store once, and only when asked", () => {
    const first = defaultTrustAnchors();
    expect(first.length).toBeGreaterThan(50);
    expect(defaultTrustAnchors()).toBe(first);
  });
  it("keeps OpenSSL's verdict beside a different problem the checks found", async () => {
    const expired = x509(await pki.expired());
    expect(findProblems([expired, x509(pki.ca)], 'CERT_REVOKED', 'localhost', anchors).map((p) => p.code)).toEqual([
      'CERT_REVOKED',
      'CERT_HAS_EXPIRED',
    ]);
  });

  it('trusts a chain through any one of its certificates, being an anchor or issued by any one anchor', async () => {
    const other = await pki.otherAuthority();
    const intermediate = await pki.ca.issue({ ca: true, commonName: 'Trusted Intermediate' });
    const stranger = x509(await other.issue({ names: ['stranger.test'] }));
    // The intermediate itself is the anchor: trusted by fingerprint, though no anchor issued it.
    expect(
      findProblems([x509(intermediate)], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', undefined, () => [x509(intermediate)]).map((p) => p.code),
    ).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);
    // One anchor of two issued the leaf; one certificate of two in the chain is trusted.
    const twoAnchors = () => [x509(other), x509(pki.ca)];
    const leaf = x509(await pki.leaf());
    expect(findProblems([leaf], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'localhost', twoAnchors).map((p) => p.code)).toEqual([
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]);
    expect(findProblems([leaf, stranger], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'localhost', anchors)).toEqual([
      // OpenSSL's verdict alone: no certificate of the chain is named as the one without an issuer.
      { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', reason: expect.any(String) },
    ]);
  });

  it('takes an anchor with the issuing key but another name for no issuer', () => {
    // Two CA certificates of one key, made by openssl: OpenSSL wants the issuer's name to match too.
    const dir = mkdtempSync(join(tmpdir(), 'rxtls-same-key-'));
    try {
      const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      const read = (file: string) => new X509Certificate(readFileSync(join(dir, file)));
      openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
      openssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Named CA', '-days', '2', '-out', 'named.pem');
      openssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Renamed CA', '-days', '2', '-out', 'renamed.pem');
      openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key');
      openssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=localhost', '-out', 'leaf.csr');
      openssl(
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'named.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        'leaf.pem',
      );
      const [leaf, named, renamed] = ['leaf.pem', 'named.pem', 'renamed.pem'].map(read) as [
        X509Certificate,
        X509Certificate,
        X509Certificate,
      ];
      expect(leaf.verify(renamed.publicKey)).toBe(true); // the renamed anchor holds the very key that signed
      const codes = (anchor: X509Certificate) =>
        findProblems([leaf], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', undefined, () => [anchor]).map((p) => p.code);
      expect(codes(renamed)).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
      expect(codes(named)).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY']); // trusted: only the verdict given
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes an issuer of the same name but another key for no issuer', async () => {
    const impostor = await createTestPki('Checks CA'); // same name as pki.ca, another key
    const leaf = x509(await impostor.leaf());
    expect(leaf.issuer).toBe(x509(pki.ca).subject);
    expect(findProblems([leaf], 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'localhost', anchors).map((p) => p.code)).toEqual([
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ]);
  });

  it('names a certificate by its whole distinguished name on one line', () => {
    const root = rootCertificates.map((pem) => new X509Certificate(pem)).find((c) => c.subject.split('\n').length >= 3) as X509Certificate;
    const [problem] = findProblems([root], 'DEPTH_ZERO_SELF_SIGNED_CERT', undefined, () => []);
    expect(problem?.certificate).toBe(root.subject.replaceAll('\n', ', '));
  });

  it('leaves out the empty lines of a multi-line name, such as a trailing newline', async () => {
    const real = x509(await pki.leaf({ names: ['expired.test'] }));
    // The same certificate, its subject given as a runtime may print it: one attribute a line, each line ending.
    class Printed extends X509Certificate {
      override readonly subject = 'O=Example\nCN=expired.test\n';
    }
    const printed = new Printed(real.raw);
    const later = new Date(Date.parse(real.validTo) + DAY);
    const expired = findProblems([printed], undefined, undefined, anchors, later).find((p) => p.code === 'CERT_HAS_EXPIRED');
    expect(expired?.certificate).toBe('O=Example, CN=expired.test');
  });

  it('makes the legacy object for the name check once per certificate', async () => {
    const leaf = x509(await pki.leaf());
    const spy = jest.spyOn(leaf, 'toLegacyObject');
    findProblems([leaf], undefined, 'localhost', anchors);
    findProblems([leaf], undefined, 'other.test', anchors);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('checks each name once per certificate, and answers as Node does for any names in any order', async () => {
    const names = ['localhost', 'a.localhost', 'x.example.test', '127.0.0.1', '::1', 'LOCALHOST', 'localhost.', 'a.b.localhost', 'other'];
    const spec = await pki.leaf({ names: ['localhost', '*.localhost', '127.0.0.1'] });
    const direct = new Map(names.map((n) => [n, tls.checkServerIdentity(n, x509(spec).toLegacyObject())?.message]));
    expect([...direct.values()].filter((m) => m === undefined).length).toBeGreaterThan(1); // both verdicts occur
    expect([...direct.values()].filter((m) => m !== undefined).length).toBeGreaterThan(1);
    const mismatchOf = (leaf: X509Certificate, name: string) =>
      findProblems([leaf], undefined, name, anchors).find((p) => p.code === 'ERR_TLS_CERT_ALTNAME_INVALID')?.reason;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { maxLength: 30 }), (asked) => {
        const leaf = x509(spec);
        for (const name of asked) expect(mismatchOf(leaf, name)).toBe(direct.get(name));
      }),
    );
    const leaf = x509(spec);
    const check = jest.spyOn(tls, 'checkServerIdentity');
    try {
      for (let round = 0; round < 3; round++) for (const name of names.slice(0, 8)) mismatchOf(leaf, name);
      expect(check).toHaveBeenCalledTimes(8);
      mismatchOf(leaf, names[8] as string); // beyond the names remembered: checked every time, still right
      expect(mismatchOf(leaf, names[8] as string)).toBe(direct.get(names[8] as string));
      expect(check).toHaveBeenCalledTimes(10);
    } finally {
      check.mockRestore();
    }
  });
});
