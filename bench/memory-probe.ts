/**
 * One memory measurement of the memory bench, in a fresh process so that RSS means something:
 * RSS freed by an earlier run is not returned to the system, which would hide the next run's
 * growth. Reads `{ role, variant, port, ca, cert, key, count }` as JSON on stdin.
 * - role `client`: opens `count` connections to the bench server (`port`), raw `node:tls` with a
 *   shared SecureContext or rxtls `connect()`, both reading, and measures.
 * - role `server`: starts a raw `tls.createServer` or an rxtls `listen`, sends `{ port }` over IPC,
 *   and measures when the parent, having opened `count` connections to it, sends `measure`.
 * `warmUp` connections are made and closed first, so that code loading and compilation (which V8
 * does in tiers, over many calls) are not counted.
 * Answers `{ heap, rss }`: bytes of heap + external and of RSS per connection, after a full gc.
 */
import { once } from 'node:events';
import { connect as tlsConnect, createSecureContext } from 'node:tls';
import type { Subscription } from 'rxjs';
import { gc } from './harness';
import { rxtls } from './rxtls';
import { rawTlsServer, rxtlsServer, type BenchServer } from './servers';

const { connect } = rxtls;

interface Probe {
  readonly role: 'client' | 'server';
  readonly variant: 'raw' | 'rxtls';
  readonly port: number;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly count: number;
  readonly warmUp: number;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function usage(): number[] {
  gc();
  const { heapUsed, external, rss } = process.memoryUsage();
  return [heapUsed + external, rss];
}

async function openClient(probe: Probe): Promise<() => void> {
  if (probe.variant === 'raw') {
    const secureContext = createSecureContext({ ca: probe.ca });
    const socket = tlsConnect({ host: '127.0.0.1', port: probe.port, servername: 'localhost', secureContext });
    socket.on('error', () => undefined).on('data', () => undefined);
    await once(socket, 'secureConnect');
    return () => socket.destroy();
  }
  let subscription: Subscription | undefined;
  await new Promise<void>((resolve, reject) => {
    subscription = connect({ host: '127.0.0.1', port: probe.port, servername: 'localhost', ca: probe.ca }).subscribe({
      next: (e) => e.type === 'connected' && resolve(),
      error: reject,
    });
  });
  return () => subscription?.unsubscribe();
}

async function client(probe: Probe): Promise<number[]> {
  for (let i = 0; i < probe.warmUp; i++) (await openClient(probe))();
  await settle();
  const before = usage();
  const open: Array<() => void> = [];
  for (let i = 0; i < probe.count; i++) open.push(await openClient(probe));
  await settle();
  const after = usage();
  for (const close of open) close();
  return after.map((value, i) => (value - (before[i] as number)) / probe.count);
}

function startServer(probe: Probe): Promise<BenchServer> {
  return (probe.variant === 'raw' ? rawTlsServer : rxtlsServer)(probe.cert, probe.key);
}

async function server(probe: Probe): Promise<number[]> {
  const { port, stop } = await startServer(probe);
  let before: number[] = [];
  process.send?.({ port });
  // The parent warms us up with `warmUp` connections, then sends `baseline`, opens the rest, sends `measure`.
  for (;;) {
    const [message] = (await once(process, 'message')) as [string];
    await settle();
    if (message === 'baseline') {
      before = usage();
      process.send?.({ ready: true });
    } else {
      const after = usage();
      stop();
      return after.map((value, i) => (value - (before[i] as number)) / probe.count);
    }
  }
}

let input = '';
process.stdin.on('data', (chunk: Buffer) => (input += chunk.toString()));
process.stdin.on('end', () => {
  const probe = JSON.parse(input) as Probe;
  (probe.role === 'client' ? client(probe) : server(probe)).then(
    ([heap, rss]) => {
      process.send?.({ heap, rss });
      process.exit(0);
    },
    (error: unknown) => {
      process.send?.({ error: (error as Error).message });
      process.exit(1);
    },
  );
});
