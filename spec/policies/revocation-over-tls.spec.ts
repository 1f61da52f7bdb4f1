import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { take } from 'rxjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, revocation, type CertFailedEvent, type ConnectedEvent, type ConnectEvent, type VerificationPolicy } from '../../lib';
import { startTlsServer, type TestServer } from '../../lib/testing';
import { collect } from '../support/collect';
import { describeWithOpenssl, runSServer, type OpensslProcess } from '../interop/openssl';
import { createOpensslCa, startFileServer, type FileServer, type IssuedCertificate, type OpensslCa } from '../interop/openssl-ca';

/**
 * revocation() against a real CA run by `openssl ca`: its certificates name a CRL distribution
 * point on a local HTTP server, its CRLs come from `openssl ca -gencrl`, its OCSP responses from
 * `openssl ocsp`, stapled by `openssl s_server -status_file`.
 */
describeWithOpenssl('revocation() over TLS, with a CA run by openssl ca', () => {
  let dir: string;
  let ca: OpensslCa;
  let impostor: OpensslCa;
  let http: FileServer;
  const leaves: Record<string, IssuedCertificate> = {};
  const servers: TestServer[] = [];
  const processes: OpensslProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxtls-revocation-'));
    http = await startFileServer();
    [ca, impostor] = await Promise.all([
      createOpensslCa(join(dir, 'ca'), 'rxtls test CA'),
      createOpensslCa(join(dir, 'impostor'), 'rxtls test CA'), // the same name, another key
    ]);
    for (const name of ['good', 'revoked', 'stale', 'unreachable', 'wrongKey', 'noCdp']) {
      const crlUrl = { good: '/ca.crl', revoked: '/ca.crl', stale: '/stale.crl', unreachable: '/missing.crl', wrongKey: '/forged.crl' }[
        name as 'good'
      ];
      leaves[name] = await ca.issue({ commonName: `${name}.test`, ...(crlUrl && { crlUrl: http.url(crlUrl) }) });
    }
    await ca.revoke(leaves['revoked'] as IssuedCertificate, 'keyCompromise');
    http.files.set('/ca.crl', await ca.crl());
    http.files.set('/stale.crl', await ca.crl({ lastUpdate: '20200101000000Z', nextUpdate: '20200108000000Z' }));
    http.files.set('/forged.crl', await impostor.crl());
  }, 20_000);
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await Promise.all(processes.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await http.close();
    await rm(dir, { recursive: true, force: true });
  });

  const connectTo = async (name: string, verify: VerificationPolicy): Promise<ConnectEvent[]> => {
    const leaf = leaves[name] as IssuedCertificate;
    const server = await startTlsServer({ cert: leaf.cert, key: leaf.key, greeting: 'SECRET\r\n', onConnection: (s) => s.end() });
    servers.push(server);
    const { events } = await collect(connect({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: ca.cert, verify }));
    return events;
  };
  const failure = (events: ConnectEvent[]) => {
    expect(events.some((e) => e.type === 'data' || e.type === 'connected')).toBe(false);
    return events[0] as CertFailedEvent;
  };

  it('a good certificate connects, and connected says its CRL said good', async () => {
    const events = await connectTo('good', revocation());
    const connected = events[0] as ConnectedEvent;
    expect(connected.type).toBe('connected');
    expect(connected.peer.revocation).toEqual({
      status: 'good',
      certificates: [{ subject: 'CN=good.test', status: 'good', source: 'crl', url: http.url('/ca.crl') }],
    });
  });

  it('a revoked certificate is CERT_REVOKED with its date and reason, in hard and in soft mode', async () => {
    for (const mode of ['hard', 'soft'] as const) {
      const failed = failure(await connectTo('revoked', revocation({ mode })));
      expect(failed.errors.map((e) => e.code)).toEqual(['CERT_REVOKED']);
      const [error] = failed.errors;
      expect(error?.details).toEqual({
        revokedAt: expect.any(Date),
        revocationReason: 'keyCompromise',
        source: 'crl',
        url: http.url('/ca.crl'),
      });
      expect(Math.abs((error?.details?.revokedAt as Date).getTime() - Date.now())).toBeLessThan(10 * 60_000);
      expect(failed.peer.revocation?.status).toBe('revoked');
    }
  });

  it.each([
    ['stale', 'CRL_HAS_EXPIRED', /stale.crl is stale: its nextUpdate was 2020-01-08/],
    ['unreachable', 'UNABLE_TO_GET_CRL', /missing.crl failed: HTTP status 404/],
    ['wrongKey', 'CRL_SIGNATURE_FAILURE', /forged.crl is not signed by the key of CN=rxtls test CA/],
  ])('a %s CRL rejects in hard mode (%s, naming the URL) and is "unknown" in soft mode', async (name, code, reason) => {
    const failed = failure(await connectTo(name, revocation({ mode: 'hard' })));
    expect(failed.errors.map((e) => e.code)).toEqual([code]);
    expect(failed.errors[0]?.reason).toMatch(reason);
    expect(failed.errors[0]?.certificate).toBe(`CN=${name}.test`);

    const soft = (await connectTo(name, revocation({ mode: 'soft' })))[0] as ConnectedEvent;
    expect(soft.type).toBe('connected');
    expect(soft.peer.revocation?.status).toBe('unknown');
    expect(soft.peer.revocation?.certificates[0]?.reason).toMatch(reason);
  });

  it('a certificate without a distribution point is "unknown" (source none) and accepted', async () => {
    const connected = (await connectTo('noCdp', revocation()))[0] as ConnectedEvent;
    expect(connected.type).toBe('connected');
    expect(connected.peer.revocation?.certificates).toEqual([
      { subject: 'CN=noCdp.test', status: 'unknown', source: 'none', reason: 'it names no http(s) CRL distribution point' },
    ]);
  });

  it('caches the CRL until its nextUpdate: one fetch for two connections; and on disk, atomically, in the cache directory', async () => {
    const cacheDirectory = join(dir, 'crl-cache');
    const before = http.hits.get('/ca.crl') ?? 0;
    const policy = revocation({ cacheDirectory });
    await connectTo('good', policy);
    await connectTo('good', policy);
    expect((http.hits.get('/ca.crl') ?? 0) - before).toBe(1);
    const files = await readdir(cacheDirectory);
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.crl$/)]);
    // A new policy (a new process, say) reads the directory instead of fetching.
    await connectTo('good', revocation({ cacheDirectory }));
    expect((http.hits.get('/ca.crl') ?? 0) - before).toBe(1);
  });

  it('a stapled OCSP response: good connects with source ocsp-staple; revoked rejects even in soft mode', async () => {
    const stapled = async (name: string, response: Buffer, mode: 'hard' | 'soft') => {
      const leaf = leaves[name] as IssuedCertificate;
      const statusFile = join(dir, `${name}-${mode}.ocsp`);
      await writeFile(statusFile, response);
      const { port, server } = await runSServer(['-cert', leaf.certFile, '-key', leaf.keyFile, '-status_file', statusFile]);
      processes.push(server);
      // s_server keeps the connection open: the first event is all that is asked for.
      const { events } = await collect(
        connect({ host: '127.0.0.1', servername: 'localhost', port, ca: ca.cert, requestOCSP: true, verify: revocation({ mode }) }).pipe(
          take(1),
        ),
      );
      return events;
    };
    const good = (await stapled('noCdp', await ca.ocspResponse(leaves['noCdp'] as IssuedCertificate), 'hard'))[0] as ConnectedEvent;
    expect(good.type).toBe('connected');
    expect(good.peer.revocation?.certificates).toEqual([{ subject: 'CN=noCdp.test', status: 'good', source: 'ocsp-staple' }]);

    const revoked = failure(await stapled('revoked', await ca.ocspResponse(leaves['revoked'] as IssuedCertificate), 'soft'));
    expect(revoked.errors.map((e) => e.code)).toEqual(['CERT_REVOKED']);
    expect(revoked.errors[0]?.details).toMatchObject({ source: 'ocsp-staple', revocationReason: 'keyCompromise' });
  });

  it('a staple signed by another key is OCSP_STAPLE_INVALID in hard mode', async () => {
    const leaf = leaves['noCdp'] as IssuedCertificate;
    const forged = await impostor.ocspResponse(leaf);
    const statusFile = join(dir, 'forged.ocsp');
    await writeFile(statusFile, forged);
    const { port, server } = await runSServer(['-cert', leaf.certFile, '-key', leaf.keyFile, '-status_file', statusFile]);
    processes.push(server);
    const { events } = await collect(
      connect({ host: '127.0.0.1', servername: 'localhost', port, ca: ca.cert, requestOCSP: true, verify: revocation() }).pipe(take(1)),
    );
    const failed = failure(events);
    expect(failed.errors.map((e) => e.code)).toEqual(['OCSP_STAPLE_INVALID']);
    // openssl ocsp puts its signer in the response: a certificate of the same name that our CA never issued.
    expect(failed.errors[0]?.reason).toBe('the stapled OCSP response is signed by CN=rxtls test CA, which the issuer did not certify');
  });
});
