import { InvalidOptionError, pin, type CertError } from '../../lib';
import { fakePeer } from '../../lib/testing';

/** The message pin() throws for `value`, which must be rejected. */
const message = (value: string): string => {
  try {
    pin(value);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error.message;
    throw error;
  }
  throw new Error(`pin(${JSON.stringify(value)}) was accepted`);
};
/** The general rule alone, with no likely mistake named before it. */
const generalRule = /^option "pin" must be an SPKI pin/;

describe('pin(): naming the likely mistake only where it is one', () => {
  const b64of20 = Buffer.alloc(20, 1).toString('base64'); // 28 characters, one "="

  it('names another hash only when the text starts with it', () => {
    expect(message(`x-sha1/${b64of20}`)).toMatch(generalRule);
    expect(message(`pin-sha1=${b64of20}`)).toContain('is a SHA1 pin');
  });

  it('takes only 32 whole bytes of hex for a fingerprint, nothing before or after', () => {
    expect(message(`zz${'ab'.repeat(32)}`)).toMatch(generalRule);
    expect(message(`${'ab'.repeat(32)}zz`)).toMatch(generalRule);
  });

  it('strips "sha256/" only from the start before measuring the base64', () => {
    expect(message(`AAAAsha256/${b64of20}`)).toMatch(generalRule); // 39 characters: no whole base64
    expect(message(`sha256/${b64of20}!!!!`)).toMatch(generalRule); // not base64 at the end
  });

  it('measures base64 with no padding, one "=" or two', () => {
    expect(message(`sha256/${Buffer.alloc(21, 1).toString('base64')}`)).toContain('decodes to 21 bytes');
    expect(message(`sha256/${Buffer.alloc(22, 1).toString('base64')}`)).toContain('decodes to 22 bytes');
    expect(message('abc')).toMatch(generalRule); // base64 characters, but no whole group of four
  });

  it('calls it base64url only for base64url characters with a "-" or "_" among them', () => {
    expect(message('ab-c_d')).toContain('is base64url');
    expect(message('!ab_c')).toMatch(generalRule);
    expect(message('ab_c!')).toMatch(generalRule);
  });

  it('is named pin, and pin() with no pin names the option pin', () => {
    expect(pin(Buffer.alloc(32).toString('base64')).name).toBe('pin');
    expect(() => pin()).toThrow(expect.objectContaining({ option: 'pin', value: [] }));
  });

  it('lists every key seen in the chain, comma-separated', () => {
    const [leaf, issuer] = [fakePeer({ spkiPin: 'sha256/leaf' }), fakePeer({ spkiPin: 'sha256/issuer' })];
    const [error] = pin(Buffer.alloc(32).toString('base64')).check({
      peer: { ...leaf, chain: [leaf, issuer] },
      problems: [],
    }) as CertError[];
    expect(error?.reason).toContain('seen: sha256/leaf, sha256/issuer)');
    const [a, b] = [Buffer.alloc(32, 1).toString('base64'), Buffer.alloc(32, 2).toString('base64')];
    const [twoPinned] = pin(a, b).check({ peer: { ...leaf, chain: [leaf] }, problems: [] }) as CertError[];
    expect(twoPinned?.reason).toContain(`pinned: sha256/${a}, sha256/${b};`);
  });
});
