import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { filter, firstValueFrom, map, take } from 'rxjs';
import { connect, converse, line, lines } from '../../lib';
import { createTestPki, startSilentServer, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { activeTimers, collect, eventually, openSocketHandles } from '../support/collect';

/**
 * A bounded leak soak: connect → exchange → unsubscribe, and cycles that fail (refused,
 * handshake timeout, rejected certificate), then handles back to baseline and heap growth
 * after GC under a fixed bound. `npm test` runs it small; `npm run soak` runs 5,000 of each.
 */
const CYCLES = Number(process.env['RXTLS_SOAK_CYCLES'] ?? 200);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let pki: TestPki;
let echo: TestServer;
let silent: TestServer;
let untrusted: TestServer;
let refusedPort: number;
beforeAll(async () => {
  pki = await createTestPki();
  echo = await startTlsServer({ ...(await pki.leaf()), echo: true });
  silent = await startSilentServer();
  untrusted = await startTlsServer({ ...(await pki.selfSigned()), greeting: 'SECRET\r\n' });
  const gone = await startSilentServer();
  refusedPort = gone.port;
  await gone.close();
});
afterAll(() => Promise.all([echo.close(), silent.close(), untrusted.close()]));

async function settled(): Promise<{ handles: number; timers: number; heap: number }> {
  await new Promise((r) => setTimeout(r, 50));
  gc();
  return { handles: openSocketHandles(), timers: activeTimers(), heap: process.memoryUsage().heapUsed };
}

describe(`leak soak (${CYCLES} cycles of each kind)`, () => {
  it('connect → exchange → unsubscribe, and failing connections, leave nothing behind', async () => {
    // warm up once, so that lazy module state is not counted as growth
    await firstValueFrom(connect({ host: 'localhost', port: echo.port, ca: pki.ca.cert }).pipe(filter((e) => e.type === 'connected')));
    const before = await settled();
    for (let i = 0; i < CYCLES; i++) {
      const reply = await firstValueFrom(
        connect({ host: 'localhost', port: echo.port, ca: pki.ca.cert }).pipe(
          lines(),
          converse((events$) =>
            events$.pipe(
              filter((e) => e.type === 'connected'),
              take(1),
              map(() => line(`ping ${i}`)),
            ),
          ),
          filter((e) => e.type === 'line'),
        ),
      );
      expect(reply).toEqual({ type: 'line', text: `ping ${i}` });
      const refused = await collect(connect({ host: '127.0.0.1', port: refusedPort }));
      expect(refused.error?.code).toBe('ECONNREFUSED');
      const timedOut = await collect(connect({ host: '127.0.0.1', port: silent.port, handshakeTimeout: 20 }));
      expect(timedOut.error?.code).toBe('ERR_RXTLS_HANDSHAKE_TIMEOUT');
      const rejected = await collect(connect({ host: 'localhost', port: untrusted.port, ca: pki.ca.cert }));
      expect(rejected.events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    }
    await eventually(
      () => echo.openConnections() === 0 && silent.openConnections() === 0 && untrusted.openConnections() === 0,
      10_000,
      'the servers to see every close',
    );
    const after = await settled();
    expect(after.handles).toBeLessThanOrEqual(before.handles);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
    expect(after.heap - before.heap).toBeLessThan(16 * 1024 * 1024);
  }, 600_000);
});
