/**
 * One measurement of the diagnostics bench, in a fresh process: full TLS 1.3 handshakes per
 * second made one after another by rxtls `connect()` (the copy of the library RXTLS_BENCH_LIB
 * names) against the bench server. Reads `{ port, ca, count, subscribe }` as JSON on stdin; with
 * `subscribe`, a subscriber that does nothing listens on every diagnostics channel. A few
 * handshakes first warm the code up. Answers `{ perSecond }` or `{ error }` over IPC.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Subscription } from 'rxjs';
import { rxtls } from './rxtls';

interface Probe {
  readonly port: number;
  readonly ca: string;
  readonly count: number;
  readonly subscribe: boolean;
}

const { connect, DIAGNOSTICS_CHANNELS } = rxtls;

function handshake(port: number, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const subscription: Subscription = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }).subscribe({
      next: (e) => {
        if (e.type === 'connected') {
          resolve();
          queueMicrotask(() => subscription.unsubscribe());
        } else if (e.type === 'certFailed') reject(new Error(e.reason));
      },
      error: reject,
    });
  });
}

async function measure(probe: Probe): Promise<number> {
  if (probe.subscribe) for (const name of Object.values(DIAGNOSTICS_CHANNELS)) subscribe(name, () => undefined);
  for (let i = 0; i < Math.min(20, probe.count); i++) await handshake(probe.port, probe.ca);
  const start = process.hrtime.bigint();
  for (let i = 0; i < probe.count; i++) await handshake(probe.port, probe.ca);
  return probe.count / (Number(process.hrtime.bigint() - start) / 1e9);
}

let input = '';
process.stdin.on('data', (chunk: Buffer) => (input += chunk.toString()));
process.stdin.on('end', () => {
  measure(JSON.parse(input) as Probe).then(
    (perSecond) => {
      process.send?.({ perSecond });
      process.exit(0);
    },
    (error: unknown) => {
      process.send?.({ error: (error as Error).message });
      process.exit(1);
    },
  );
});
