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
});
