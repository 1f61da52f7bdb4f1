import { createServer } from 'node:net';
import {
  connect,
  explain,
  InvalidOptionError,
  OPENSSL_CERT_ERROR_CODES,
  PASS_THROUGH_TRANSPORT_ERROR_CODES,
  POLICY_CERT_ERROR_CODES,
  RXTLS_ERROR_CODES,
  TransportError,
  WriteBufferFullError,
  LineTooLongError,
  type CertFailedEvent,
  type ConnectEvent,
  type Explanation,
} from '../../lib';
import { EXPLANATIONS, UNEXPLAINED_CODES } from '../../lib/diagnostics/explanations';
import { createTestPki, fakePeer, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect } from '../support/collect';

const CATALOGUE = [...OPENSSL_CERT_ERROR_CODES, ...POLICY_CERT_ERROR_CODES, ...RXTLS_ERROR_CODES, ...PASS_THROUGH_TRANSPORT_ERROR_CODES];
const CERT_CODES = new Set<string>([...OPENSSL_CERT_ERROR_CODES, ...POLICY_CERT_ERROR_CODES]);

/** Every way of telling someone to switch verification off that a fix must never contain. */
const TURNS_VERIFICATION_OFF =
  /insecure|NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized|verify\s*:\s*(false|null)|(disable|turn off|switch off|skip)\w*\s+(the\s+)?(certificate\s+)?verif/i;

const NOW = new Date('2026-06-15T12:00:00Z');
const DAY = 86_400_000;

/** A peer with every fact filled in, expired 10 days before NOW. */
const richPeer = fakePeer({
  subject: 'CN=mail.example.com',
  issuer: 'CN=Example Intermediate CA',
  subjectAltNames: ['DNS:mail.example.com', 'DNS:imap.example.com'],
  servername: 'example.com',
  validFrom: new Date(NOW.getTime() - 400 * DAY),
  validTo: new Date(NOW.getTime() - 10 * DAY),
  remoteAddress: '192.0.2.7',
  remotePort: 993,
});

const certFailed = (codes: readonly string[], peer = richPeer): CertFailedEvent => ({
  type: 'certFailed',
  errors: codes.map((code) => ({ code, reason: code.toLowerCase().replace(/_/g, ' ') })),
  reason: codes.join('; '),
  peer,
  peerSaw: 'handshake-failure',
});

/** Every text of an explanation, the other problems' included. */
const texts = (e: Explanation): string[] => [e.cause, e.fix, ...(e.details.otherProblems ?? []).flatMap((p) => [p.cause, p.fix])];

/** One explanation per code, with every fact the failure could carry, and with none. */
function explanationsOf(code: string): Explanation[] {
  if (CERT_CODES.has(code)) return [explain(certFailed([code]), { now: NOW }), explain({ code, reason: 'x' }, { now: NOW })];
  const withFacts = Object.assign(new TransportError(code, 'imap.example.com', 993, 'it failed (option closeTimeout)'), {
    option: 'closeTimeout',
    limit: 4096,
    feature: 'securityLevel',
    runtime: { name: 'Bun', version: '1.1.0' },
    text: 'host:port:extra',
  });
  const bare = Object.assign(new Error('it failed'), { code });
  return [explain(withFacts), explain(bare)];
}

describe('explain(): the table covers the catalogue', () => {
  it.each(CATALOGUE)('%s has an explanation (or is listed as unexplained, with a reason)', (code) => {
    const explained = Object.hasOwn(EXPLANATIONS, code);
    const excluded = Object.hasOwn(UNEXPLAINED_CODES, code);
    expect({ code, explained, excluded }).toEqual({ code, explained: !excluded, excluded: !explained });
    if (excluded) expect(UNEXPLAINED_CODES[code]).toMatch(/\w{10,}/);
  });

  it('explains no code outside the catalogue', () => {
    const catalogue = new Set<string>(CATALOGUE);
    expect(Object.keys(EXPLANATIONS).filter((code) => !catalogue.has(code))).toEqual([]);
  });

  it('gives every certificate code a group, so that several problems can be ordered', () => {
    expect([...CERT_CODES].filter((code) => EXPLANATIONS[code as keyof typeof EXPLANATIONS].group === undefined)).toEqual([]);
  });
});

