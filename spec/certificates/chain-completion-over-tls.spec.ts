import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  completeChain,
  completingChain,
  connect,
  revocation,
  type CertFailedEvent,
  type ConnectedEvent,
  type ConnectEvent,
  type VerificationPolicy,
} from '../../lib';
import { startTlsServer, type TestServer } from '../../lib/testing';
import { collect } from '../support/collect';
import { describeWithOpenssl } from '../interop/openssl';
import { createOpensslCa, startFileServer, type FileServer, type IssuedCertificate, type OpensslCa } from '../interop/openssl-ca';

/**
 * A server that omits its intermediate, with a CA hierarchy run by `openssl ca`: the leaf's AIA
 * caIssuers URL points at a local HTTP server that serves the intermediate (DER, or PEM).
 */
describeWithOpenssl('chain completion over TLS (AIA caIssuers), with a CA run by openssl ca', () => {
  let dir: string;
  let root: OpensslCa;
  let intermediate: OpensslCa;
  let http: FileServer;
  const leaves: Record<string, IssuedCertificate> = {};
  const servers: TestServer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxtls-aia-'));
    http = await startFileServer();
    root = await createOpensslCa(join(dir, 'root'), 'rxtls test root');
    intermediate = await createOpensslCa(join(dir, 'intermediate'), 'rxtls test intermediate', root, http.url('/root.crl'));
    const aia = { der: '/intermediate.crt', pem: '/intermediate.pem', wrong: '/unrelated.crt', missing: '/gone.crt' };
    for (const [name, path] of Object.entries(aia)) {
      leaves[name] = await intermediate.issue({
        commonName: `${name}.test`,
        aiaUrl: http.url(path),
        crlUrl: http.url('/intermediate.crl'),
      });
    }
    http.files.set('/intermediate.crt', new X509Certificate(intermediate.cert).raw);
    http.files.set('/intermediate.pem', Buffer.from(intermediate.cert));
    http.files.set('/unrelated.crt', new X509Certificate((await createOpensslCa(join(dir, 'other'), 'rxtls test intermediate')).cert).raw);
    http.files.set('/root.crl', await root.crl());
    http.files.set('/intermediate.crl', await intermediate.crl());
  }, 20_000);
  afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));
  afterAll(async () => {
    await http.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The server sends its leaf only. */
  const connectTo = async (name: string, verify?: VerificationPolicy): Promise<ConnectEvent[]> => {
    const leaf = leaves[name] as IssuedCertificate;
    const server = await startTlsServer({ cert: leaf.cert, key: leaf.key, greeting: 'SECRET\r\n', onConnection: (s) => s.end() });
    servers.push(server);
    const { events } = await collect(
      connect({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: root.cert, ...(verify && { verify }) }),
    );
    return events;
  };
  const codesOf = (events: ConnectEvent[]) => {
    expect(events.some((e) => e.type === 'data' || e.type === 'connected')).toBe(false);
    return (events[0] as CertFailedEvent).errors.map((e) => e.code);
  };

  it('without the option, a missing intermediate is rejected as before', async () => {
    expect(codesOf(await connectTo('der'))).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  });

  it.each(['der', 'pem'])('with completingChain(), the intermediate is fetched (%s) and connected says so', async (name) => {
    const connected = (await connectTo(name, completingChain()))[0] as ConnectedEvent;
    expect(connected.type).toBe('connected');
    expect(connected.peer.chain.map((c) => c.subject)).toEqual([`CN=${name}.test`]); // what the server sent
    expect(connected.peer.chainCompletion?.fetched.map((f) => [f.subject, f.url])).toEqual([
      ['CN=rxtls test intermediate', http.url(name === 'der' ? '/intermediate.crt' : '/intermediate.pem')],
    ]);
    expect(connected.peer.chainCompletion?.chain.map((c) => c.subject)).toEqual([
      `CN=${name}.test`,
      'CN=rxtls test intermediate',
      'CN=rxtls test root',
    ]);
  });

  it.each([
    ['wrong', /rxtls test intermediate did not issue CN=wrong.test/],
    ['missing', /gone.crt failed: HTTP status 404/],
  ])('an AIA URL that gives no issuer (%s) is CHAIN_COMPLETION_FAILED, with the original problems', async (name, why) => {
    const events = await connectTo(name, completingChain());
    expect(codesOf(events)).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CHAIN_COMPLETION_FAILED']);
    expect((events[0] as CertFailedEvent).errors[2]?.reason).toMatch(why);
  });

  it('revocation is checked along the completed chain: the leaf by its CA, the intermediate by the root', async () => {
    const connected = (await connectTo('der', revocation({ policy: completingChain() })))[0] as ConnectedEvent;
    expect(connected.type).toBe('connected');
    expect(connected.peer.revocation).toEqual({
      status: 'good',
      certificates: [
        { subject: 'CN=der.test', status: 'good', source: 'crl', url: http.url('/intermediate.crl') },
        { subject: 'CN=rxtls test intermediate', status: 'good', source: 'crl', url: http.url('/root.crl') },
      ],
    });
  });

  it('completeChain() (for rxtls doctor) says what a presented chain lacks, and a complete one lacks nothing', async () => {
    const leaf = leaves['der'] as IssuedCertificate;
    const incomplete = await completeChain([leaf.cert], { anchors: [root.cert] });
    expect(incomplete.ok && incomplete.fetched.map((f) => f.url)).toEqual([http.url('/intermediate.crt')]);
    const complete = await completeChain([leaf.cert, intermediate.cert], { anchors: [root.cert] });
    expect(complete).toMatchObject({ ok: true, fetched: [] });
    expect(complete.ok && complete.chain).toHaveLength(3);
    const untrusted = await completeChain([leaf.cert, intermediate.cert], { anchors: [] });
    expect(untrusted).toMatchObject({ ok: false, problem: { code: 'CHAIN_COMPLETION_FAILED' } });
  });
});
