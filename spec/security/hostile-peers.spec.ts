import { createServer as createTcpServer, type Server } from 'node:net';
import { TLSSocket } from 'node:tls';
import { connect, lines, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually, openSocketHandles } from '../support/collect';

/**
 * Broken and hostile peers, bounded and on loopback: each ends in the documented event or
 * error, with no unhandled 'error', no crash, and no handle left open.
 */
let pki: TestPki;
const servers: TestServer[] = [];
const tcpServers: Server[] = [];
let handlesBefore = 0;
beforeAll(async () => {
  pki = await createTestPki();
});
beforeEach(() => {
  handlesBefore = openSocketHandles();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(tcpServers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await eventually(() => openSocketHandles() <= handlesBefore, 5000, 'no socket handle left');
});

const last = (events: TlsEvent[]) => events[events.length - 1];

describe('hostile and broken peers', () => {
  it('resets mid-line: the partial line, then closed by the peer, not clean, ECONNRESET', async () => {
    // TLS over a TCP socket we hold, so that the TCP connection itself can be reset.
    const leaf = await pki.leaf();
    const resetter = createTcpServer((raw) => {
      raw.on('error', () => undefined);
      const secure = new TLSSocket(raw, { isServer: true, cert: leaf.cert, key: leaf.key });
      secure.on('error', () => undefined);
      secure.once('secure', () => {
        secure.write('complete line\r\npartial li');
        setTimeout(() => raw.resetAndDestroy(), 50);
      });
    });
    tcpServers.push(resetter);
    await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r));
    const server = { port: (resetter.address() as { port: number }).port };
    const { events, error } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(lines()));
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'line')).toEqual([
      { type: 'line', text: 'complete line' },
      { type: 'line', text: 'partial li' },
    ]);
    expect(last(events)).toMatchObject({ type: 'closed', by: 'peer', clean: false });
    expect((last(events) as { error?: { code?: string } }).error?.code).toBe('ECONNRESET');
  });

  it('half-closes while we still write: closed by the peer; later writes are refused, not thrown', async () => {
    const server = await startTlsServer({ ...(await pki.leaf()), onConnection: (s) => setTimeout(() => s.end(), 30) });
    servers.push(server);
    const writes: boolean[] = [];
    const events: TlsEvent[] = [];
    await new Promise<void>((resolve) =>
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type !== 'connected') return;
          // bounded: at most 200 writes, one every 2 ms, until the connection is gone
          let n = 0;
          const timer = setInterval(() => {
            writes.push(e.writer.write('still talking\r\n'));
            if (++n >= 200 || events.some((x) => x.type === 'closed')) clearInterval(timer);
          }, 2);
        },
        complete: resolve,
      }),
    );
    expect(last(events)).toMatchObject({ type: 'closed', by: 'peer' });
    await new Promise((r) => setTimeout(r, 20));
    expect(writes[writes.length - 1]).toBe(false);
  });

  it('sends plaintext garbage instead of a ServerHello: an error notification with an OpenSSL code', async () => {
    const garbage = createTcpServer((s) => {
      s.on('error', () => undefined);
      s.resume(); // read (and drop) the ClientHello, so that the close is seen
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    tcpServers.push(garbage);
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const { events, error } = await collect(connect({ host: '127.0.0.1', port: (garbage.address() as { port: number }).port }));
    expect(events).toEqual([]);
    expect(error?.code).toMatch(/^ERR_SSL_|ECONNRESET/);
  });

  it('sends 100 MB as fast as it can to a slow subscriber: all of it arrives, memory stays bounded', async () => {
    const TOTAL = 100 * 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 0x7a);
    const server = await startTlsServer({
      ...(await pki.leaf()),
      onConnection: (s) => {
        let sent = 0;
        const pump = () => {
          while (sent < TOTAL && !s.destroyed) {
            sent += chunk.length;
            if (!s.write(chunk)) return void s.once('drain', pump);
          }
          s.end();
        };
        pump();
      },
    });
    servers.push(server);
    const heapBefore = process.memoryUsage().heapUsed;
    let received = 0;
    let peak = 0;
    await new Promise<void>((resolve, reject) =>
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).subscribe({
        next: (e) => {
          if (e.type !== 'data') return;
          received += e.bytes.length;
          // A slow consumer: ~0.1 ms of work for every chunk.
          const until = process.hrtime.bigint() + 100_000n;
          while (process.hrtime.bigint() < until);
          peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(received).toBe(TOTAL);
    // Reading is driven by the consumer: what waits is bounded by socket buffers, not by the 100 MB.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});
