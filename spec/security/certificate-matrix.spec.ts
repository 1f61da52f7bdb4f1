import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { X509Certificate } from 'node:crypto';
import { take } from 'rxjs';
import { allOf, completingChain, connect, pin, revocation, strict, trustOnFirstUse, type VerificationPolicy } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { opensslCodeFor } from '../../lib/certificates/cert-errors';
import { DEFAULT_CIPHERS } from '../../lib/defaults';
import { collect, eventually } from '../support/collect';
import { startMutualTlsServer, type MutualTlsServer } from '../support/mutual-tls-server';
import { describeWithOpenssl, runOpenssl, runSServer, type OpensslProcess } from '../interop/openssl';
import { createOpensslCa, startFileServer, type FileServer, type IssuedCertificate, type OpensslCa } from '../interop/openssl-ca';

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

const DAY = 24 * 60 * 60 * 1000;
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
  {
    name: 'unknown CA',
    credentials: async () => (await pki.otherAuthority()).issue(),
    // OpenSSL finds no issuer for the leaf (20), so it cannot check the leaf's signature (21).
    expect: ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  },
  {
    name: 'missing intermediate',
    credentials: async () => {
      const leaf = await (await pki.ca.issue({ ca: true, commonName: 'Intermediate' })).issue();
      return { cert: leaf.cert.slice(0, leaf.cert.indexOf('-----END CERTIFICATE-----') + 25), key: leaf.key };
    },
    expect: ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  },
  {
    name: 'intermediate without the CA basic constraint',
    credentials: async () => {
      const notACa = await pki.ca.issue({ ca: false, commonName: 'Not a CA', names: [] });
      const leaf = await notACa.issue();
      return { cert: leaf.cert + notACa.cert, key: leaf.key };
    },
    // The issuer is no CA (79), so unfit to issue server certificates (26), and may not sign (32).
    expect: ['INVALID_CA', 'INVALID_PURPOSE', 'KEYUSAGE_NO_CERTSIGN'],
  },
  {
    name: 'leaf signed by a leaf',
    credentials: async () => {
      const ordinaryLeaf = await pki.ca.issue({ names: ['issuer.test'] });
      const signed = await ordinaryLeaf.issue();
      return { cert: signed.cert + ordinaryLeaf.cert, key: signed.key };
    },
    expect: ['INVALID_CA', 'INVALID_PURPOSE', 'KEYUSAGE_NO_CERTSIGN'],
  },
  {
    name: 'expired, from an unknown CA',
    credentials: async () =>
      (await pki.otherAuthority()).issue({ notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - DAY) }),
    expect: ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED'],
  },
  {
    name: 'leaf signed by a leaf, for another host',
    credentials: async () => {
      const ordinaryLeaf = await pki.ca.issue({ names: ['issuer.test'] });
      const signed = await ordinaryLeaf.issue({ names: ['elsewhere.test'] });
      return { cert: signed.cert + ordinaryLeaf.cert, key: signed.key };
    },
    expect: ['INVALID_CA', 'INVALID_PURPOSE', 'KEYUSAGE_NO_CERTSIGN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
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
    expect(events.some((e) => e.type === 'data' || e.type === 'connected')).toBe(false);
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
    expect(codes).toEqual(c.expect);
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

interface ServerCase {
  readonly name: string;
  /** What the client presents (cert may include a chain). */
  readonly client: () => Promise<{ cert: string; key: string }>;
  readonly verify?: () => VerificationPolicy;
  /** Expected codes of the server side's certFailed. */
  readonly expect: readonly string[];
}

const SERVER_CASES: ServerCase[] = [
  { name: 'expired client certificate', client: () => pki.expired({ usage: 'client', names: ['c'] }), expect: ['CERT_HAS_EXPIRED'] },
  {
    name: 'not-yet-valid client certificate',
    client: () => pki.notYetValid({ usage: 'client', names: ['c'] }),
    expect: ['CERT_NOT_YET_VALID'],
  },
  {
    name: 'self-signed client certificate',
    client: () => pki.selfSigned({ usage: 'client', names: ['c'] }),
    expect: ['DEPTH_ZERO_SELF_SIGNED_CERT'],
  },
  {
    name: 'client certificate from an unknown CA',
    client: async () => (await pki.otherAuthority()).issue({ usage: 'client', names: ['c'] }),
    expect: ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  },
  {
    name: 'client certificate signed by a leaf',
    client: async () => {
      const ordinaryLeaf = await pki.ca.issue({ usage: 'client', names: ['issuer.test'] });
      const signed = await ordinaryLeaf.issue({ usage: 'client', names: ['c'] });
      return { cert: signed.cert + ordinaryLeaf.cert, key: signed.key };
    },
    expect: ['INVALID_CA', 'INVALID_PURPOSE', 'KEYUSAGE_NO_CERTSIGN'],
  },
  {
    name: 'client pin mismatch',
    client: () => pki.client(),
    verify: () => allOf(strict(), pin(`sha256/${Buffer.alloc(32).toString('base64')}`)),
    expect: ['PIN_MISMATCH'],
  },
];

/** A mutual-TLS server for the server-side cases, stopped after each test. */
async function mutualTlsServer(verify?: VerificationPolicy): Promise<MutualTlsServer> {
  const server = await startMutualTlsServer(pki, { ...(verify && { verify }) });
  subscriptions.push(server.subscription);
  return server;
}

describe('certificate matrix: server side, client certificates', () => {
  it.each(SERVER_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { port, events: serverSide } = await mutualTlsServer(c.verify?.());
    const client = await c.client();
    const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert, cert: client.cert, key: client.key }));
    expect(events.some((e) => e.type === 'data')).toBe(false);
    await eventually(() => serverSide.some((e) => e.type === 'closed'), 5000, 'the server-side close');
    expect(serverSide.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const codes = serverSide[0]?.type === 'certFailed' ? serverSide[0].errors.map((e) => e.code) : [];
    expect(codes).toEqual(c.expect);
    outcomes.push(`  server side, ${c.name}: certFailed ${codes.join(', ')}`);
  });
});

