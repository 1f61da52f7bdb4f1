import fc from 'fast-check';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allOf,
  allowErrors,
  anyOf,
  custom,
  fingerprint,
  insecureAcceptAnyCertificate,
  InvalidOptionError,
  pin,
  strict,
  systemTrustStore,
  trustOnFirstUse,
  type CertError,
  type HandshakeFacts,
  type VerificationPolicy,
} from '../../lib';
import { createTestPki, type TestCredentials, type TestPki } from '../../lib/testing';
import { peerFrom } from '../support/peer';

let pki: TestPki;
let leaf: TestCredentials;
let other: TestCredentials;
let dir: string;
const expired: CertError = { code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' };
const selfSigned: CertError = { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', reason: 'self-signed certificate' };

beforeAll(async () => {
  pki = await createTestPki();
  leaf = await pki.leaf();
  other = await pki.selfSigned();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-policies-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const facts = (credentials: TestCredentials, problems: CertError[] = [], port = 993): HandshakeFacts => ({
  peer: peerFrom(credentials.cert + pki.ca.cert, 'localhost', port),
  problems,
});

describe('strict()', () => {
  it('reports every problem it is given', () => {
    expect(strict().check(facts(leaf))).toEqual([]);
    expect(strict().check(facts(leaf, [expired, selfSigned]))).toEqual([expired, selfSigned]);
  });
  it('carries its CA for OpenSSL to trust', () => {
    expect(strict({ ca: pki.ca.cert }).trust).toBe(pki.ca.cert);
    expect(strict().trust).toBeUndefined();
  });
});

describe('pin()', () => {
  it('accepts when the leaf or another certificate of the chain has a pinned key', () => {
    expect(pin(leaf.spkiPin).check(facts(leaf))).toEqual([]);
    expect(pin(pki.ca.spkiPin).check(facts(leaf))).toEqual([]);
  });
  it('reports PIN_MISMATCH with the pins seen', () => {
    const [error, ...rest] = pin(other.spkiPin).check(facts(leaf)) as CertError[];
    expect(rest).toEqual([]);
    expect(error?.code).toBe('PIN_MISMATCH');
    expect(error?.reason).toContain(`seen: ${leaf.spkiPin}, ${pki.ca.spkiPin}`);
    expect(error?.reason).toContain(`pinned: ${other.spkiPin}`);
  });
  it('judges only the keys: strict problems are not its business', () => {
    expect(pin(leaf.spkiPin).check(facts(leaf, [expired]))).toEqual([]);
    expect(allOf(strict(), pin(leaf.spkiPin)).check(facts(leaf, [expired]))).toEqual([expired]);
  });
  it('refuses malformed pins', () => {
    expect(() => pin('sha1/abc')).toThrow(InvalidOptionError);
    expect(() => pin()).toThrow(/at least one pin/);
  });
});

describe('fingerprint()', () => {
  it('accepts exactly that leaf, whatever else is wrong with it', () => {
    expect(fingerprint(other.fingerprint256).check(facts(other, [selfSigned]))).toEqual([]);
    expect(fingerprint(other.fingerprint256.replace(/:/g, '').toLowerCase()).check(facts(other, [selfSigned]))).toEqual([]);
  });
  it('rejects any other leaf', () => {
    expect((fingerprint(other.fingerprint256).check(facts(leaf)) as CertError[]).map((e) => e.code)).toEqual(['FINGERPRINT_MISMATCH']);
  });
  it('refuses a malformed fingerprint', () => {
    expect(() => fingerprint('AB:CD')).toThrow(/option "fingerprint"/);
  });
});

describe('allowErrors()', () => {
  it('tolerates the named codes for that certificate only', () => {
    const policy = allowErrors(['DEPTH_ZERO_SELF_SIGNED_CERT'], other.fingerprint256);
    expect(policy.check(facts(other, [selfSigned]))).toEqual([]);
    expect(policy.check(facts(other, [selfSigned, expired]))).toEqual([expired]);
    expect(policy.check(facts(leaf, [selfSigned]))).toEqual([selfSigned]);
  });
  it('refuses bad arguments', () => {
    expect(() => allowErrors([], other.fingerprint256)).toThrow(/option "codes"/);
    expect(() => allowErrors(['X'], 'nope')).toThrow(/option "forFingerprint"/);
  });
});

describe('custom()', () => {
  it('maps true, false, errors and promises', async () => {
    expect(custom(() => true).check(facts(leaf))).toEqual([]);
    expect((custom(() => false, 'org').check(facts(leaf)) as CertError[])[0]).toEqual({
      code: 'CUSTOM_REJECTED',
      reason: 'rejected by the policy "org"',
    });
    expect(custom(() => [expired]).check(facts(leaf))).toEqual([expired]);
    await expect(custom(({ peer }) => Promise.resolve(peer.subject === 'CN=localhost')).check(facts(leaf))).resolves.toEqual([]);
  });
});

describe('allOf / anyOf', () => {
  const verdict = (errors: CertError[]): VerificationPolicy => ({ name: 'v', check: () => errors });
  const asyncVerdict = (errors: CertError[]): VerificationPolicy => ({ name: 'a', check: () => Promise.resolve(errors) });
  const error = (i: number): CertError => ({ code: `E${i}`, reason: `problem ${i}` });

  it('follow their truth tables, synchronous or not, reporting the union of errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 6 }), async (spec) => {
        const policies = spec.map(([passes, isAsync], i) => (isAsync ? asyncVerdict : verdict)(passes ? [] : [error(i)]));
        const failures = spec.flatMap(([passes], i) => (passes ? [] : [error(i)]));
        const all = await allOf(...policies).check(facts(leaf));
        const any = await anyOf(...policies).check(facts(leaf));
        expect(all).toEqual(failures);
        expect(any).toEqual(spec.some(([passes]) => passes) ? [] : failures);
        expect(all.length === 0).toBe(spec.every(([passes]) => passes));
      }),
      { numRuns: 200 },
    );
  });

  it('stay synchronous when every policy is', () => {
    expect(Array.isArray(allOf(strict(), pin(leaf.spkiPin)).check(facts(leaf)))).toBe(true);
  });

  it('collect the trust of their members', () => {
    expect(allOf(strict({ ca: 'a.pem' }), strict({ ca: ['b.pem', 'c.pem'] }), pin(leaf.spkiPin)).trust).toEqual([
      'a.pem',
      'b.pem',
      'c.pem',
    ]);
  });

  it('refuse to combine nothing', () => {
    expect(() => allOf()).toThrow(/needs at least one policy/);
    expect(() => anyOf({} as VerificationPolicy)).toThrow(/option "anyOf\[0\]"/);
  });
});

