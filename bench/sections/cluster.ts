/**
 * `npm run bench -- cluster`: full TLS 1.3 handshakes per second accepted by `rxtls serve
 * --workers 2` against `rxtls serve` alone (one process), each started as the command in its own
 * process, loaded by bench/handshake-client.ts (raw `node:tls`, 64 in flight) in another. On a
 * machine with as many cores as workers the load generator competes with the workers for them,
 * which this section reports rather than hides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkBench, freePort, interleave, ratioOf, type BenchContext, type BenchSection } from '../harness';

const IN_FLIGHT = 64;

/** The `rxtls` command as the bench measures it: compiled by tsc (bench/rxtls.ts), or the source through tsx. */
function command(): [string, string[]] {
  const directory = process.env['RXTLS_BENCH_LIB'];
  return directory
    ? [process.execPath, [join(directory, 'cli', 'main.js')]]
    : [process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'lib', 'cli', 'main.ts')]];
}

/** `rxtls serve --workers N` listening: resolves once every worker said so. */
async function serveWorkers(dir: string, workers: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const [node, script] = command();
  const args = [
    'serve',
    '--port',
    String(port),
    '--cert',
    join(dir, 'cert.pem'),
    '--key',
    join(dir, 'key.pem'),
    '--workers',
    String(workers),
  ];
  // Its stderr says each client the load generator drops mid-handshake: noise here.
  const child = spawn(node, [...script, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if ((out.match(/listening on/g) ?? []).length === workers) resolve();
    });
    child.once('exit', (code) => reject(new Error(`rxtls serve --workers ${workers} exited with ${code}: ${out}`)));
  });
  return { child, port };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function generate(generator: ChildProcess, port: number, ca: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    generator.once('message', (answer: { ms?: number; error?: string }) => {
      if (answer.error !== undefined || answer.ms === undefined) reject(new Error(`load generator: ${answer.error}`));
      else resolve(count / (answer.ms / 1000));
    });
    generator.send({ port, ca, count, inFlight: IN_FLIGHT });
  });
}

export const clusterSection: BenchSection = {
  name: 'cluster',
  title: 'full handshakes accepted by rxtls serve --workers 2 against one process',
  async run(context: BenchContext) {
    const count = context.smoke ? 8 : 1500;
    const dir = await mkdtemp(join(tmpdir(), 'rxtls-bench-cluster-'));
    const generator = forkBench('handshake-client.ts');
    const running: ChildProcess[] = [];
    try {
      await writeFile(join(dir, 'cert.pem'), context.leaf.cert);
      await writeFile(join(dir, 'key.pem'), context.leaf.key, { mode: 0o600 });
      const one = await serveWorkers(dir, 1);
      running.push(one.child);
      const two = await serveWorkers(dir, 2);
      running.push(two.child);
      const ca = context.pki.ca.cert;
      await generate(generator, two.port, ca, Math.min(count, 64)); // warm-up: every worker compiled its code
      const samples = await interleave(context.runs, {
        two: () => generate(generator, two.port, ca, count),
        one: () => generate(generator, one.port, ca, count),
      });
      const perSecond = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
      context.log(`${availableParallelism()} cores; one process ${perSecond(samples.one)} /s, two workers ${perSecond(samples.two)} /s`);
      return [
        ratioOf(`serve --workers 2 / one process, full handshakes, ${IN_FLIGHT} in flight`, samples.two, samples.one, { atLeast: 1.6 }),
      ];
    } finally {
      generator.kill();
      await Promise.all(running.map(stop));
      await rm(dir, { recursive: true, force: true });
    }
  },
};
