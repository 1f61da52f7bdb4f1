import fc from 'fast-check';
import { X509Certificate } from 'node:crypto';
import { crlIsFresh, judgeByCrl, parseCrl, type ParsedCrl } from '../../lib/certificates/crl';
import { judgeStaple } from '../../lib/certificates/ocsp';
import { createTestPki, type TestPki } from '../../lib/testing';

/** The CRL and OCSP parsers on fabricated and hostile bytes: a coded verdict, never a throw. */
let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

describe('parseCrl', () => {
  it('parses a CRL, PEM or DER, with its dates', async () => {
    const revoked = await pki.leaf();
    const pem = await pki.ca.revocationList([revoked]);
    const parsed = (await parseCrl('http://ca.test/ca.crl', Buffer.from(pem))) as ParsedCrl;
    expect(parsed.thisUpdate).toBeInstanceOf(Date);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(((await parseCrl('http://ca.test/ca.crl', der)) as ParsedCrl).thisUpdate).toEqual(parsed.thisUpdate);
  });

  it('never throws on any bytes: a parsed CRL or UNABLE_TO_GET_CRL naming the URL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const result = await parseCrl('http://ca.test/x.crl', Buffer.from(bytes));
        if (!('crl' in result)) {
          expect(result.code).toBe('UNABLE_TO_GET_CRL');
          expect(result.reason).toContain('http://ca.test/x.crl');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('judges a CRL of the issuer: the revoked certificate is revoked, another is good', async () => {
    const revoked = await pki.leaf();
    const fine = await pki.leaf();
    const parsed = (await parseCrl('http://ca.test/ca.crl', Buffer.from(await pki.ca.revocationList([revoked])))) as ParsedCrl;
    const issuer = new X509Certificate(pki.ca.cert);
    const verdict = await judgeByCrl(parsed, new X509Certificate(revoked.cert), issuer);
    expect(verdict).toMatchObject({ status: 'revoked', revokedAt: expect.any(Date) });
    expect(await judgeByCrl(parsed, new X509Certificate(fine.cert), issuer)).toEqual({ status: 'good' });
  });

  it('refuses a CRL of another CA (by name) as unusable', async () => {
    const other = await pki.otherAuthority();
    const leaf = await pki.leaf();
    const parsed = (await parseCrl('http://ca.test/ca.crl', Buffer.from(await other.revocationList([])))) as ParsedCrl;
    const verdict = await judgeByCrl(parsed, new X509Certificate(leaf.cert), new X509Certificate(pki.ca.cert));
    expect(verdict).toMatchObject({ status: 'unusable', problem: { code: 'UNABLE_TO_GET_CRL' } });
  });
});

describe('crlIsFresh', () => {
  it('holds between thisUpdate and nextUpdate only, and never without nextUpdate', () => {
    const thisUpdate = new Date('2026-01-01T00:00:00Z');
    const nextUpdate = new Date('2026-01-08T00:00:00Z');
    expect(crlIsFresh({ thisUpdate, nextUpdate }, new Date('2026-01-02T00:00:00Z'))).toBe(true);
    expect(crlIsFresh({ thisUpdate, nextUpdate }, new Date('2026-01-08T00:00:00Z'))).toBe(false);
    expect(crlIsFresh({ thisUpdate, nextUpdate }, new Date('2025-12-31T00:00:00Z'))).toBe(false);
    expect(crlIsFresh({ thisUpdate, nextUpdate: undefined }, new Date('2026-01-02T00:00:00Z'))).toBe(false);
  });
});

describe('judgeStaple', () => {
  it('never throws on any bytes: OCSP_STAPLE_INVALID', async () => {
    const leaf = new X509Certificate((await pki.leaf()).cert);
    const issuer = new X509Certificate(pki.ca.cert);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const verdict = await judgeStaple(Buffer.from(bytes), leaf, issuer);
        expect(verdict).toMatchObject({ status: 'unusable', problem: { code: 'OCSP_STAPLE_INVALID' } });
      }),
      { numRuns: 200 },
    );
  });
});
