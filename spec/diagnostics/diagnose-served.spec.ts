import { diagnose, type DoctorFindings, type HandshakeFinding } from '../../lib';
import type { ServedCertificate, ServedFlightFinding } from '../../lib/diagnostics/doctor-findings';
import { fakePeer } from '../../lib/testing';

/** diagnose() on the chain as served and the CertificateRequest read off the wire (fabricated findings, no network). */
const NOW = '2027-03-01T12:00:00.000Z';

const findings = (tls: HandshakeFinding, served: ServedFlightFinding): DoctorFindings => ({
  host: 'mail.example.test',
  port: 993,
  servername: 'mail.example.test',
  now: NOW,
  dns: { status: 'ok', addresses: [{ address: '192.0.2.7', family: 4 }] },
  tcp: [{ address: '192.0.2.7', family: 4, status: 'ok', ms: 3 }],
  tls,
  served,
});
const verified: HandshakeFinding = { status: 'verified', sni: true, protocol: 'TLSv1.3', problems: [], peer: fakePeer() };
const cert = (subject: string, issuerIndex?: number, selfSigned = false): ServedCertificate => ({
  subject,
  issuer: '?',
  fingerprint256: subject,
  selfSigned,
  isCA: subject !== 'CN=leaf',
  ...(issuerIndex !== undefined && { issuerIndex }),
});
const read = (certificates: ServedCertificate[], extra: Partial<ServedFlightFinding> = {}): ServedFlightFinding => ({
  status: 'read',
  complete: true,
  protocol: 'TLSv1.3',
  certificates,
  ...extra,
});
const codes = (f: DoctorFindings) => diagnose(f).problems.map((p) => [p.code, p.severity]);

describe('diagnose() and the wire', () => {
  it('a tidy chain adds nothing', () => {
    expect(diagnose(findings(verified, read([cert('CN=leaf', 1), cert('CN=int')])))).toMatchObject({
      status: 'ok',
      exitCode: 0,
      problems: [],
    });
  });

  it('out of order, a repeat, a stray, the root: warnings with their codes, and the order that would fit', () => {
    const verdict = diagnose(
      findings(
        verified,
        read([
          cert('CN=leaf', 2),
          cert('CN=one', 4),
          cert('CN=two', 1),
          cert('CN=two', 1),
          cert('CN=root', undefined, true),
          cert('CN=stray'),
        ]),
      ),
    );
    expect(verdict.problems.map((p) => [p.code, p.severity])).toEqual([
      ['ERR_RXTLS_CHAIN_OUT_OF_ORDER', 'warning'],
      ['ERR_RXTLS_CHAIN_DUPLICATE', 'warning'],
      ['ERR_RXTLS_CHAIN_UNRELATED', 'warning'],
      ['ERR_RXTLS_CHAIN_ROOT_SENT', 'warning'],
    ]);
    expect(verdict).toMatchObject({ status: 'warning', exitCode: 0 });
    expect(verdict.problems[0]?.notes).toEqual(['The order that would fit: "CN=leaf", then "CN=two", then "CN=one", then "CN=root".']);
    expect(verdict.problems[1]?.cause).toMatch(/sends "CN=two" more than once/);
    expect(verdict.problems[2]?.cause).toMatch(/sends "CN=stray" in its chain, which issued none/);
    expect(verdict.problems[3]?.cause).toMatch(/sends the root "CN=root" too: harmless/);
    for (const p of verdict.problems) expect(`${p.cause} ${p.fix}`).not.toMatch(/rejectUnauthorized|verification off|insecure/i);
  });

  it('an optional CertificateRequest is a warning that names the CAs; a required one gets them as a note', () => {
    const request = { certificateAuthorities: ['CN=Clients CA'], signatureAlgorithms: ['ecdsa_secp256r1_sha256'] };
    const optional = diagnose(findings(verified, read([cert('CN=leaf')], { certificateRequest: request })));
    expect(optional.problems[0]).toMatchObject({ code: 'ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL', severity: 'warning' });
    expect(optional.problems[0]?.cause).toMatch(/without requiring one \(issued by "CN=Clients CA"\)/);
    expect(optional.problems[0]?.notes[0]).toBe(
      'The server sent a CertificateRequest (read off the wire, TLSv1.3) accepting certificates issued by "CN=Clients CA".',
    );
    const required = diagnose(
      findings(
        { ...verified, status: 'failed', error: { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'certificate required' } },
        read([cert('CN=leaf')], { certificateRequest: { certificateAuthorities: [], signatureAlgorithms: [] } }),
      ),
    );
    expect(required.problems.map((p) => p.code)).toEqual(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']);
    expect(required.problems[0]?.notes).toEqual([
      'The server sent a CertificateRequest (read off the wire, TLSv1.3) accepting a certificate from any CA (it names none).',
    ]);
  });

  it('a TLS 1.2 handshake that fails after a CertificateRequest says so in a note', () => {
    const failed: HandshakeFinding = {
      status: 'failed',
      sni: true,
      problems: [],
      error: { code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: 'handshake failure' },
    };
    const verdict = diagnose(
      findings(
        failed,
        read([cert('CN=leaf')], {
          protocol: 'TLSv1.2',
          certificateRequest: { certificateAuthorities: ['CN=Clients CA'], signatureAlgorithms: [] },
        }),
      ),
    );
    expect(verdict.problems[0]?.notes).toContain(
      'The server sent a CertificateRequest (read off the wire, TLSv1.2) accepting certificates issued by "CN=Clients CA".',
    );
  });

  it('nothing read (encrypted, unreadable) adds nothing', () => {
    expect(codes(findings(verified, { status: 'encrypted', complete: false }))).toEqual([]);
    expect(codes(findings(verified, { status: 'unreadable', complete: false, error: 'record: content type 71 is not a TLS one' }))).toEqual(
      [],
    );
  });
});
