import { diagnose, type CertificateFacts, type DoctorFindings, type HandshakeFinding } from '../../lib';
import { fakePeer } from '../../lib/testing';

/** diagnose() on fabricated findings: what rxtls doctor concludes, with no network. */
const NOW = '2027-03-01T12:00:00.000Z';
const DAY = 86_400_000;

const reached = (extra: Partial<DoctorFindings> = {}): DoctorFindings => ({
  host: 'mail.example.test',
  port: 993,
  servername: 'mail.example.test',
  now: NOW,
  dns: { status: 'ok', addresses: [{ address: '192.0.2.7', family: 4 }] },
  tcp: [{ address: '192.0.2.7', family: 4, status: 'ok', ms: 3 }],
  ...extra,
});

const failedTls = (code: string, message = code): HandshakeFinding => ({
  status: 'failed',
  sni: true,
  problems: [],
  error: { code, message },
});

const facts = (overrides: Partial<CertificateFacts> = {}): CertificateFacts => ({
  subject: 'CN=mail.example.test',
  issuer: 'CN=Example CA',
  validFrom: '2027-01-01T00:00:00.000Z',
  validTo: '2027-06-01T00:00:00.000Z',
  daysLeft: 91,
  keyType: 'ec',
  keyBits: 256,
  curve: 'prime256v1',
  signatureAlgorithm: 'ecdsa-with-SHA256',
  selfIssued: false,
  isCA: false,
  caIssuers: [],
  fingerprint256: 'AA',
  ...overrides,
});

const rejected = (codes: readonly string[], extra: Partial<DoctorFindings> = {}, names = ['DNS:mail.example.test']): DoctorFindings =>
  reached({
    tls: {
      status: 'rejected',
      sni: true,
      problems: codes.map((code) => ({ code, reason: code.toLowerCase() })),
      peer: fakePeer({ subject: 'CN=mail.example.test', subjectAltNames: names, servername: 'mail.example.test' }),
    },
    chain: [facts()],
    ...extra,
  });

const verified = (extra: Partial<DoctorFindings> = {}): DoctorFindings =>
  reached({ tls: { status: 'verified', sni: true, protocol: 'TLSv1.3', problems: [], peer: fakePeer() }, chain: [facts()], ...extra });

