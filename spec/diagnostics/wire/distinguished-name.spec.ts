import fc from 'fast-check';
import { X509Certificate } from 'node:crypto';
import { distinguishedNameText } from '../../../lib/diagnostics/wire/distinguished-name';
import { createTestPki } from '../../../lib/testing';
import { distinguishedName } from './tls-serializer';

describe('distinguishedNameText', () => {
  it('reads back the attributes a DER name holds, in their order', () => {
    const short = {
      '2.5.4.3': 'CN',
      '2.5.4.10': 'O',
      '2.5.4.6': 'C',
      '0.9.2342.19200300.100.1.25': 'DC',
      '1.2.3.4.5': '1.2.3.4.5',
    } as const;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...(Object.keys(short) as (keyof typeof short)[])), fc.string({ minLength: 1, maxLength: 150 })),
          { minLength: 1, maxLength: 4 },
        ),
        (attributes) => {
          expect(distinguishedNameText(distinguishedName(attributes))).toBe(
            attributes.map(([oid, value]) => `${short[oid]}=${value}`).join(', '),
          );
        },
      ),
    );
  });

  it("reads a real certificate's issuer as node:crypto prints it", async () => {
    const pki = await createTestPki('Example Org CA');
    const raw = new X509Certificate(pki.ca.cert).raw;
    // Certificate → tbsCertificate → [version], serial, signature, issuer: the issuer's DER, found by its text.
    const needle = Buffer.from('Example Org CA');
    const at = raw.indexOf(needle);
    const start = raw.lastIndexOf(0x30, at - 12); // the SEQUENCE of the Name, a few bytes before its value
    const der = raw.subarray(start, start + 2 + (raw[start + 1] ?? 0));
    expect(distinguishedNameText(der)).toBe(new X509Certificate(pki.ca.cert).issuer.replace(/\n/g, ', '));
  });
});
