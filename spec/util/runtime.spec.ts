import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { connect, connectStartTls, currentRuntime, gateway, listen, RuntimeUnsupportedError, type RuntimeInfo } from '../../lib';
import { findProblems } from '../../lib/certificates/certificate-checks';
import * as runtime from '../../lib/util/runtime';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect } from '../support/collect';

/**
 * The runtime guards, proven under Node by faking what rxtls detects: the gaps themselves were
 * measured under Bun and Deno by `npm run test:runtimes` (tools/runtime-smoke.ts).
 */
let pki: TestPki;
let server: TestServer;
beforeAll(async () => {
  pki = await createTestPki();
  server = await startTlsServer({ ...(await pki.leaf()), greeting: 'hi\r\n', onConnection: (s) => setTimeout(() => s.end(), 20) });
});
afterAll(() => server.close());
afterEach(() => jest.restoreAllMocks());

const BUN: RuntimeInfo = { name: 'Bun', version: '1.4.5' };
const DENO: RuntimeInfo = { name: 'Deno', version: '2.9.6' };
const pretend = (info: RuntimeInfo) => jest.spyOn(runtime, 'currentRuntime').mockReturnValue(info);

/** A TCP listener that counts connection attempts: a refusal must not open a socket. */
async function counter(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const tcp: Server = createServer((s) => {
    accepted++;
    s.destroy();
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  return {
    port: (tcp.address() as { port: number }).port,
    accepted: () => accepted,
    close: () => new Promise((r) => tcp.close(() => r())),
  };
}

describe('currentRuntime', () => {
  it('is Node under jest, with its version', () => {
    expect(currentRuntime()).toEqual({ name: 'Node', version: process.versions.node });
  });

  it('tells Bun and Deno by the entry each adds to process.versions', () => {
    // Both report a Node version too (26.3.0 at the versions measured).
    expect(currentRuntime({ ...process.versions, node: '26.3.0', bun: '1.4.5' })).toEqual(BUN);
    expect(currentRuntime({ ...process.versions, node: '26.3.0', deno: '2.9.6' })).toEqual(DENO);
  });
});

describe('Bun: no OpenSSL security levels', () => {
  it('connect() fails with an error naming the runtime and the feature, before opening a socket', async () => {
    pretend(BUN);
    const tcp = await counter();
    try {
      const { events, error } = await collect(connect({ host: '127.0.0.1', port: tcp.port }));
      expect(events).toEqual([]);
      expect(error).toBeInstanceOf(RuntimeUnsupportedError);
      expect(error).toMatchObject({ code: 'ERR_RXTLS_RUNTIME_UNSUPPORTED', feature: 'securityLevel', runtime: BUN });
      expect(error?.message).toMatch(
        /^TLS security level 2 \(DEFAULT_SECURITY_LEVEL\) is not supported on Bun 1\.4\.5: its node:tls is BoringSSL/,
      );
      expect(error?.message).toContain('tls: { ciphers }');
      expect(tcp.accepted()).toBe(0);
    } finally {
      await tcp.close();
    }
  });

  it('the same for connectStartTls (STARTTLS)', async () => {
    pretend(BUN);
    const { error } = await collect(connectStartTls({ host: '127.0.0.1', port: server.port }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_RUNTIME_UNSUPPORTED', feature: 'securityLevel' });
  });

  it('ciphers of your own are the way on, as they replace the security level on Node too', async () => {
    pretend(BUN);
    const { events, error } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, tls: { ciphers: 'DEFAULT' } }),
    );
    expect(error).toBeUndefined();
    expect(events[0]?.type).toBe('connected');
  });

  it('listen() and a wss: gateway fail the same way; a ws: gateway still listens', async () => {
    pretend(BUN);
    const credentials = await pki.leaf();
    const served = await collect(listen({ credentials }));
    expect(served.error).toMatchObject({ code: 'ERR_RXTLS_RUNTIME_UNSUPPORTED', feature: 'securityLevel', runtime: BUN });
    const secure = await collect(gateway({ port: 0, targets: [`localhost:${server.port}`], credentials }));
    expect(secure.error).toMatchObject({ code: 'ERR_RXTLS_RUNTIME_UNSUPPORTED', feature: 'securityLevel' });
    const plain = await new Promise<string>((resolve, reject) => {
      const subscription = gateway({ port: 0, targets: [`localhost:${server.port}`] }).subscribe({
        next: (e) => {
          if (e.type !== 'listening') return;
          subscription.unsubscribe();
          resolve(e.type);
        },
        error: reject,
      });
    });
    expect(plain).toBe('listening');
  });
});

describe('Deno: no session resumption', () => {
  it('connect({ session }) fails naming Deno and the option; without it, Deno connects', async () => {
    pretend(DENO);
    const { error } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, session: Buffer.from('ticket') }));
    expect(error).toBeInstanceOf(RuntimeUnsupportedError);
    expect(error).toMatchObject({ feature: 'sessionResumption', runtime: DENO });
    expect(error?.message).toMatch(/^session resumption \(option session\) is not supported on Deno 2\.9\.6: /);
    const fine = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }));
    expect(fine.events[0]?.type).toBe('connected');
  });
});

describe('Node refuses nothing', () => {
  it('the guards pass on Node', () => {
    for (const feature of ['securityLevel', 'sessionResumption'] as const)
      expect(() => runtime.requireRuntimeFeature({ name: 'Node', version: '20.0.0' }, feature)).not.toThrow();
  });
});

describe("a runtime's coarse verdict", () => {
  // Deno names an expired certificate UNABLE_TO_VERIFY_LEAF_SIGNATURE, and Bun a self-signed leaf.
  const COARSE = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
  const codes = async (credentials: Promise<{ cert: string }>) => {
    const chain = [new X509Certificate((await credentials).cert)];
    return findProblems(chain, COARSE, 'localhost', () => [new X509Certificate(pki.ca.cert)]).map((p) => p.code);
  };

  it('gives way, off Node, to the problem rxtls found itself', async () => {
    pretend(DENO);
    expect(await codes(pki.expired())).toEqual(['CERT_HAS_EXPIRED']);
    pretend(BUN);
    expect(await codes(pki.selfSigned())).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT']);
  });

  it('is kept where rxtls found nothing: the peer stays rejected', async () => {
    pretend(DENO);
    expect(await codes(pki.leaf())).toEqual([COARSE]);
  });

  it("is kept first on Node, where it is OpenSSL's own", async () => {
    expect(await codes(pki.expired())).toEqual([COARSE, 'CERT_HAS_EXPIRED']);
  });
});
