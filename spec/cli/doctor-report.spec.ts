import { stepsOf } from '../../lib/cli/doctor/report';
import type { CertificateFacts, DoctorFindings, ServedCertificate } from '../../lib/diagnostics/doctor-findings';
import { fakePeer } from '../../lib/testing';

/** The chain step and the client-certificate step of the report, on fabricated findings. */
const facts = (subject: string, fingerprint256: string): CertificateFacts => ({
  subject,
  issuer: 'CN=CA',
  validFrom: '2027-01-01T00:00:00.000Z',
  validTo: '2027-06-01T00:00:00.000Z',
  daysLeft: 91,
  keyType: 'ec',
  keyBits: 256,
  signatureAlgorithm: 'ecdsa-with-SHA256',
  selfIssued: false,
  isCA: false,
  caIssuers: [],
  fingerprint256,
});
const sent = (subject: string, fingerprint256: string, issuerIndex?: number, selfSigned = false): ServedCertificate => ({
  subject,
  issuer: '?',
  fingerprint256,
  selfSigned,
  isCA: true,
  ...(issuerIndex !== undefined && { issuerIndex }),
});
const findings = (extra: Partial<DoctorFindings>): DoctorFindings => ({
  host: '127.0.0.1',
  port: 443,
  servername: 'localhost',
  now: '2027-03-01T12:00:00.000Z',
  dns: { status: 'skipped', addresses: [{ address: '127.0.0.1', family: 4 }] },
  tcp: [{ address: '127.0.0.1', family: 4, status: 'ok', ms: 1 }],
  tls: { status: 'verified', sni: true, protocol: 'TLSv1.3', problems: [], peer: fakePeer() },
  chain: [facts('CN=leaf', 'L')],
  ...extra,
});
const step = (f: DoctorFindings, name: string) => stepsOf(f).find((s) => s.name === name);

describe('the report: the chain as served', () => {
  it('marks each fault on its line, and warns', () => {
    const chain = step(
      findings({
        served: {
          status: 'read',
          complete: true,
          protocol: 'TLSv1.2',
          certificates: [
            sent('CN=leaf', 'L', 2),
            sent('CN=one', 'O', 3),
            sent('CN=two', 'T', 1),
            sent('CN=root', 'R', undefined, true),
            sent('CN=two', 'T', 1),
            sent('CN=stray', 'S'),
          ],
        },
      }),
      'chain',
    );
    expect(chain?.status).toBe('warning');
    expect(chain?.summary.split('\n').slice(0, 8)).toEqual([
      '6 sent; 1 in the chain Node built',
      'as served, in the order on the wire (TLSv1.2):',
      '0 CN=leaf ← ?',
      '1 CN=one ← ?  [out of order: sent before the one it issued]',
      '2 CN=two ← ?',
      '3 CN=root ← ?  [the root (not needed)]',
      '4 CN=two ← ?  [a repeat]',
      '5 CN=stray ← ?  [unrelated to the chain]',
    ]);
  });

  it('says when the wire probe got another certificate than the verified one, and when nothing was read', () => {
    const other = step(
      findings({ served: { status: 'read', complete: true, protocol: 'TLSv1.3', certificates: [sent('CN=leaf', 'X')] } }),
      'chain',
    );
    expect(other?.summary).toMatch(/another certificate than the one verified above/);
    const starttls = step(findings({ starttls: 'smtp' }), 'chain');
    expect(starttls?.summary).toMatch(/as served: not read \(a STARTTLS upgrade is not tapped\)/);
    const encrypted = step(
      findings({
        served: {
          status: 'encrypted',
          complete: false,
          error: 'TLS 1.3, and no server handshake traffic secret came from the keylog event',
        },
      }),
      'chain',
    );
    expect(encrypted?.summary).toMatch(/as served: not read \(TLS 1\.3, and no server handshake traffic secret/);
    expect(step(findings({ served: { status: 'encrypted', complete: false } }), 'client-certificate')).toMatchObject({
      status: 'ok',
      facts: { requested: null },
    });
  });

  it('client certificate: requested (optional) with its CAs, or not requested', () => {
    const request = { certificateAuthorities: ['CN=Clients'], signatureAlgorithms: ['ed25519'] };
    expect(
      step(
        findings({ served: { status: 'read', complete: true, certificates: [sent('CN=leaf', 'L')], certificateRequest: request } }),
        'client-certificate',
      ),
    ).toEqual({
      name: 'client-certificate',
      status: 'warning',
      summary: 'requested (optional: the handshake completed without one); it accepts "CN=Clients"',
      facts: { required: false, requested: true, certificateAuthorities: ['CN=Clients'], signatureAlgorithms: ['ed25519'] },
    });
    expect(
      step(findings({ served: { status: 'read', complete: true, certificates: [sent('CN=leaf', 'L')] } }), 'client-certificate')?.summary,
    ).toBe('not requested (the server sent no CertificateRequest)');
  });
});
