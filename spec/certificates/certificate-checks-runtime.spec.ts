/**
 * findProblems on a runtime whose verifier only maps its own verdicts onto OpenSSL's names (Bun):
 * where the checks found problems of their own, that verdict is redundant; where they found none,
 * it stays. The runtime is the one thing faked here.
 */
import { X509Certificate } from 'node:crypto';
import { createTestPki } from '../../lib/testing';

jest.mock('../../lib/util/runtime', () => ({
  ...jest.requireActual<typeof import('../../lib/util/runtime')>('../../lib/util/runtime'),
  currentRuntime: () => ({ name: 'Bun', version: '1.0.0' }),
}));

// Loaded after the mock is in place.
const { findProblems } = jest.requireActual<typeof import('../../lib/certificates/certificate-checks')>(
  '../../lib/certificates/certificate-checks',
);

describe('findProblems on a runtime that does not report OpenSSL verdicts', () => {
  it("drops the runtime's verdict where the checks found a problem of their own", async () => {
    const pki = await createTestPki();
    const expired = new X509Certificate((await pki.expired()).cert);
    const problems = findProblems([expired], 'CERT_SIGNATURE_FAILURE', 'localhost', () => [new X509Certificate(pki.ca.cert)]);
    expect(problems.map((p) => p.code)).toEqual(['CERT_HAS_EXPIRED']);
  });

  it('keeps it where they found none', async () => {
    const pki = await createTestPki();
    const leaf = new X509Certificate((await pki.leaf()).cert);
    expect(findProblems([leaf], 'CERT_REVOKED', 'localhost', () => [new X509Certificate(pki.ca.cert)]).map((p) => p.code)).toEqual([
      'CERT_REVOKED',
    ]);
  });
});
