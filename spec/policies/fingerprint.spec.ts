import fc from 'fast-check';
import { allowErrors, fingerprint, InvalidOptionError, type CertError } from '../../lib';
import { createTestPki, fakePeer } from '../../lib/testing';
import { describeWithOpenssl } from '../interop/openssl';
import { runRecipe } from '../support/openssl-recipe';

/** Node's form of a fingerprint: colon-separated upper-case hex. */
const colons = (bytes: Buffer) =>
  bytes
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
const factsFor = (bytes: Buffer) => ({ peer: fakePeer({ fingerprint256: colons(bytes) }), problems: [] });
const accepts = (given: string, leaf: Buffer) => (fingerprint(given).check(factsFor(leaf)) as CertError[]).length === 0;
const rejection = (value: unknown, make: (v: string) => unknown = fingerprint): InvalidOptionError => {
  try {
    make(value as string);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
};

const sha256 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));
/** The hex of `bytes` written as people have it: any case per digit, with colons, spaces or nothing between bytes. */
const written = (bytes: Buffer) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: bytes.length * 2, maxLength: bytes.length * 2 }),
      fc.constantFrom('', ':', ' '),
      fc.constantFrom('', 'sha256 Fingerprint=', 'SHA256 Fingerprint='),
    )
    .map(([upper, separator, prefix]) => {
      const digits = bytes.toString('hex').replace(/./g, (d, i: number) => (upper[i] ? d.toUpperCase() : d));
      const pairs = digits.match(/../g) ?? [];
      return prefix + pairs.join(separator);
    });

describe('fingerprint(): the forms people copy fingerprints in', () => {
  it('accepts 64 hex digits in any case, with colons, spaces or neither, and as openssl prints it', () => {
    fc.assert(
      fc.property(
        sha256.chain((bytes) => fc.tuple(fc.constant(bytes), written(bytes))),
        sha256,
        ([bytes, text], other) => {
          fc.pre(!bytes.equals(other));
          expect(accepts(text, bytes)).toBe(true);
          expect(accepts(text, other)).toBe(false);
        },
      ),
    );
  });

  it('reports a mismatch with the expected fingerprint normalised to colon-separated upper case', () => {
    fc.assert(
      fc.property(
        sha256.chain((bytes) => fc.tuple(fc.constant(bytes), written(bytes))),
        ([bytes, text]) => {
          const [error] = fingerprint(text).check(factsFor(Buffer.alloc(32))) as CertError[];
          expect(error?.code).toBe('FINGERPRINT_MISMATCH');
          expect(error?.reason).toBe(`leaf fingerprint ${colons(Buffer.alloc(32))} is not the expected ${colons(bytes)}`);
        },
      ),
    );
  });

  it('rejects any other length, naming it (and the hash it probably is) and how to compute a SHA-256 one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }).filter((n) => n !== 32),
        fc.boolean(),
        (length, withColons) => {
          const bytes = Buffer.alloc(length, 0xab);
          const error = rejection(withColons ? colons(bytes) : bytes.toString('hex'));
          expect(error.option).toBe('fingerprint');
          expect(error.code).toBe('ERR_RXTLS_INVALID_OPTION');
          expect(error.message).toContain(`has ${length * 2} hex digits`);
          expect(error.message).toContain('openssl x509 -in cert.pem -noout -fingerprint -sha256');
        },
      ),
    );
    expect(rejection('ab'.repeat(20)).message).toContain('has 40 hex digits (a SHA-1 fingerprint)');
    expect(rejection('ab'.repeat(16)).message).toContain('(a MD5 fingerprint)');
    expect(rejection('ab'.repeat(48)).message).toContain('(a SHA-384 fingerprint)');
    expect(rejection('ab'.repeat(64)).message).toContain('has 128 hex digits (a SHA-512 fingerprint)');
  });

  it('rejects another declared hash, non-hex text and non-strings, saying which', () => {
    const sha1Line = `SHA1 Fingerprint=${colons(Buffer.alloc(20, 1))}`;
    expect(rejection(sha1Line).message).toMatch(/^option "fingerprint" is a SHA1 fingerprint, and rxtls compares SHA-256 only; it must be/);
    expect(rejection(`sha256/${Buffer.alloc(32).toString('base64')}`).message).toContain('holds characters that are not hex digits');
    expect(rejection('').message).toContain('is empty');
    expect(rejection(undefined).message).toContain('is not a string');
  });

  it('gives allowErrors() the same forms and the same errors, under its own option name', () => {
    const bytes = Buffer.alloc(32, 0x3c);
    const problems: CertError[] = [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', reason: 'self-signed certificate' }];
    const policy = allowErrors(['DEPTH_ZERO_SELF_SIGNED_CERT'], `sha256 Fingerprint=${bytes.toString('hex')}`);
    expect(policy.check({ ...factsFor(bytes), problems })).toEqual([]);
    const error = rejection('ab'.repeat(20), (v) => allowErrors(['CERT_HAS_EXPIRED'], v));
    expect(error.option).toBe('forFingerprint');
    expect(error.message).toContain('(a SHA-1 fingerprint)');
  });
});

describeWithOpenssl('fingerprint(): against what openssl prints', () => {
  it('the command in the error message prints a line fingerprint() takes as it is', async () => {
    const leaf = await (await createTestPki()).leaf();
    const printed = await runRecipe(rejection('?').message, leaf.cert);
    expect(printed).toMatch(/^sha256 Fingerprint=/i);
    const bytes = Buffer.from(leaf.fingerprint256.replace(/:/g, ''), 'hex');
    expect(accepts(printed, bytes)).toBe(true);
    expect(accepts(printed, Buffer.alloc(32))).toBe(false);
  });
});
