import { allOf, allowErrors, anyOf, custom, insecureAcceptAnyCertificate, strict, type CertError, type HandshakeFacts } from '../../lib';
import { fakePeer } from '../../lib/testing';

const fingerprint = 'AB:'.repeat(31) + 'AB';
const facts = (problems: CertError[] = []): HandshakeFacts => ({ peer: fakePeer({ fingerprint256: fingerprint }), problems });
const selfSigned: CertError = { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', reason: 'self-signed certificate' };

describe('policy names', () => {
  it('name each policy, and a combination by its members', () => {
    expect(strict().name).toBe('strict');
    expect(custom(() => true).name).toBe('custom');
    expect(allowErrors(['X'], fingerprint).name).toBe('allowErrors');
    expect(
      allOf(
        strict(),
        custom(() => true, 'org'),
      ).name,
    ).toBe('allOf(strict, org)');
    expect(
      anyOf(
        strict(),
        custom(() => true, 'org'),
      ).name,
    ).toBe('anyOf(strict, org)');
  });

  it('custom() names itself in its rejection by default', () => {
    expect(custom(() => false).check(facts())).toEqual([{ code: 'CUSTOM_REJECTED', reason: 'rejected by the policy "custom"' }]);
  });
});

describe('policy option checks', () => {
  it('custom() needs a predicate function', () => {
    expect(() => custom(5 as never)).toThrow('option "predicate" must be a function (got 5)');
  });

  it('allowErrors() needs non-empty code strings, every one of them', () => {
    const message = /^option "codes" must be a non-empty array of error codes such as "CERT_HAS_EXPIRED"/;
    expect(() => allowErrors(['CERT_HAS_EXPIRED', ''], fingerprint)).toThrow(message);
    expect(() => allowErrors(['CERT_HAS_EXPIRED', 5 as never], fingerprint)).toThrow(message);
    expect(() => allowErrors('CERT_HAS_EXPIRED' as never, fingerprint)).toThrow(message);
  });

  it('allowErrors() names a fingerprint that is not a string of 64 hex digits', () => {
    const message = /^option "forFingerprint" .*it must be the SHA-256 fingerprint of the certificate: 64 hex digits/;
    expect(() => allowErrors(['X'], 5 as never)).toThrow(message);
    expect(() => allowErrors(['X'], 'AB:CD')).toThrow(message);
    expect(allowErrors(['DEPTH_ZERO_SELF_SIGNED_CERT'], fingerprint.toLowerCase()).check(facts([selfSigned]))).toEqual([]);
  });

  it('allOf() and anyOf() name themselves and the member that is not a policy', () => {
    expect(() => allOf()).toThrow('option "allOf" needs at least one policy (got an array of 0)');
    expect(() => anyOf()).toThrow('option "anyOf" needs at least one policy (got an array of 0)');
    expect(() => allOf(strict(), null as never)).toThrow(/^option "allOf\[1\]" must be a verification policy/);
  });
});

describe('trust of combinations', () => {
  it('carry no trust when no member has any', () => {
    expect(
      allOf(
        strict(),
        custom(() => true),
      ).trust,
    ).toBeUndefined();
    expect(anyOf(strict()).trust).toBeUndefined();
    expect(anyOf(strict(), strict({ ca: 'ca.pem' })).trust).toEqual(['ca.pem']);
  });
});

describe('insecureAcceptAnyCertificate()', () => {
  it('warns as a SecurityWarning with its code, and names itself', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(insecureAcceptAnyCertificate().name).toBe('insecureAcceptAnyCertificate');
      expect(warn.mock.calls[0]?.[1]).toEqual({ code: 'RXTLS_INSECURE', type: 'SecurityWarning' });
    } finally {
      warn.mockRestore();
    }
  });
});
