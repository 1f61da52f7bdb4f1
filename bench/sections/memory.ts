/**
 * `npm run bench -- memory`: what one open, idle, verified connection costs, rxtls against raw
 * `node:tls`: heap + external memory and RSS per connection after a full garbage collection,
 * measured as the growth while N connections are open, each measurement in a fresh process
 * (bench/memory-probe.ts). Client side: `connect()` subscriptions against raw sockets with a
 * shared SecureContext, both reading, to the bench server. Server side: `listen` against
 * `tls.createServer`, the connections held open from this process.
 */
import { once } from 'node:events';
import { connect as tlsConnect, createSecureContext, type TLSSocket } from 'node:tls';
import { forkBench, interleave, ratioOf, type BenchContext, type BenchSection, type Ratio } from '../harness';

interface Growth {
  /** Bytes of heap + external per connection. */
  readonly heap: number;
  /** Bytes of RSS per connection. */
  readonly rss: number;
}

type Answer = Partial<Growth> & { readonly port?: number; readonly ready?: boolean; readonly error?: string };

function nextAnswer(child: ReturnType<typeof forkBench>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    child.once('message', (answer: Answer) =>
      answer.error === undefined ? resolve(answer) : reject(new Error(`memory probe: ${answer.error}`)),
    );
  });
}

function startProbe(context: BenchContext, role: 'client' | 'server', variant: 'raw' | 'rxtls', count: number) {
  const warmUp = warmUpCount(context);
  const child = forkBench('memory-probe.ts');
  const answer = nextAnswer(child);
  child.stdin?.end(
    JSON.stringify({
      role,
      variant,
      count,
      warmUp,
      port: context.server.port,
      ca: context.pki.ca.cert,
      cert: context.leaf.cert,
      key: context.leaf.key,
    }),
  );
  return { child, answer };
}

async function clientSide(context: BenchContext, variant: 'raw' | 'rxtls', count: number): Promise<Growth> {
  const { child, answer } = startProbe(context, 'client', variant, count);
  try {
    return (await answer) as Growth;
  } finally {
    child.kill();
  }
}

async function serverSide(context: BenchContext, variant: 'raw' | 'rxtls', count: number): Promise<Growth> {
  const { child, answer } = startProbe(context, 'server', variant, count);
  const sockets: TLSSocket[] = [];
  try {
    const { port } = await answer;
    const secureContext = createSecureContext({ ca: context.pki.ca.cert });
    const open = async () => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
      socket.on('error', () => undefined).on('data', () => undefined);
      sockets.push(socket);
      await once(socket, 'secureConnect');
    };
    for (let i = 0; i < warmUpCount(context); i++) {
      await open();
      sockets.pop()?.destroy();
    }
    const ready = nextAnswer(child);
    child.send('baseline');
    await ready;
    for (let i = 0; i < count; i++) await open();
    const measured = nextAnswer(child);
    child.send('measure');
    return (await measured) as Growth;
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill();
  }
}

/**
 * Connections made and closed before the baseline: V8 compiles in tiers over many calls, and
 * with a single warm-up connection that compilation showed up as a few hundred bytes per connection.
 */
function warmUpCount(context: BenchContext): number {
  return context.smoke ? 1 : 50;
}

export const memorySection: BenchSection = {
  name: 'memory',
  title: 'memory per open idle connection against raw node:tls (each measured in a fresh process)',
  async run(context) {
    const count = context.smoke ? 5 : 2000;
    const growths = await interleave<string, Growth>(context.runs, {
      clientRaw: () => clientSide(context, 'raw', count),
      clientRxtls: () => clientSide(context, 'rxtls', count),
      serverRaw: () => serverSide(context, 'raw', count),
      serverRxtls: () => serverSide(context, 'rxtls', count),
    });
    const field = (values: Growth[] | undefined, name: keyof Growth) => (values ?? []).map((g) => g[name]);
    const kb = (values: Growth[] | undefined, name: keyof Growth) =>
      field(values, name)
        .map((v) => (v / 1024).toFixed(1))
        .join(', ');
    const ratios: Ratio[] = [];
    for (const side of ['client', 'server'] as const) {
      const raw = growths[`${side}Raw`];
      const ours = growths[`${side}Rxtls`];
      context.log(`${side}: heap + external per connection, raw ${kb(raw, 'heap')} KB, rxtls ${kb(ours, 'heap')} KB`);
      context.log(`${side}: RSS per connection, raw ${kb(raw, 'rss')} KB, rxtls ${kb(ours, 'rss')} KB`);
      ratios.push(
        ratioOf(`${side}: heap + external per idle connection / raw`, field(ours, 'heap'), field(raw, 'heap'), { atMost: 1.5 }),
        ratioOf(`${side}: RSS per idle connection / raw`, field(ours, 'rss'), field(raw, 'rss'), { atMost: 1.1 }),
      );
    }
    return ratios;
  },
};
