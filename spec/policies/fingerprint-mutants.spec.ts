import { fingerprint, InvalidOptionError } from '../../lib';
import { normalizeFingerprint } from '../../lib/policies/fingerprint';

/** The message fingerprint() throws for `value`, which must be rejected. */
const message = (value: string): string => {
  try {
    fingerprint(value);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error.message;
    throw error;
  }
  throw new Error(`fingerprint(${JSON.stringify(value)}) was accepted`);
};
const hex64 = 'ab'.repeat(32);

describe('fingerprint(): the edges of the accepted forms', () => {
  it('normalizeFingerprint() takes exactly 64 hex digits, nothing before or after', () => {
    expect(normalizeFingerprint(hex64)).toBe(hex64.toUpperCase());
    expect(normalizeFingerprint(`00${hex64}`)).toBeUndefined();
    expect(normalizeFingerprint(`${hex64}00`)).toBeUndefined();
  });

  it('reads the declared hash of an openssl line only at its start, after trimming', () => {
    const sha1 = 'AB:'.repeat(19) + 'AB';
    expect(message(`  SHA1 Fingerprint=${sha1}\n`)).toContain('is a SHA1 fingerprint');
    expect(message(`note: SHA1 Fingerprint=${sha1}`)).toContain('holds characters that are not hex digits');
  });

  it('calls text hex only when every character is a hex digit', () => {
    expect(message(`zz${hex64}`)).toContain('holds characters that are not hex digits');
    expect(message(`${hex64}zz`)).toContain('holds characters that are not hex digits');
  });

  it('names no other hash for a length no common hash has', () => {
    expect(message('ab'.repeat(5))).toMatch(/^option "fingerprint" has 10 hex digits; it must be/);
  });

  it('is named fingerprint', () => {
    expect(fingerprint(hex64).name).toBe('fingerprint');
  });
});
