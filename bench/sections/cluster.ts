/**
 * `npm run bench -- cluster`: full TLS 1.3 handshakes per second accepted by `rxtls serve
 * --workers 2` against `rxtls serve` alone (one process), each started as the command in its own
 * process, loaded by bench/handshake-client.ts (raw `node:tls`, 64 in flight) in another. On a
 * machine with as many cores as workers the load generator competes with the workers for them,
 * which this section reports rather than hides: it measures the CPU time a handshake costs the
 * generator and the servers, and prints the most any number of workers could reach here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { forkBench, freePort, interleave, median, ratioOf, type BenchContext, type BenchSection } from '../harness';

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

/** Linux's USER_HZ, the unit of /proc/PID/stat's CPU times. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (ms) used so far by a process and its children (the workers), or NaN where /proc cannot tell. */
async function treeCpuMs(pid: number): Promise<number> {
  try {
    // Fields 14 and 15 (utime, stime) follow the command name in parentheses.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(' ').filter(Boolean).map(Number);
    const own = (((utime as number) + (stime as number)) * 1000) / CLOCK_TICKS_PER_SECOND;
    return own + (await Promise.all(children.map(treeCpuMs))).reduce((a, b) => a + b, 0);
  } catch {
    return Number.NaN;
  }
}

interface Sample {
  readonly perSecond: number;
  /** CPU ms a handshake cost the load generator, and the server processes. */
  readonly generatorCpuMs: number;
  readonly serverCpuMs: number;
}

async function generate(generator: ChildProcess, server: ChildProcess, port: number, ca: string, count: number): Promise<Sample> {
  const serverBefore = await treeCpuMs(server.pid as number);
  const answer = await new Promise<{ ms: number; cpuMs: number }>((resolve, reject) => {
    generator.once('message', (reply: { ms?: number; cpuMs?: number; error?: string }) => {
      if (reply.error !== undefined || reply.ms === undefined || reply.cpuMs === undefined)
        reject(new Error(`load generator: ${reply.error}`));
      else resolve({ ms: reply.ms, cpuMs: reply.cpuMs });
    });
    generator.send({ port, ca, count, inFlight: IN_FLIGHT });
  });
  const serverCpuMs = (await treeCpuMs(server.pid as number)) - serverBefore;
  return { perSecond: count / (answer.ms / 1000), generatorCpuMs: answer.cpuMs / count, serverCpuMs: serverCpuMs / count };
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
      await generate(generator, two.child, two.port, ca, Math.min(count, 64)); // warm-up: every worker compiled its code
      const samples = await interleave(context.runs, {
        two: () => generate(generator, two.child, two.port, ca, count),
        one: () => generate(generator, one.child, one.port, ca, count),
      });
      const rates = (values: Sample[]) => values.map((v) => v.perSecond.toFixed(0)).join(', ');
      const cores = availableParallelism();
      context.log(`${cores} cores; one process ${rates(samples.one)} /s, two workers ${rates(samples.two)} /s`);
      // Every handshake costs the generator and the servers CPU time on the same cores, so no number
      // of workers can make more than cores / (both costs) a second here.
      const generatorMs = median(samples.one.map((s) => s.generatorCpuMs));
      const serverMs = median(samples.one.map((s) => s.serverCpuMs));
      if (Number.isFinite(serverMs)) {
        const ceiling = (cores * 1000) / (generatorMs + serverMs) / median(samples.one.map((s) => s.perSecond));
        context.log(
          `CPU a handshake: load generator ${generatorMs.toFixed(2)} ms, one server process ${serverMs.toFixed(2)} ms, ` +
            `two workers ${median(samples.two.map((s) => s.serverCpuMs)).toFixed(2)} ms (their primary included); ` +
            `so at most ×${ceiling.toFixed(2)} of one process on these ${cores} cores with the generator on them`,
        );
      }
      const perSecond = (values: Sample[]) => values.map((v) => v.perSecond);
      return [
        ratioOf(
          `serve --workers 2 / one process, full handshakes, ${IN_FLIGHT} in flight`,
          perSecond(samples.two),
          perSecond(samples.one),
          {
            atLeast: 1.6,
          },
        ),
      ];
    } finally {
      generator.kill();
      await Promise.all(running.map(stop));
      await rm(dir, { recursive: true, force: true });
    }
  },
};
