import type { LookupFunction } from 'node:net';
import { filter, firstValueFrom, map, mergeWith, NEVER, take } from 'rxjs';
import { connect, converse, line, lines } from '../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../lib/testing';
import { startBlackHole, type BlackHole } from './client/dial-black-hole';
import { describeWithMicrosocks, startMicrosocks } from './interop/microsocks';
import { freePort } from './interop/peers';
import type { RunningProxy } from './interop/tinyproxy';
import { activeTimerCallers, activeTimers, collect, eventually, openSocketHandles } from './support/collect';

// A bounded soak of the dialer: proxied and dual-stack connections, and failing ones, then no
// socket and no timer left behind. Fixed counts, every wait with a deadline.
const CYCLES = Number(process.env['RXTLS_SOAK_CYCLES'] ?? 20);
const answering =
  (...addresses: string[]): LookupFunction =>
  (_host, _options, callback) =>
    (callback as (e: null, a: { address: string; family: number }[]) => void)(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

let pki: TestPki;
let echo: TestServer;
let hole: BlackHole;
beforeAll(async () => {
  pki = await createTestPki();
  echo = await startTlsServer({ ...(await pki.leaf()), echo: true });
  hole = await startBlackHole('::1', echo.port);
});
afterAll(async () => {
  await hole?.stop();
  await echo?.close();
});

const pingThrough = (i: number, extra: object) =>
  firstValueFrom(
    connect({ host: 'localhost', port: echo.port, ca: pki.ca.cert, ...extra }).pipe(
      lines(),
      converse((events$) =>
        events$.pipe(
          filter((e) => e.type === 'connected'),
          take(1),
          map(() => line(`ping ${i}`)),
          mergeWith(NEVER), // stay open for the echo: a proxy may close the tunnel on our half-close
        ),
      ),
      filter((e) => e.type === 'line'),
      take(1),
    ),
  );

describeWithMicrosocks(`dialer soak (${CYCLES} cycles of each kind)`, () => {
  let socks: RunningProxy;
  beforeAll(async () => {
    socks = await startMicrosocks({ user: 'soak', password: 'soak-pass' });
  });
  afterAll(() => socks?.stop());

  it('proxied, dual-stack, refused and timed-out dials leave nothing behind', async () => {
    const proxy = `socks5h://soak:soak-pass@127.0.0.1:${socks.port}`;
    await pingThrough(-1, { proxy }); // warm up: lazy module state is not a leak
    await eventually(() => echo.openConnections() === 0, 5000, 'the warm-up to close');
    const before = { handles: openSocketHandles(), timers: activeTimers() };
    const refused = await freePort();
    for (let i = 0; i < CYCLES; i++) {
      expect(await pingThrough(i, { proxy })).toEqual({ type: 'line', text: `ping ${i}` });
      expect(await pingThrough(i, { lookup: answering('::1', '127.0.0.1'), attemptTimeout: 30 })).toEqual({
        type: 'line',
        text: `ping ${i}`,
      });
      expect((await collect(connect({ host: 'localhost', port: refused, proxy }))).error?.code).toMatch(/^ERR_RXTLS_PROXY_/);
      const timedOut = await collect(connect({ host: 'x.test', port: echo.port, lookup: answering('::1'), connectTimeout: 50 }));
      expect(timedOut.error?.code).toBe('ERR_RXTLS_CONNECT_TIMEOUT');
      // unsubscribed mid-dial, through the proxy and while an attempt waits
      connect({ host: 'localhost', port: echo.port, proxy })
        .subscribe({ error: () => undefined })
        .unsubscribe();
      const waiting = connect({ host: 'x.test', port: echo.port, lookup: answering('::1', '::1') }).subscribe({ error: () => undefined });
      await new Promise((r) => setTimeout(r, 5));
      waiting.unsubscribe();
    }
    await eventually(() => echo.openConnections() === 0, 10_000, 'the target to see every close');
    await eventually(
      () => openSocketHandles() <= before.handles && activeTimers() <= before.timers,
      10_000,
      `handles and timers back to ${before.handles} and ${before.timers} (timers: ${activeTimerCallers().join('; ')})`,
    );
  }, 120_000);
});
