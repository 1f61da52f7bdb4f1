import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, mergeMap, type Subscription } from 'rxjs';
import { allOf, connect, converse, line, listen, pin, strict, trustOnFirstUse, type TlsEvent, type VerificationPolicy } from '../../lib';
import { createTestPki, startTlsServer, type TestCredentials, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

/**
 * A badssl-style matrix: every case through the public API. Bad cases must end in certFailed
 * (or an error) with the right codes, with no data/line event and no application byte written;
 * good cases (positive controls) must connect.
 */
let pki: TestPki;
let dir: string;
const servers: TestServer[] = [];
const subscriptions: Subscription[] = [];
const outcomes: string[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-matrix-'));
});
afterEach(async () => {
  subscriptions.splice(0).forEach((s) => s.unsubscribe());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  // The table the closing note reports.
  console.log(`certificate matrix:\n${outcomes.join('\n')}`);
});

interface Case {
  readonly name: string;
  /** What the server presents (cert may include a chain). */
  readonly credentials: () => Promise<{ cert: string; key: string }>;
  readonly servername?: string;
  readonly verify?: () => VerificationPolicy;
  readonly tls?: Record<string, unknown>;
  /** Expected codes (certFailed), or 'error:CODE' for an error notification, or 'connected'. */
  readonly expect: readonly string[] | 'connected';
}

const wildcard = () => pki.leaf({ names: ['*.example.test'] });

