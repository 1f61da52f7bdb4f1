import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allOf, allowErrors, connect, fingerprint, pin, strict, trustOnFirstUse, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect } from '../support/collect';

let pki: TestPki;
let dir: string;
const servers: TestServer[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-policies-tls-'));
});
afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function serve(credentials: { cert: string; key: string }): Promise<TestServer> {
  const server = await startTlsServer({ ...credentials, greeting: 'hello\r\n', onConnection: (s) => setTimeout(() => s.end(), 20) });
  servers.push(server);
  return server;
}
const types = (events: TlsEvent[]) => events.map((e) => e.type);
const codes = (events: TlsEvent[]) => events.flatMap((e) => (e.type === 'certFailed' ? e.errors.map((x) => x.code) : []));

describe('policies against real servers', () => {
  it('strict({ ca }) trusts the CA it names', async () => {
    const server = await serve(await pki.leaf());
    const { events } = await collect(connect({ host: 'localhost', port: server.port, verify: strict({ ca: pki.ca.cert }) }));
    expect(types(events)).toEqual(['connected', 'data', 'closed']);
  });

  it('pin: a matching pin connects; a mismatch fails closed with PIN_MISMATCH', async () => {
    const leaf = await pki.leaf();
    const server = await serve(leaf);
    const good = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, verify: allOf(strict(), pin(leaf.spkiPin)) }),
    );
    expect(types(good.events)).toEqual(['connected', 'data', 'closed']);
    const stranger = await pki.selfSigned();
    const bad = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, verify: allOf(strict(), pin(stranger.spkiPin)) }),
    );
    expect(types(bad.events)).toEqual(['certFailed', 'closed']);
    expect(codes(bad.events)).toEqual(['PIN_MISMATCH']);
  });

  it('fingerprint: a known self-signed development server connects', async () => {
    const dev = await pki.selfSigned({ names: ['dev.internal'] });
    const server = await serve(dev);
    const { events } = await collect(connect({ host: 'localhost', port: server.port, verify: fingerprint(dev.fingerprint256) }));
    expect(types(events)).toEqual(['connected', 'data', 'closed']);
  });

  it('trustOnFirstUse: the first connection records the key, a changed key fails with PIN_CHANGED', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const file = join(dir, 'known_hosts');
      const first = await pki.selfSigned();
      const server = await serve(first);
      const recorded = await collect(connect({ host: 'localhost', port: server.port, verify: trustOnFirstUse(file) }));
      expect(types(recorded.events)).toEqual(['connected', 'data', 'closed']);
      const again = await collect(connect({ host: 'localhost', port: server.port, verify: trustOnFirstUse(file) }));
      expect(types(again.events)).toEqual(['connected', 'data', 'closed']);
      // Same host:port, new key.
      const port = server.port;
      await server.close();
      servers.splice(servers.indexOf(server), 1);
      const impostor = await startTlsServer({ ...(await pki.selfSigned()), port, greeting: 'SECRET\r\n' });
      servers.push(impostor);
      const changed = await collect(connect({ host: 'localhost', port, verify: trustOnFirstUse(file) }));
      expect(types(changed.events)).toEqual(['certFailed', 'closed']);
      expect(codes(changed.events)).toEqual(['PIN_CHANGED']);
    } finally {
      warn.mockRestore();
    }
  });

  it('allowErrors: tolerated for the named certificate, not for another with the same problems', async () => {
    const printer = await pki.selfSigned({ names: ['printer.local'] });
    const impostor = await pki.selfSigned({ names: ['printer.local'] });
    const policy = allowErrors(['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID'], printer.fingerprint256);
    const right = await serve(printer);
    const wrong = await serve(impostor);
    expect(types((await collect(connect({ host: 'localhost', port: right.port, verify: policy }))).events)).toEqual([
      'connected',
      'data',
      'closed',
    ]);
    const refused = await collect(connect({ host: 'localhost', port: wrong.port, verify: policy }));
    expect(types(refused.events)).toEqual(['certFailed', 'closed']);
    expect(codes(refused.events)).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID']);
  });
});