/**
 * The same cases, judged by OpenSSL's own tools: `s_client` (and `s_server -verify`) go on after
 * each verification error and print every one, so their list is what "every problem OpenSSL
 * finds" means. rxtls must report exactly those: none missed, none added. Hostname mismatches
 * are checked by Node's checkServerIdentity in rxtls, hence Node's code for OpenSSL's 62.
 */
describeWithOpenssl('certificate matrix: the same problems as OpenSSL reports', () => {
  const processes: OpensslProcess[] = [];
  afterEach(() => Promise.all(processes.splice(0).map((p) => p.stop())));

  const openssl = (args: string[]) => {
    const p = runOpenssl(args);
    processes.push(p);
    return p;
  };
  /** Writes credentials as OpenSSL's tools want them: the certificate, the rest of its chain, the key. */
  const files = async (name: string, credentials: { cert: string; key: string }) => {
    const [leaf = '', ...chain] = credentials.cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
    const paths = { cert: join(dir, `${name}.pem`), chain: join(dir, `${name}-chain.pem`), key: join(dir, `${name}.key`) };
    await Promise.all([writeFile(paths.cert, leaf), writeFile(paths.chain, chain.join('')), writeFile(paths.key, credentials.key)]);
    return { ...paths, chainArgs: chain.length > 0 ? ['-cert_chain', paths.chain] : [] };
  };
  /** The verification errors an OpenSSL tool printed, as rxtls codes. */
  const reported = (output: string) =>
    [...output.matchAll(/^verify error:num=\d+:(.*)$/gm)].map(([, reason = '']) => {
      const code = opensslCodeFor(reason) ?? `(unknown to rxtls: ${reason})`;
      return code === 'HOSTNAME_MISMATCH' ? 'ERR_TLS_CERT_ALTNAME_INVALID' : code;
    });
  const sorted = (codes: readonly string[]) => [...codes].sort();
  let caFile: string;
  beforeAll(async () => {
    caFile = join(dir, 'matrix-ca.pem');
    await writeFile(caFile, pki.ca.cert);
  });

  const comparable = CLIENT_CASES.filter(
    (c) => c.expect === 'connected' || !c.expect.some((code) => code === 'PIN_MISMATCH' || code.startsWith('error:')),
  );
  it.each(comparable.map((c) => [c.name, c] as const))('client side: %s', async (_name, c) => {
    const credentials = await c.credentials();
    const server = await startTlsServer({ ...credentials, ...(c.tls ?? {}), onConnection: (s) => setTimeout(() => s.end(), 50) });
    servers.push(server);
    const servername = c.servername ?? 'localhost';
    const { events } = await collect(connect({ host: '127.0.0.1', servername, port: server.port, ca: pki.ca.cert }));
    const first = events[0];
    const ours = first?.type === 'certFailed' ? first.errors.map((e) => e.code) : [];
    const name = isIP(servername) ? ['-verify_ip', servername] : ['-servername', servername, '-verify_hostname', servername];
    const client = openssl(['s_client', '-connect', `127.0.0.1:${server.port}`, ...name, '-CAfile', caFile, '-cipher', DEFAULT_CIPHERS]);
    client.child.stdin?.end();
    expect(sorted(ours)).toEqual(sorted(reported(await client.finished())));
    expect(first?.type).toBe(ours.length === 0 ? 'connected' : 'certFailed');
  });

  it.each(SERVER_CASES.filter((c) => !c.verify).map((c) => [c.name, c] as const))('server side: %s', async (_name, c) => {
    const credentials = await c.client();
    const presented = await files('client', credentials);
    const { port: ourServer, events: serverSide } = await mutualTlsServer();
    await collect(connect({ host: 'localhost', port: ourServer, ca: pki.ca.cert, ...credentials }));
    await eventually(() => serverSide.some((e) => e.type === 'closed'), 5000, 'the server-side close');
    const ours = serverSide[0]?.type === 'certFailed' ? serverSide[0].errors.map((e) => e.code) : [];

    const own = await files('server', await pki.leaf());
    const { port, server: sServer } = await runSServer(['-cert', own.cert, '-key', own.key, '-verify', '1', '-CAfile', caFile]);
    processes.push(sServer);
    const client = openssl([
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      presented.cert,
      ...presented.chainArgs,
      '-key',
      presented.key,
    ]);
    client.child.stdin?.end(); // s_client leaves, and s_server (-naccept 1) after it
    expect(sorted(ours)).toEqual(sorted(reported(await sServer.finished())));
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

/**
 * Revocation, stapled OCSP and chain completion, with a CA hierarchy run by `openssl ca` (root →
 * intermediate → leaves) whose CRLs and issuer certificates a local HTTP server serves: the
 * distribution points and AIA URLs in the certificates point at it.
 */
describeWithOpenssl('certificate matrix: revocation and chain completion (CA run by openssl ca)', () => {
  let root: OpensslCa;
  let intermediate: OpensslCa;
  let http: FileServer;
  const leaves = new Map<string, IssuedCertificate>();
  const processes: OpensslProcess[] = [];
  afterEach(() => Promise.all(processes.splice(0).map((p) => p.stop())));
  afterAll(() => http.close());

  beforeAll(async () => {
    http = await startFileServer();
    root = await createOpensslCa(join(dir, 'ca-root'), 'matrix root');
    intermediate = await createOpensslCa(join(dir, 'ca-intermediate'), 'matrix intermediate', root, http.url('/root.crl'));
    const forger = await createOpensslCa(join(dir, 'ca-forger'), 'matrix intermediate'); // same name, another key
    const crls: Record<string, string> = {
      good: '/ca.crl',
      revoked: '/ca.crl',
      stale: '/stale.crl',
      unreachable: '/gone.crl',
      forged: '/forged.crl',
    };
    for (const [name, path] of Object.entries(crls)) {
      leaves.set(name, await intermediate.issue({ commonName: name, crlUrl: http.url(path), aiaUrl: http.url('/intermediate.crt') }));
    }
    await intermediate.revoke(leaves.get('revoked') as IssuedCertificate);
    http.files.set('/root.crl', await root.crl());
    http.files.set('/ca.crl', await intermediate.crl());
    http.files.set('/stale.crl', await intermediate.crl({ lastUpdate: '20200101000000Z', nextUpdate: '20200108000000Z' }));
    http.files.set('/forged.crl', await forger.crl());
    http.files.set('/intermediate.crt', new X509Certificate(intermediate.cert).raw);
  }, 20_000);

  interface TrustCase {
    readonly name: string;
    readonly leaf: string;
    /** Whether the server sends its intermediate. */
    readonly chain: boolean;
    readonly verify?: () => VerificationPolicy;
    /** `openssl s_server -status_file`: staple an OCSP response made by `openssl ocsp`. */
    readonly staple?: boolean;
    readonly expect: readonly string[] | 'connected';
  }
  const TRUST_CASES: TrustCase[] = [
    { name: 'revocation: good (CRL)', leaf: 'good', chain: true, verify: () => revocation(), expect: 'connected' },
    { name: 'revocation: revoked (CRL)', leaf: 'revoked', chain: true, verify: () => revocation(), expect: ['CERT_REVOKED'] },
    {
      name: 'revocation: revoked, soft mode',
      leaf: 'revoked',
      chain: true,
      verify: () => revocation({ mode: 'soft' }),
      expect: ['CERT_REVOKED'],
    },
    { name: 'revocation: stale CRL', leaf: 'stale', chain: true, verify: () => revocation(), expect: ['CRL_HAS_EXPIRED'] },
    { name: 'revocation: unreachable CRL', leaf: 'unreachable', chain: true, verify: () => revocation(), expect: ['UNABLE_TO_GET_CRL'] },
    {
      name: 'revocation: unreachable CRL, soft mode',
      leaf: 'unreachable',
      chain: true,
      verify: () => revocation({ mode: 'soft' }),
      expect: 'connected',
    },
    {
      name: 'revocation: CRL signed by the wrong key',
      leaf: 'forged',
      chain: true,
      verify: () => revocation(),
      expect: ['CRL_SIGNATURE_FAILURE'],
    },
    { name: 'revocation: stapled good', leaf: 'good', chain: true, staple: true, verify: () => revocation(), expect: 'connected' },
    {
      name: 'revocation: stapled revoked, soft mode',
      leaf: 'revoked',
      chain: true,
      staple: true,
      verify: () => revocation({ mode: 'soft' }),
      expect: ['CERT_REVOKED'],
    },
    {
      name: 'missing intermediate, without completingChain',
      leaf: 'good',
      chain: false,
      expect: ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    },
    {
      name: 'missing intermediate, with completingChain',
      leaf: 'good',
      chain: false,
      verify: () => completingChain(),
      expect: 'connected',
    },
  ];

  it.each(TRUST_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const leaf = leaves.get(c.leaf) as IssuedCertificate;
    const args = ['-cert', leaf.certFile, '-key', leaf.keyFile, ...(c.chain ? ['-cert_chain', intermediate.certFile] : [])];
    if (c.staple) {
      const statusFile = join(dir, `${c.leaf}-matrix.ocsp`);
      await writeFile(statusFile, await intermediate.ocspResponse(leaf));
      args.push('-status_file', statusFile);
    }
    const { port, server } = await runSServer(args);
    processes.push(server);
    const { events } = await collect(
      connect({
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        ca: root.cert,
        ...(c.staple && { requestOCSP: true }),
        ...(c.verify && { verify: c.verify() }),
      }).pipe(take(1)), // s_server keeps the connection open: the verdict is the first event
    );
    const first = events[0];
    if (c.expect === 'connected') {
      expect(first?.type).toBe('connected');
      outcomes.push(`  ${c.name}: connected`);
      return;
    }
    expect(first?.type).toBe('certFailed');
    const codes = first?.type === 'certFailed' ? first.errors.map((e) => e.code) : [];
    expect(codes).toEqual(c.expect);
    outcomes.push(`  ${c.name}: certFailed ${codes.join(', ')}`);
  });
});
