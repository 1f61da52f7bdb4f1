import { connect as tcpConnect, type Socket } from 'node:net';
import { filter, firstValueFrom, NEVER, take, type Observable, type Subscription } from 'rxjs';
import { connect, line, lines, serve, type ServerEvent, type TlsEvent, type TlsWriter } from '../lib';
import { createTestPki, type TestPki } from '../lib/testing';
import { eventually } from './support/collect';
import { startServer } from './support/servers';

// Bounded load and faults, on loopback only: every loop has a fixed count and every wait a deadline.
let pki: TestPki;
const running: Subscription[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => running.splice(0).forEach((s) => s.unsubscribe()));

const start = (server$: Observable<ServerEvent>, seen: ServerEvent[] = []) => startServer(server$, running, seen);

describe('load and faults (bounded, loopback)', () => {
  it('holds 1,000 concurrent connections open against one server, then all close cleanly', async () => {
    // 1,000 handshakes at once take longer than the 10 s default on a busy 2-core machine: this
    // test is about holding the connections, not about handshake speed (that is `npm run bench`).
    const handshakeTimeout = 60_000;
    const port = await start(serve({ credentials: await pki.leaf(), lines: false, handshakeTimeout }, () => NEVER));
    const COUNT = 1000;
    const writers: TlsWriter[] = [];
    const closed: TlsEvent[] = [];
    for (let i = 0; i < COUNT; i++) {
      running.push(
        connect({ host: '127.0.0.1', servername: 'localhost', port, ca: pki.ca.cert, handshakeTimeout }).subscribe((e) => {
          if (e.type === 'connected') writers.push(e.writer);
          if (e.type === 'closed') closed.push(e);
        }),
      );
    }
    await eventually(() => writers.length === COUNT, 60_000, `${COUNT} connections`);
    writers.forEach((w) => w.end());
    await eventually(() => closed.length === COUNT, 60_000, `${COUNT} closes`);
    expect(closed.every((e) => e.type === 'closed' && e.by === 'local' && e.clean)).toBe(true);
  }, 120_000);

  it('200 clients stalling their handshakes do not stop a well-behaved client from being served', async () => {
    const seen: ServerEvent[] = [];
    const port = await start(
      serve({ credentials: await pki.leaf(), handshakeTimeout: 4000 }, () => [line('* OK served')]),
      seen,
    );
    const stalled: Socket[] = [];
    for (let i = 0; i < 200; i++) {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      stalled.push(socket);
    }
    await eventually(() => stalled.every((s) => !s.connecting), 10_000, 'the stalled clients to connect');
    const started = Date.now();
    const greeting = await firstValueFrom(
      connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
        lines(),
        filter((e) => e.type === 'line'),
        take(1),
      ),
    );
    expect(greeting).toEqual({ type: 'line', text: '* OK served' });
    expect(Date.now() - started).toBeLessThan(4000); // served well within the stalled clients' timeout
    await eventually(() => seen.filter((e) => e.type === 'clientError').length === 200, 15_000, 'the 200 timeouts');
    expect(
      seen.filter((e) => e.type === 'clientError').every((e) => e.type === 'clientError' && e.code === 'ERR_RXTLS_HANDSHAKE_TIMEOUT'),
    ).toBe(true);
    stalled.forEach((s) => s.destroy());
  }, 30_000);

  it('a client flooding one endless line is cut off at maxLength, with memory bounded', async () => {
    const port = await start(serve({ credentials: await pki.leaf(), lines: { maxLength: 64 * 1024 } }, () => NEVER));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const LIMIT = 64 * 1024 * 1024;
    let sent = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    const events: TlsEvent[] = [];
    running.push(
      connect({ host: 'localhost', port, ca: pki.ca.cert }).subscribe((e) => {
        events.push(e);
        if (e.type !== 'connected') return;
        const pump = () => {
          while (sent < LIMIT && !events.some((x) => x.type === 'closed')) {
            sent += chunk.length;
            if (!e.writer.write(chunk)) return void e.writer.drain().then(pump);
          }
        };
        pump();
      }),
    );
    await eventually(() => events.some((e) => e.type === 'closed'), 20_000, 'the server to cut the flood off');
    expect(sent).toBeLessThan(LIMIT);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(48 * 1024 * 1024);
  }, 30_000);
});