const CLIENT_CASES: Case[] = [
  { name: 'expired', credentials: () => pki.expired(), expect: ['CERT_HAS_EXPIRED'] },
  { name: 'not yet valid', credentials: () => pki.notYetValid(), expect: ['CERT_NOT_YET_VALID'] },
  { name: 'wrong host', credentials: () => pki.leaf({ names: ['elsewhere.test'] }), expect: ['ERR_TLS_CERT_ALTNAME_INVALID'] },
  {
    name: 'wildcard *.example.test vs a.b.example.test',
    credentials: wildcard,
    servername: 'a.b.example.test',
    expect: ['ERR_TLS_CERT_ALTNAME_INVALID'],
  },
  {
    name: 'wildcard *.example.test vs example.test',
    credentials: wildcard,
    servername: 'example.test',
    expect: ['ERR_TLS_CERT_ALTNAME_INVALID'],
  },
  { name: 'self-signed leaf', credentials: () => pki.selfSigned(), expect: ['DEPTH_ZERO_SELF_SIGNED_CERT'] },
  {
    name: 'self-signed root not trusted',
    credentials: async () => {
      const other = await pki.otherAuthority();
      const leaf = await other.issue();
      return { cert: leaf.cert + other.cert, key: leaf.key };
    },
    expect: ['SELF_SIGNED_CERT_IN_CHAIN'],
  },
  { name: 'unknown CA', credentials: async () => (await pki.otherAuthority()).issue(), expect: ['UNABLE_TO_VERIFY_LEAF_SIGNATURE'] },
  {
    name: 'missing intermediate',
    credentials: async () => {
      const leaf = await (await pki.ca.issue({ ca: true, commonName: 'Intermediate' })).issue();
      return { cert: leaf.cert.slice(0, leaf.cert.indexOf('-----END CERTIFICATE-----') + 25), key: leaf.key };
    },
    expect: ['UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  },
  {
    name: 'intermediate without the CA basic constraint',
    credentials: async () => {
      const notACa = await pki.ca.issue({ ca: false, commonName: 'Not a CA', names: [] });
      const leaf = await notACa.issue();
      return { cert: leaf.cert + notACa.cert, key: leaf.key };
    },
    // OpenSSL rejects the would-be issuer before the CA flag: it may not sign certificates.
    expect: ['KEYUSAGE_NO_CERTSIGN'],
  },
  {
    name: 'leaf signed by a leaf',
    credentials: async () => {
      const ordinaryLeaf = await pki.ca.issue({ names: ['issuer.test'] });
      const signed = await ordinaryLeaf.issue();
      return { cert: signed.cert + ordinaryLeaf.cert, key: signed.key };
    },
    expect: ['KEYUSAGE_NO_CERTSIGN'],
  },
  {
    name: 'pin mismatch',
    credentials: () => pki.leaf(),
    verify: () => allOf(strict(), pin(`sha256/${Buffer.alloc(32).toString('base64')}`)),
    expect: ['PIN_MISMATCH'],
  },
  {
    name: 'RSA-1024 key',
    credentials: () => pki.leaf({ key: 'rsa-1024' }),
    tls: { ciphers: 'DEFAULT@SECLEVEL=0' },
    expect: ['EE_KEY_TOO_SMALL'],
  },
  // The test server itself must be told to accept what it serves: OpenSSL refuses to load these at its default level.
  {
    name: 'SHA-1 signed leaf',
    credentials: () => pki.leaf({ signatureHash: 'SHA-1' }),
    tls: { ciphers: 'DEFAULT@SECLEVEL=0' },
    expect: ['CA_MD_TOO_WEAK'],
  },
  {
    name: 'server offering only TLS 1.0/1.1',
    credentials: () => pki.leaf(),
    tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
    expect: ['error:ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'],
  },
  // positive controls
  {
    name: 'valid chain with intermediate',
    credentials: async () => (await pki.ca.issue({ ca: true, commonName: 'Intermediate' })).issue(),
    expect: 'connected',
  },
  { name: 'IP-address SAN', credentials: () => pki.leaf({ names: ['127.0.0.1'] }), servername: '127.0.0.1', expect: 'connected' },
  { name: 'wildcard *.example.test vs www.example.test', credentials: wildcard, servername: 'www.example.test', expect: 'connected' },
];

describe('certificate matrix: client side', () => {
  it.each(CLIENT_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const credentials = await c.credentials();
    let bytesReceivedByServer = 0;
    const server = await startTlsServer({
      cert: credentials.cert,
      key: credentials.key,
      ...(c.tls ?? {}),
      greeting: 'SECRET GREETING\r\n',
      onConnection: (s) => {
        s.on('data', (b: Buffer) => (bytesReceivedByServer += b.length));
        setTimeout(() => s.end(), 50);
      },
    });
    servers.push(server);
    const { events, error } = await collect(
      connect({
        host: '127.0.0.1',
        servername: c.servername ?? 'localhost',
        port: server.port,
        ca: pki.ca.cert,
        ...(c.verify && { verify: c.verify() }),
      }),
    );
    if (c.expect === 'connected') {
      expect(events[0]?.type).toBe('connected');
      outcomes.push(`  ${c.name}: connected (positive control)`);
      return;
    }
    expect(events.some((e) => e.type === 'data' || e.type === 'line' || e.type === 'connected')).toBe(false);
    await eventually(() => server.openConnections() === 0, 5000, 'the server to see the close');
    expect(bytesReceivedByServer).toBe(0);
    const [first] = c.expect;
    if (first?.startsWith('error:')) {
      expect(error?.code).toBe(first.slice(6));
      outcomes.push(`  ${c.name}: error ${error?.code ?? '?'}`);
      return;
    }
    const failed = events[0];
    expect(failed?.type).toBe('certFailed');
    const codes = failed?.type === 'certFailed' ? failed.errors.map((e) => e.code) : [];
    expect(codes).toEqual(expect.arrayContaining([...c.expect]));
    outcomes.push(`  ${c.name}: certFailed ${codes.join(', ')}`);
  });

  it('TOFU: a changed key fails with PIN_CHANGED, nothing read or written', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const file = join(dir, 'known_hosts');
      const first = await startTlsServer({ ...(await pki.selfSigned()), greeting: 'hi\r\n', onConnection: (s) => s.end() });
      const port = first.port;
      await collect(connect({ host: 'localhost', port, verify: trustOnFirstUse(file) }));
      await first.close();
      const impostor = await startTlsServer({ ...(await pki.selfSigned()), port, greeting: 'SECRET\r\n', onConnection: (s) => s.end() });
      servers.push(impostor);
      const { events } = await collect(connect({ host: 'localhost', port, verify: trustOnFirstUse(file) }));
      expect(events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
      expect(events[0]?.type === 'certFailed' && events[0].errors.map((e) => e.code)).toEqual(['PIN_CHANGED']);
      outcomes.push('  TOFU pin changed: certFailed PIN_CHANGED');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('certificate matrix: server side, client certificates', () => {
  const SERVER_CASES: Array<{ name: string; client: () => Promise<TestCredentials>; verify?: () => VerificationPolicy; expect: string }> = [
    { name: 'expired client certificate', client: () => pki.expired({ usage: 'client', names: ['c'] }), expect: 'CERT_HAS_EXPIRED' },
    {
      name: 'not-yet-valid client certificate',
      client: () => pki.notYetValid({ usage: 'client', names: ['c'] }),
      expect: 'CERT_NOT_YET_VALID',
    },
    {
      name: 'self-signed client certificate',
      client: () => pki.selfSigned({ usage: 'client', names: ['c'] }),
      expect: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    },
    {
      name: 'client certificate from an unknown CA',
      client: async () => (await pki.otherAuthority()).issue({ usage: 'client', names: ['c'] }),
      expect: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    },
    {
      name: 'client pin mismatch',
      client: () => pki.client(),
      verify: () => allOf(strict(), pin(`sha256/${Buffer.alloc(32).toString('base64')}`)),
      expect: 'PIN_MISMATCH',
    },
  ];
  it.each(SERVER_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const serverSide: TlsEvent[] = [];
    const credentials = await pki.leaf();
    const server = await new Promise<number>((resolve, reject) =>
      subscriptions.push(
        listen({ credentials, requestCert: true, ca: pki.ca.cert, ...(c.verify && { verify: c.verify() }) })
          .pipe(
            mergeMap((e) => {
              if (e.type === 'listening') resolve(e.port);
              if (e.type === 'connection')
                e.events.pipe(converse(() => [line('SECRET')])).subscribe({ next: (x) => serverSide.push(x), error: () => undefined });
              return EMPTY;
            }),
          )
          .subscribe({ error: reject }),
      ),
    );
    const client = await c.client();
    const { events } = await collect(connect({ host: 'localhost', port: server, ca: pki.ca.cert, cert: client.cert, key: client.key }));
    expect(events.some((e) => e.type === 'data')).toBe(false);
    await eventually(() => serverSide.some((e) => e.type === 'closed'), 5000, 'the server-side close');
    expect(serverSide.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const codes = serverSide[0]?.type === 'certFailed' ? serverSide[0].errors.map((e) => e.code) : [];
    expect(codes).toContain(c.expect);
    outcomes.push(`  server side, ${c.name}: certFailed ${codes.join(', ')}`);
  });
});

describe('revocation (CRL through tls.crl)', () => {
  it('a revoked leaf fails with CERT_REVOKED; an unrevoked one connects', async () => {
    const revoked = await pki.leaf();
    const fine = await pki.leaf();
    const crl = await pki.ca.revocationList([revoked]);
    const results: string[] = [];
    for (const credentials of [revoked, fine]) {
      const server = await startTlsServer({ ...credentials, greeting: 'hi\r\n', onConnection: (s) => s.end() });
      servers.push(server);
      const { events } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, tls: { crl } }));
      const first = events[0];
      results.push(first?.type === 'certFailed' ? first.errors.map((e) => e.code).join(',') : (first?.type ?? ''));
    }
    expect(results).toEqual(['CERT_REVOKED', 'connected']);
    outcomes.push('  revoked leaf (with tls.crl): certFailed CERT_REVOKED');
  });
});
