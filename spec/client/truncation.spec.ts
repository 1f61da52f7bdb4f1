import { connect, TransportError, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki } from '../../lib/testing';
import { collect } from '../support/collect';
import { startTruncatingProxy } from '../support/truncating-proxy';

let pki: TestPki;
const servers: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A proxy to `port` that drops the client side with a bare FIN after `ms`; resolves with its port. */
async function truncatingProxy(port: number, ms: number): Promise<number> {
  const proxy = await startTruncatingProxy(port, ms);
  servers.push(proxy);
  return proxy.port;
}

const last = (events: TlsEvent[]) => events[events.length - 1];

describe('connect({ detectTruncation: true })', () => {
  it('a peer that ends with close_notify: closed by the peer, clean', async () => {
    const server = await startTlsServer({ ...(await pki.leaf()), greeting: 'bye\r\n', onConnection: (s) => setTimeout(() => s.end(), 30) });
    servers.push(server);
    const { events } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, detectTruncation: true }));
    expect(events.map((e) => e.type)).toEqual(['connected', 'data', 'closed']);
    expect(last(events)).toEqual({ type: 'closed', by: 'peer', clean: true });
  });

  it('a connection cut with a bare TCP FIN: closed by the peer, not clean, ERR_RXTLS_TLS_TRUNCATED', async () => {
    const server = await startTlsServer({ ...(await pki.leaf()), greeting: 'partial data\r\n' });
    servers.push(server);
    const port = await truncatingProxy(server.port, 150);
    const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert, detectTruncation: true }));
    const closed = last(events);
    expect(closed).toMatchObject({ type: 'closed', by: 'peer', clean: false });
    expect(closed?.type === 'closed' && closed.error).toBeInstanceOf(TransportError);
    expect(closed?.type === 'closed' && (closed.error as TransportError).code).toBe('ERR_RXTLS_TLS_TRUNCATED');
  });

  it('without it, Node cannot tell the two apart (the documented limit)', async () => {
    const server = await startTlsServer({ ...(await pki.leaf()), greeting: 'partial data\r\n' });
    servers.push(server);
    const port = await truncatingProxy(server.port, 150);
    const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert }));
    expect(last(events)).toMatchObject({ type: 'closed', by: 'peer', clean: true });
  });

  it('still verifies, fails closed, and reports transport errors with codes', async () => {
    const server = await startTlsServer({ ...(await pki.selfSigned()), greeting: 'SECRET\r\n' });
    servers.push(server);
    const rejected = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, detectTruncation: true }));
    expect(rejected.events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const closedPort = server.port;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const refused = await collect(connect({ host: '127.0.0.1', port: closedPort, detectTruncation: true }));
    expect(refused.error).toBeInstanceOf(TransportError);
    expect(refused.error?.code).toBe('ECONNREFUSED');
  });

  it("graceful close through it: our close_notify answered by the peer's is clean", async () => {
    const server = await startTlsServer({ ...(await pki.leaf()), echo: true });
    servers.push(server);
    const events: TlsEvent[] = [];
    await new Promise<void>((resolve) =>
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, detectTruncation: true }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type === 'connected') {
            e.writer.write('ping\n');
            e.writer.end();
          }
        },
        complete: resolve,
      }),
    );
    expect(last(events)).toEqual({ type: 'closed', by: 'local', clean: true });
  });
});