describe('insecureAcceptAnyCertificate()', () => {
  it('accepts anything and warns once per process', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(insecureAcceptAnyCertificate().check(facts(other, [selfSigned, expired]))).toEqual([]);
      insecureAcceptAnyCertificate();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('NOT verified');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('trustOnFirstUse()', () => {
  beforeEach(() => jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('records the first key (file mode 0600), accepts it again, and reports PIN_CHANGED for another', async () => {
    const file = join(dir, 'known_hosts');
    const tofu = trustOnFirstUse(file);
    expect(await tofu.check(facts(other, [selfSigned]))).toEqual([]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain(`localhost:993 ${other.spkiPin}`);
    expect(await tofu.check(facts(other, [selfSigned]))).toEqual([]);
    const changed = (await tofu.check(facts(leaf))) as CertError[];
    expect(changed.map((e) => e.code)).toEqual(['PIN_CHANGED']);
    expect(changed[0]?.reason).toBe(`the key of localhost:993 changed: recorded ${other.spkiPin}, presented ${leaf.spkiPin}`);
    expect(process.emitWarning).toHaveBeenCalledTimes(1);
  });

  it('keeps hosts apart by host:port', async () => {
    const tofu = trustOnFirstUse(join(dir, 'by-port'));
    expect(await tofu.check(facts(other, [], 1))).toEqual([]);
    expect(await tofu.check(facts(leaf, [], 2))).toEqual([]);
    expect(((await tofu.check(facts(leaf, [], 1))) as CertError[])[0]?.code).toBe('PIN_CHANGED');
  });

  it('concurrent first uses neither corrupt the file nor lose an entry', async () => {
    const file = join(dir, 'concurrent');
    const policies = [trustOnFirstUse(file), trustOnFirstUse(file)];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => Promise.resolve(policies[i % 2]!.check(facts(leaf, [], 1000 + i)))),
    );
    expect(results.every((r) => r.length === 0)).toBe(true);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    expect(lines.length).toBe(40);
    expect(new Set(lines.map((l) => l.split(' ')[0])).size).toBe(40);
  });

  it('names the file when it cannot be written', async () => {
    const tofu = trustOnFirstUse(join(dir, 'missing-dir', 'known_hosts'));
    await expect(tofu.check(facts(leaf))).rejects.toThrow(/option "knownHostsFile" cannot be written \(ENOENT\)/);
  });
});

describe('systemTrustStore()', () => {
  it('prefers SSL_CERT_FILE, and names what it looked at when nothing exists', async () => {
    const bundle = join(dir, 'bundle.pem');
    await writeFile(bundle, pki.ca.cert);
    expect(systemTrustStore({ SSL_CERT_FILE: bundle })).toBe(bundle);
    expect(systemTrustStore({ SSL_CERT_FILE: '/nonexistent/x.pem' }, ['/nonexistent/y', bundle])).toBe(bundle);
    expect(() => systemTrustStore({ SSL_CERT_FILE: '/nonexistent/x.pem' }, ['/nonexistent/y'])).toThrow(
      'found no system trust store; looked at /nonexistent/x.pem, /nonexistent/y',
    );
  });
});