describe('diagnose()', () => {
  it('a name that does not resolve: the resolver’s code, exit 1, and nothing probed after it', () => {
    const verdict = diagnose({
      ...reached(),
      tcp: [],
      dns: { status: 'failed', addresses: [], error: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x.invalid' } },
    });
    expect(verdict).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(verdict.problems.map((p) => [p.code, p.severity])).toEqual([['ENOTFOUND', 'error']]);
    expect(verdict.problems[0]?.cause).toMatch(/in mail\.example\.test:993 does not resolve/);
  });

  it('no address connects: the first failure, with the others as a note', () => {
    const verdict = diagnose(
      reached({
        dns: {
          status: 'ok',
          addresses: [
            { address: '192.0.2.7', family: 4 },
            { address: '2001:db8::7', family: 6 },
          ],
        },
        tcp: [
          { address: '192.0.2.7', family: 4, status: 'failed', error: { code: 'ECONNREFUSED', message: 'refused' } },
          { address: '2001:db8::7', family: 6, status: 'failed', error: { code: 'ENETUNREACH', message: 'unreachable' } },
        ],
      }),
    );
    expect(verdict.exitCode).toBe(1);
    expect(verdict.problems).toHaveLength(1);
    expect(verdict.problems[0]).toMatchObject({ code: 'ECONNREFUSED', notes: ['Also: 2001:db8::7: ENETUNREACH.'] });
  });

  it('one address of two unreachable is a warning beside a working server', () => {
    const verdict = diagnose(
      verified({
        tcp: [
          { address: '2001:db8::7', family: 6, status: 'failed', error: { code: 'ENETUNREACH', message: 'unreachable' } },
          { address: '192.0.2.7', family: 4, status: 'ok', ms: 2 },
        ],
        anchor: { subject: 'CN=ISRG Root X1', public: true },
      }),
    );
    expect(verdict).toMatchObject({ status: 'warning', exitCode: 0 });
    expect(verdict.problems.map((p) => [p.code, p.severity])).toEqual([['ENETUNREACH', 'warning']]);
    expect(verdict.problems[0]?.cause).toMatch(/2001:db8::7:993/);
  });

  it('a plaintext greeting that offers STARTTLS: STARTTLS required, with the protocol in the fix', () => {
    const verdict = diagnose(
      reached({
        tls: failedTls('ERR_SSL_WRONG_VERSION_NUMBER'),
        plaintext: { greeting: '220 mx.example.test ESMTP', protocol: 'smtp', startTls: true },
      }),
    );
    expect(verdict.exitCode).toBe(1);
    expect(verdict.problems[0]).toMatchObject({ code: 'ERR_RXTLS_STARTTLS_REQUIRED', severity: 'error' });
    expect(verdict.problems[0]?.fix).toMatch(/--starttls smtp/);
  });

  it('a plaintext greeting without STARTTLS, and an HTTP response: a plaintext port, with the fix for each', () => {
    const imap = diagnose(
      reached({ tls: failedTls('ERR_SSL_WRONG_VERSION_NUMBER'), plaintext: { greeting: '* OK ready', protocol: 'imap', startTls: false } }),
    );
    const http = diagnose(
      reached({ tls: failedTls('ECONNRESET'), plaintext: { greeting: 'HTTP/1.1 400 Bad Request', protocol: 'http', startTls: false } }),
    );
    expect(imap.problems[0]).toMatchObject({ code: 'ERR_RXTLS_PLAINTEXT_PORT' });
    expect(imap.problems[0]?.cause).toMatch(/plaintext \(IMAP: "\* OK ready"\)/);
    expect(imap.problems[0]?.fix).toMatch(/993/);
    expect(http.problems[0]?.fix).toMatch(/HTTPS port/);
  });

  it('a handshake timeout is "no answer" only once the plaintext probe heard nothing either', () => {
    expect(diagnose(reached({ tls: failedTls('ERR_RXTLS_HANDSHAKE_TIMEOUT'), plaintext: { startTls: false } })).problems[0]?.code).toBe(
      'ERR_RXTLS_NO_ANSWER',
    );
    // Without a plaintext probe (STARTTLS given), the timeout stays what it is.
    expect(diagnose(reached({ tls: failedTls('ERR_RXTLS_HANDSHAKE_TIMEOUT') })).problems[0]?.code).toBe('ERR_RXTLS_HANDSHAKE_TIMEOUT');
  });

  it('only TLS 1.0/1.1 accepted: legacy TLS only, naming the versions and how they were probed', () => {
    const verdict = diagnose(
      reached({
        tls: failedTls('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
        versions: [
          { version: 'TLSv1', accepted: true },
          { version: 'TLSv1.1', accepted: true },
          { version: 'TLSv1.2', accepted: false },
          { version: 'TLSv1.3', accepted: false },
        ],
      }),
    );
    expect(verdict.problems[0]).toMatchObject({ code: 'ERR_RXTLS_LEGACY_TLS_ONLY', details: { versions: ['TLSv1', 'TLSv1.1'] } });
    expect(verdict.problems[0]?.cause).toMatch(/speaks only TLSv1 and TLSv1\.1/);
    expect(verdict.problems[0]?.notes[0]).toMatch(/security level 0, which rxtls never uses to connect/);
  });

  it('certificate problems: exit 2, trust before dates before the name, each with its cause and fix', () => {
    const verdict = diagnose(rejected(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'SELF_SIGNED_CERT_IN_CHAIN']));
    expect(verdict).toMatchObject({ status: 'failed', exitCode: 2 });
    expect(verdict.problems.map((p) => p.code)).toEqual(['SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);
    for (const p of verdict.problems) {
      expect(p.cause.length).toBeGreaterThan(20);
      expect(p.fix.length).toBeGreaterThan(20);
      expect(`${p.cause} ${p.fix}`).not.toMatch(/REJECT_UNAUTHORIZED|rejectUnauthorized|insecure|verification off/i);
    }
    expect(verdict.problems[0]?.details).not.toHaveProperty('otherProblems');
  });

  it('a wildcard one level too deep says so; one level deep is not that', () => {
    const deep = diagnose(rejected(['ERR_TLS_CERT_ALTNAME_INVALID'], { servername: 'a.b.example.test' }, ['DNS:*.example.test']));
    expect(deep.problems[0]?.notes).toEqual([
      'The wildcard *.example.test covers one label only: "a.b.example.test" is 2 levels below example.test, so it needs its own name (or *.b.example.test) on the certificate.',
    ]);
    const other = diagnose(rejected(['ERR_TLS_CERT_ALTNAME_INVALID'], { servername: 'mail.other.test' }, ['DNS:*.example.test']));
    expect(other.problems[0]?.notes).toEqual([]);
  });

  it('not yet valid: clock skew when it starts minutes ahead, a future date when days ahead', () => {
    const soon = new Date(Date.parse(NOW) + 7 * 60_000).toISOString();
    const later = new Date(Date.parse(NOW) + 5 * DAY).toISOString();
    expect(diagnose(rejected(['CERT_NOT_YET_VALID'], { chain: [facts({ validFrom: soon })] })).problems[0]?.notes[0]).toMatch(
      /7 minutes after this machine's clock: .* this machine's clock is behind/,
    );
    expect(diagnose(rejected(['CERT_NOT_YET_VALID'], { chain: [facts({ validFrom: later })] })).problems[0]?.notes[0]).toMatch(
      /5 days from now: too far ahead for clock skew/,
    );
  });

  it('expired: how long ago, by this machine’s clock', () => {
    const validTo = new Date(Date.parse(NOW) - 3 * DAY - 60_000).toISOString();
    expect(diagnose(rejected(['CERT_HAS_EXPIRED'], { chain: [facts({ validTo, daysLeft: -4 })] })).problems[0]?.notes).toEqual([
      `It expired on ${validTo.slice(0, 10)}, 3 days ago by this machine's clock.`,
    ]);
  });

  it('weak key and weak digest name the certificate and what it has', () => {
    const weakKey = diagnose(rejected(['EE_KEY_TOO_SMALL'], { chain: [facts({ keyType: 'rsa', keyBits: 1024, curve: undefined })] }));
    expect(weakKey.problems[0]?.notes).toEqual(['"CN=mail.example.test" has a 1024-bit RSA key.']);
    const sha1 = diagnose(rejected(['CA_MD_TOO_WEAK'], { chain: [facts({ signatureAlgorithm: 'sha1WithRSAEncryption' })] }));
    expect(sha1.problems[0]?.notes).toEqual(['"CN=mail.example.test" is signed with sha1WithRSAEncryption.']);
  });

  it('a missing intermediate: what fetching it by its AIA URL showed, marked as for the diagnosis only', () => {
    const url = 'http://ca.example.test/int.cer';
    const withAia = { chain: [facts({ caIssuers: [url] })] };
    const trusted = diagnose(
      rejected(['UNABLE_TO_VERIFY_LEAF_SIGNATURE'], {
        ...withAia,
        intermediate: { url, status: 'fetched', subject: 'CN=Example Intermediate', issuesLastCertificate: true, chainsToTrusted: true },
      }),
    );
    expect(trusted.problems[0]?.notes[0]).toMatch(/^Fetched for this diagnosis only \(rxtls never fetches certificates when it connects\)/);
    expect(trusted.problems[0]?.notes[0]).toMatch(/a CA this program trusts issued it: the server only forgot to send it/);
    const untrusted = diagnose(
      rejected(['UNABLE_TO_VERIFY_LEAF_SIGNATURE'], {
        ...withAia,
        intermediate: { url, status: 'fetched', subject: 'CN=X', issuesLastCertificate: true, chainsToTrusted: false },
      }),
    );
    expect(untrusted.problems[0]?.notes[0]).toMatch(/no CA this program trusts issued it either/);
    const impostor = diagnose(
      rejected(['UNABLE_TO_VERIFY_LEAF_SIGNATURE'], {
        ...withAia,
        intermediate: { url, status: 'fetched', subject: 'CN=X', issuesLastCertificate: false },
      }),
    );
    expect(impostor.problems[0]?.notes[0]).toMatch(/not the issuer of the last certificate/);
    const failed = diagnose(
      rejected(['UNABLE_TO_VERIFY_LEAF_SIGNATURE'], { ...withAia, intermediate: { url, status: 'failed', error: 'HTTP status 404' } }),
    );
    expect(failed.problems[0]?.notes).toEqual([`Fetching the issuer from ${url} failed (HTTP status 404).`]);
    expect(diagnose(rejected(['UNABLE_TO_VERIFY_LEAF_SIGNATURE'])).problems[0]?.notes[0]).toMatch(/names no URL for its issuer/);
  });

  it('a server that needs SNI, or verifies through a private root, works: warnings, exit 0', () => {
    const verdict = diagnose(
      verified({
        withoutSni: failedTls('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
        anchor: { subject: 'CN=Contoso TLS Inspection Proxy CA', public: false },
      }),
    );
    expect(verdict).toMatchObject({ status: 'warning', exitCode: 0 });
    expect(verdict.problems.map((p) => [p.code, p.severity])).toEqual([
      ['ERR_RXTLS_SNI_REQUIRED', 'warning'],
      ['ERR_RXTLS_PRIVATE_ROOT', 'warning'],
    ]);
    expect(verdict.problems[1]?.notes[0]).toMatch(/interception product/);
    expect(verdict.problems[1]?.notes[1]).toMatch(/What cannot be seen from here/);
    const plain = diagnose(verified({ anchor: { subject: 'CN=Example Private Root', public: false } }));
    expect(plain.problems[0]?.notes[0]).toMatch(/does not say whether it is a private CA or an interception product/);
  });

  it('a public root, SNI not needed: no problem, exit 0', () => {
    expect(diagnose(verified({ anchor: { subject: 'CN=ISRG Root X1', public: true }, withoutSni: verified().tls }))).toEqual({
      status: 'ok',
      exitCode: 0,
      problems: [],
    });
  });

  it('a server that refuses after the handshake (a client certificate it requires): its code, exit 1', () => {
    const verdict = diagnose(
      reached({
        tls: {
          status: 'failed',
          sni: true,
          problems: [],
          peer: fakePeer(),
          error: { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'alert' },
        },
      }),
    );
    expect(verdict).toMatchObject({
      exitCode: 1,
      problems: [expect.objectContaining({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })],
    });
    expect(verdict.problems[0]?.fix).toMatch(/--cert FILE --key FILE/);
  });
});
