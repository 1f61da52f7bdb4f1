import fc from 'fast-check';
import { pin, InvalidOptionError, type CertError } from '../../lib';
import { createTestPki, fakePeer } from '../../lib/testing';
import { describeWithOpenssl } from '../interop/openssl';
import { runRecipe } from '../support/openssl-recipe';

/** Facts whose chain holds exactly one key, with this SHA-256. */
const factsWithKey = (sha256: Buffer) => {
  const peer = fakePeer({ spkiPin: `sha256/${sha256.toString('base64')}` });
  return { peer: { ...peer, chain: [peer] }, problems: [] };
};
const accepts = (pins: string[], key: Buffer) => (pin(...pins).check(factsWithKey(key)) as CertError[]).length === 0;
const rejection = (value: unknown): InvalidOptionError => {
  try {
    pin(value as string);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error(`pin(${JSON.stringify(value)}) was accepted`);
};

const sha256 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));
/** Every form a pin is accepted in, for one key. */
const forms = (key: Buffer): string[] => {
  const base64 = key.toString('base64');
  return [
    `sha256/${base64}`,
    base64,
    `pin-sha256="${base64}"`,
    `PIN-SHA256 = "${base64}";`,
    `sha256/${base64}  CN=imap.example.test, O=Example`, // a line of `rxtls pin` output
    `  sha256/${base64}\n`,
  ];
};

describe('pin(): the forms people copy pins in', () => {
  it('accepts sha256/<base64>, the bare base64, pin-sha256="…" and a line of `rxtls pin` output, all as the same key', () => {
    fc.assert(
      fc.property(sha256, sha256, (key, otherKey) => {
        fc.pre(!key.equals(otherKey));
        for (const form of forms(key)) {
          expect(accepts([form], key)).toBe(true);
          expect(accepts([form], otherKey)).toBe(false);
        }
      }),
    );
  });

  it('normalises what it reports: a mismatch names each pin as sha256/<base64>, whatever form it came in', () => {
    fc.assert(
      fc.property(sha256, fc.integer({ min: 0, max: 5 }), (key, which) => {
        const form = forms(key)[which] as string;
        const [error] = pin(form).check(factsWithKey(Buffer.alloc(32))) as CertError[];
        expect(error?.code).toBe('PIN_MISMATCH');
        expect(error?.reason).toContain(`pinned: sha256/${key.toString('base64')};`);
      }),
    );
  });

  it('treats base64 that differs only in its unused padding bits as the same key', () => {
    const key = Buffer.alloc(32, 0x5a);
    const canonical = key.toString('base64'); // ends in "lo=": "o" carries 4 bits of the key and 2 zero bits
    const sloppy = `${canonical.slice(0, 42)}p=`; // the same 32 bytes, with a padding bit set
    expect(Buffer.from(sloppy, 'base64').equals(key)).toBe(true);
    expect(accepts([`sha256/${sloppy}`], key)).toBe(true);
  });

  it('rejects every other string with an InvalidOptionError that shows the expected form and the command to compute it', () => {
    const notAPin = fc.string({ maxLength: 80 }).filter((s) => !forms(Buffer.alloc(32)).includes(s) && !/[A-Za-z0-9+/]{43}=/.test(s));
    fc.assert(
      fc.property(notAPin, (text) => {
        const error = rejection(text);
        expect(error.code).toBe('ERR_RXTLS_INVALID_OPTION');
        expect(error.option).toBe('pin');
        expect(error.message).toContain('"sha256/" and the base64 SHA-256 of the public key');
        expect(error.message).toContain('openssl dgst -sha256 -binary | openssl base64');
        expect(error.message).toContain('rxtls pin HOST:PORT');
      }),
    );
  });

  it('names the likely mistake: another hash, a fingerprint, the wrong length, base64url, not a string', () => {
    const b64 = Buffer.alloc(20, 1).toString('base64');
    expect(rejection(`sha1/${b64}`).message).toMatch(/^option "pin" is a SHA1 pin, and rxtls pins SHA-256 only; it must be/);
    expect(rejection(`pin-sha384="${Buffer.alloc(48).toString('base64')}"`).message).toContain('is a SHA384 pin');
    expect(rejection('AB:'.repeat(31) + 'AB').message).toContain(
      'looks like a certificate fingerprint (hex), not a pin: pass it to fingerprint()',
    );
    expect(rejection('ab'.repeat(32)).message).toContain('looks like a certificate fingerprint');
    expect(rejection(`sha256/${b64}`).message).toContain('decodes to 20 bytes where a SHA-256 has 32');
    expect(rejection(Buffer.alloc(32, 0xfb).toString('base64url') + '=').message).toContain("is base64url ('-', '_')");
    expect(rejection(42).message).toMatch(/^option "pin" is not a string; .* \(got 42\)$/);
    expect(() => pin()).toThrow(/needs at least one pin/);
  });
});

describeWithOpenssl('pin(): against what openssl prints', () => {
  it('the recipe in the error message computes the pin rxtls sees, and pin() takes its output as it is', async () => {
    const leaf = await (await createTestPki()).leaf();
    const printed = await runRecipe(rejection('?').message, leaf.cert);
    expect(`sha256/${printed.trim()}`).toBe(leaf.spkiPin);
    expect(accepts([printed], Buffer.from(leaf.spkiPin.slice(7), 'base64'))).toBe(true); // newline and all
  });
});