describe('explain(): every explanation', () => {
  it.each(CATALOGUE)('%s: keeps its code, says a cause and a fix in a sentence each, and never turns verification off', (code) => {
    for (const explanation of explanationsOf(code)) {
      expect(explanation.code).toBe(code);
      for (const text of [explanation.cause, explanation.fix]) {
        expect(text).toMatch(/^[A-Z"]/);
        expect(text).toMatch(/[.!]$/);
        expect(text).not.toMatch(/undefined|\[object |NaN/);
      }
      for (const text of texts(explanation)) expect(text).not.toMatch(TURNS_VERIFICATION_OFF);
    }
  });

  it('the check for "turn verification off" is not vacuous', () => {
    for (const bad of [
      'Use insecureAcceptAnyCertificate().',
      'Set NODE_TLS_REJECT_UNAUTHORIZED=0.',
      'Pass rejectUnauthorized: false.',
      'Give verify: false.',
      'Disable certificate verification.',
      'Turn off verification.',
    ])
      expect(bad).toMatch(TURNS_VERIFICATION_OFF);
  });

  it('an unknown code gets an honest, generic explanation that names it', () => {
    const e = explain(certFailed(['ORG_MISMATCH']), { now: NOW });
    expect(e.code).toBe('ORG_MISMATCH');
    expect(e.cause).toContain('ORG_MISMATCH');
    expect(e.cause).toMatch(/not in rxtls's catalogue/);
    expect(e.fix).toContain('ORG_MISMATCH');
    const transport = explain(new TransportError('ERR_SSL_SOMETHING_NEW', 'h', 1, 'new alert'));
    expect([transport.code, transport.cause]).toEqual(['ERR_SSL_SOMETHING_NEW', expect.stringContaining('ERR_SSL_SOMETHING_NEW')]);
  });

  it('an error without a code is UNKNOWN, and says it is not one of rxtls', () => {
    const e = explain(new TypeError('x is not a function'));
    expect(e.code).toBe('UNKNOWN');
    expect(e.cause).toContain('x is not a function');
    expect(e.fix).toMatch(/your own code/);
  });
});

describe('explain(): certFailed', () => {
  it('gives the facts: subject, issuer, dates, days since expiry, names vs the name asked for, host:port, fingerprint and pin', () => {
    const e = explain(certFailed(['CERT_HAS_EXPIRED']), { now: NOW });
    expect(e.details).toMatchObject({
      target: '192.0.2.7:993',
      subject: 'CN=mail.example.com',
      issuer: 'CN=Example Intermediate CA',
      validTo: richPeer.validTo.toISOString(),
      validFrom: richPeer.validFrom.toISOString(),
      daysSinceExpiry: 10,
      names: ['DNS:mail.example.com', 'DNS:imap.example.com'],
      servername: 'example.com',
      fingerprint256: richPeer.fingerprint256,
      spkiPin: richPeer.spkiPin,
      reason: 'cert has expired',
    });
    expect(e.details.daysUntilValid).toBeUndefined();
    expect(e.cause).toBe(`The certificate "CN=mail.example.com" expired on ${richPeer.validTo.toISOString().slice(0, 10)} (10 days ago).`);
    // the narrowest policy, for exactly this certificate
    expect(e.fix).toContain(`allowErrors(['CERT_HAS_EXPIRED'], '${richPeer.fingerprint256}')`);
  });

  it('counts days until a not-yet-valid certificate is valid', () => {
    const future = fakePeer({ validFrom: new Date(NOW.getTime() + 3 * DAY + 1000), validTo: new Date(NOW.getTime() + 90 * DAY) });
    const e = explain(certFailed(['CERT_NOT_YET_VALID'], future), { now: NOW });
    expect(e.details.daysUntilValid).toBe(4);
    expect(e.details.daysSinceExpiry).toBeUndefined();
    expect(e.cause).toMatch(/in 4 days/);
    expect(e.fix).toMatch(/clock/);
  });

  it('names what the certificate is for and what was asked for on a name mismatch', () => {
    const e = explain(certFailed(['ERR_TLS_CERT_ALTNAME_INVALID']), { now: NOW });
    expect(e.cause).toBe('The certificate is not for "example.com": it is for DNS:mail.example.com, DNS:imap.example.com.');
    expect(e.fix).toMatch(/servername/);
  });

  it('explains trust first, then dates, then the name, and lists the others, each explained, in that order', () => {
    const e = explain(
      certFailed(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'ORG_MISMATCH', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']),
      {
        now: NOW,
      },
    );
    expect(e.code).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    expect(e.details.otherProblems?.map((p) => p.code)).toEqual(['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ORG_MISMATCH']);
    const [expired] = e.details.otherProblems ?? [];
    expect(expired).toEqual({
      code: 'CERT_HAS_EXPIRED',
      reason: 'cert has expired',
      cause: explain(certFailed(['CERT_HAS_EXPIRED']), { now: NOW }).cause,
      fix: explain(certFailed(['CERT_HAS_EXPIRED']), { now: NOW }).fix,
    });
  });

  it('keeps the checks’ order within a group', () => {
    const e = explain(certFailed(['PIN_MISMATCH', 'DEPTH_ZERO_SELF_SIGNED_CERT']), { now: NOW });
    expect([e.code, ...(e.details.otherProblems ?? []).map((p) => p.code)]).toEqual(['PIN_MISMATCH', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
  });

  it('takes the dates of the certificate a problem names, not the leaf’s', () => {
    const intermediate = { ...richPeer, subject: 'CN=Old Intermediate', validTo: new Date(NOW.getTime() - 2 * DAY) };
    const peer = { ...richPeer, validTo: new Date(NOW.getTime() + 30 * DAY), chain: [richPeer, intermediate] };
    const e = explain(
      {
        ...certFailed([], peer),
        errors: [{ code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired', certificate: 'CN=Old Intermediate' }],
      },
      { now: NOW },
    );
    expect(e.details).toMatchObject({ subject: 'CN=Old Intermediate', daysSinceExpiry: 2 });
  });

  it('a certFailed that lists no problem is the policy’s failure, still with the peer’s facts', () => {
    const e = explain(certFailed([]), { now: NOW });
    expect(e.code).toBe('POLICY_ERROR');
    expect(e.details.subject).toBe('CN=mail.example.com');
  });

  it('is pure: the same input gives the same output, and the input is not changed', () => {
    const event = certFailed(['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);
    const before = JSON.stringify(event);
    expect(explain(event, { now: NOW })).toEqual(explain(event, { now: NOW }));
    expect(JSON.stringify(event)).toBe(before);
  });
});

describe('explain(): errors and closed events', () => {
  it('an InvalidOptionError names the option at fault and never carries its value', () => {
    const e = explain(new InvalidOptionError('passphrase', '(hidden)', 'must be a string'));
    expect(e.code).toBe('ERR_RXTLS_INVALID_OPTION');
    expect(e.details.option).toBe('passphrase');
    expect(e.cause).toMatch(/"passphrase"/);
    expect(e.fix).toMatch(/"passphrase"/);
    expect(JSON.stringify(e.details)).not.toContain('"value"');
  });

  it('reads the option a TransportError names in its message, and its bounds', () => {
    const timeout = explain(
      new TransportError('ERR_RXTLS_HANDSHAKE_TIMEOUT', 'h', 9, 'TLS handshake did not finish within 10 ms (option handshakeTimeout)'),
    );
    expect(timeout.details).toMatchObject({ target: 'h:9', option: 'handshakeTimeout' });
    expect(explain(new WriteBufferFullError(1024, 1000, 100)).details.limit).toBe(1024);
    expect(explain(new LineTooLongError(64, 70)).cause).toMatch(/64 bytes/);
  });

  it('a closed event explains its error; a closed event without one has nothing to explain', () => {
    const error = new TransportError('ERR_RXTLS_TLS_TRUNCATED', 'h', 1, 'peer closed without close_notify');
    expect(explain({ type: 'closed', by: 'peer', clean: false, error })).toEqual(explain(error));
    expect(explain({ type: 'closed', by: 'peer', clean: true })).toBeUndefined();
  });
});

describe('explain(): over real TLS on loopback', () => {
  let pki: TestPki;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function failedAgainst(credentials: { cert: string; key: string }, host = 'localhost'): Promise<CertFailedEvent> {
    const server = await startTlsServer({ ...credentials, onConnection: (socket) => socket.end() });
    servers.push(server);
    const { events } = await collect<ConnectEvent>(connect({ host, port: server.port, ca: pki.ca.cert }));
    const failed = events.find((e): e is CertFailedEvent => e.type === 'certFailed');
    if (!failed) throw new Error(`expected certFailed, got ${events.map((e) => e.type).join(', ')}`);
    return failed;
  }

  it('an expired certificate: CERT_HAS_EXPIRED, the day it expired, and allowErrors for exactly it', async () => {
    const expired = await pki.expired();
    const e = explain(await failedAgainst(expired));
    expect(e.code).toBe('CERT_HAS_EXPIRED');
    expect(e.details.daysSinceExpiry).toBeGreaterThanOrEqual(0);
    expect(e.details.subject).toBe('CN=localhost');
    expect(e.details.target).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(e.fix).toContain(`allowErrors(['CERT_HAS_EXPIRED'], '${expired.fingerprint256}')`);
  });

  it('a certificate for another name: the names it carries and the name asked for', async () => {
    const e = explain(await failedAgainst(await pki.leaf({ names: ['elsewhere.test'] })));
    expect(e.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(e.details).toMatchObject({ servername: 'localhost', names: ['DNS:elsewhere.test'] });
    expect(e.cause).toBe('The certificate is not for "localhost": it is for DNS:elsewhere.test.');
  });

  it('a self-signed certificate: trust exactly it, by fingerprint or as ca', async () => {
    const self = await pki.selfSigned();
    const e = explain(await failedAgainst(self));
    expect(e.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(e.fix).toContain(`fingerprint('${self.fingerprint256}')`);
  });

  it('an untrusted CA and an expired certificate: the chain first, the dates in otherProblems', async () => {
    const other = await pki.otherAuthority();
    const e = explain(
      await failedAgainst(await other.issue({ notAfter: new Date(Date.now() - 2 * DAY), notBefore: new Date(Date.now() - 9 * DAY) })),
    );
    expect(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(e.code);
    expect(e.details.otherProblems?.map((p) => p.code)).toContain('CERT_HAS_EXPIRED');
  });

  it('connection refused: ECONNREFUSED, with the host:port', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const { error } = await collect(connect({ host: '127.0.0.1', port }));
    const e = explain(error as Error);
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.details.target).toBe(`127.0.0.1:${port}`);
    expect(e.cause).toContain(`127.0.0.1:${port}`);
  });

  it('a bad option: ERR_RXTLS_INVALID_OPTION naming it', async () => {
    const { error } = await collect(connect({ host: '127.0.0.1', port: 70000 }));
    const e = explain(error as Error);
    expect([e.code, e.details.option]).toEqual(['ERR_RXTLS_INVALID_OPTION', 'port']);
  });
});
