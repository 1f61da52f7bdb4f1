/**
 * Chains OpenSSL verified are read and summarised once per trust configuration and leaf; every
 * later handshake with the same peer certificate shares them. Real handshakes on loopback.
 */
import { firstValueFrom, filter } from 'rxjs';
import { connect, type ConnectOptions, type PeerInfo, allowErrors } from '../../lib';
import { createTestPki, startTlsServer, type TestServer } from '../../lib/testing';

async function peerOf(options: ConnectOptions): Promise<PeerInfo> {
  const event = await firstValueFrom(connect(options).pipe(filter((e) => e.type === 'connected' || e.type === 'certFailed')));
  return event.peer;
}

describe('verified chains', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('gives the next connection to the same peer the same chain, shared, not read again', async () => {
    const pki = await createTestPki();
    const intermediate = await pki.ca.issue({ ca: true, commonName: 'Shared Intermediate' });
    const leaf = await intermediate.issue({ names: ['localhost'] });
    const server = await startTlsServer(leaf);
    servers.push(server);
    const options = { host: server.host, port: server.port, servername: 'localhost', ca: pki.ca.cert };
    const first = await peerOf(options);
    const second = await peerOf(options);
    expect(first.chain.map((c) => c.subject)).toEqual(['CN=localhost', 'CN=Shared Intermediate', expect.stringContaining('CN=')]);
    expect(second.chain).toBe(first.chain);
    expect(second).toEqual(first);
  });

  it('reads the chain again under another trust configuration, and for another leaf', async () => {
    const pki = await createTestPki();
    const a = await startTlsServer(await pki.leaf());
    const b = await startTlsServer(await pki.leaf());
    servers.push(a, b);
    const options = (server: TestServer, extra: Partial<ConnectOptions> = {}) => ({
      host: server.host,
      port: server.port,
      servername: 'localhost',
      ca: pki.ca.cert,
      ...extra,
    });
    const first = await peerOf(options(a));
    expect((await peerOf(options(a, { minVersion: 'TLSv1.3' }))).chain).not.toBe(first.chain);
    const other = await peerOf(options(b));
    expect(other.chain).not.toBe(first.chain);
    expect(other.fingerprint256).not.toBe(first.fingerprint256);
  });

  it('never remembers a chain OpenSSL rejected: each failed handshake is judged from its own chain', async () => {
    const pki = await createTestPki();
    const selfSigned = await pki.selfSigned();
    const server = await startTlsServer(selfSigned);
    servers.push(server);
    const options = {
      host: server.host,
      port: server.port,
      servername: 'localhost',
      ca: pki.ca.cert,
      verify: allowErrors(['DEPTH_ZERO_SELF_SIGNED_CERT'], selfSigned.fingerprint256),
    };
    const first = await peerOf(options);
    const second = await peerOf(options);
    expect(first.fingerprint256).toBe(selfSigned.fingerprint256);
    expect(second.chain).not.toBe(first.chain);
    expect(second.chain).toEqual(first.chain);
  });
});
