/**
 * `npm run bench -- async`: consumers that work asynchronously, through `handleEach`.
 *
 * (a) Memory of a slow consumer. N MiB (BENCH_SLOW_MIB, default 100; 1 MiB in a smoke run)
 * stream to a consumer that takes 1 ms per `data` chunk (`timer(1)`) through `handleEach`, which
 * pauses the socket while it is behind. Each run is a fresh child process (so that one run's
 * heap does not hide the next one's growth): it collects garbage, notes its RSS, samples RSS
 * every 20 ms while streaming, and reports the peak growth. The figure is that growth divided by
 * the 64 MiB budget of the issue — a ratio to a fixed bound, not to a measured baseline — so
 * `≤ 1` means "under 64 MiB". For contrast, the same consumer with plain `concatMap`, which
 * buffers whatever the socket delivers: its growth is the stream's size, so in a full run it
 * streams at most 32 MiB (BENCH_CONCATMAP_MIB), or it would take as long and grow as far as N; its
 * line is reported against the same budget, without a target.
 *
 * (b) Throughput of a fast consumer. A synchronous handler (and one returning a resolved
 * Promise) through `handleEach`, against the same count in a plain subscription to `data`
 * events, interleaved after one warm-up run of each (BENCH_MIB MiB a run, as the other sections):
 * MB/s ratios, median and spread, target ≥ 0.97 for the synchronous one. On a shared machine
 * the wall clock mostly measures who else is running, so the client's own CPU time per run is
 * reported too (`process.cpuUsage()`, the bench server being another process): data's CPU
 * divided by handleEach's, ≥ 1 meaning handleEach costs the client no more.
 */
import type { ChildProcess } from 'node:child_process';
import { concatMap, map, Observable, of, timer } from 'rxjs';
import type { ConnectEvent } from '../../lib';
import { forkBench, gc, interleave, ratioOf, type BenchContext, type BenchSection } from '../harness';
import { streamBytes, timedStream } from './streams';
import { rxtls } from '../rxtls';

const { connect, handleEach } = rxtls;

const MIB = 1024 * 1024;
const BUDGET_BYTES = 64 * MIB;
const SLOW_CHUNK_MS = 1;
const CHILD_FLAG = '--async-bench-child';

type SlowVariant = 'handleEach' | 'concatMap';

interface SlowRun {
  readonly variant: SlowVariant;
  readonly port: number;
  readonly ca: string;
  readonly total: number;
}

/** The bench server's stream, as rxtls events, its request written once connected. */
function stream(port: number, ca: string, total: number): Observable<ConnectEvent> {
  return new Observable<ConnectEvent>((subscriber) =>
    connect({ host: '127.0.0.1', servername: 'localhost', port, ca }).subscribe({
      next: (e) => {
        if (e.type === 'connected') e.writer.write(`raw ${total}\n`);
        subscriber.next(e);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    }),
  );
}

/** In the child: streams `total` bytes to the slow consumer and returns the peak RSS growth. */
async function slowConsumerGrowth({ variant, port, ca, total }: SlowRun): Promise<number> {
  gc();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const sampler = setInterval(sample, 20);
  try {
    await new Promise<void>((resolve, reject) => {
      let bytes = 0;
      const events$ = stream(port, ca, total);
      const slow$ =
        variant === 'handleEach'
          ? events$.pipe(
              handleEach((e) => {
                bytes += e.bytes.length;
                return timer(SLOW_CHUNK_MS);
              }),
            )
          : events$.pipe(
              concatMap((e) =>
                e.type === 'data'
                  ? timer(SLOW_CHUNK_MS).pipe(
                      map(() => {
                        bytes += e.bytes.length;
                        return e;
                      }),
                    )
                  : of(e),
              ),
            );
      slow$.subscribe({
        error: reject,
        complete: () => (bytes === total ? resolve() : reject(new Error(`expected ${total} bytes, handled ${bytes}`))),
      });
    });
  } finally {
    clearInterval(sampler);
  }
  sample();
  return peak - base;
}

/** In the parent: one slow run in a fresh child process. */
function slowRunInChild(run: SlowRun): Promise<number> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = forkBench('sections/async.ts', [CHILD_FLAG]);
    child.once('message', (reply: { growth?: number; error?: string }) => {
      if (reply.error !== undefined) reject(new Error(`${run.variant} run failed: ${reply.error}`));
      else resolve(reply.growth as number);
    });
    child.once('exit', (code) => reject(new Error(`${run.variant} run exited with ${code} before reporting`)));
    child.send(run);
  });
}

/** Milliseconds of CPU this process spent, user and system: the client's own cost, whatever else runs on the machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One fast run; its wall time is the result, its CPU time goes to `cpu`. */
function fastRun(context: BenchContext, total: number, via: 'data' | 'handleEach' | 'handleEach async', cpu: number[]) {
  return async () => {
    const before = cpuMs();
    const wall = await timedStream((done, fail) => {
      let bytes = 0;
      const events$ = stream(context.server.port, context.pki.ca.cert, total);
      const counted$ =
        via === 'data'
          ? events$
          : events$.pipe(
              handleEach(
                via === 'handleEach'
                  ? (e) => void (bytes += e.bytes.length)
                  : (e) => {
                      bytes += e.bytes.length;
                      return Promise.resolve();
                    },
              ),
            );
      counted$.subscribe({
        next: (e) => via === 'data' && e.type === 'data' && (bytes += e.bytes.length),
        error: fail,
        complete: () => (bytes === total ? done() : fail(new Error(`expected ${total} bytes, read ${bytes}`))),
      });
    });
    cpu.push(cpuMs() - before);
    return wall;
  };
}

export const asyncSection: BenchSection = {
  name: 'async',
  title: 'async consumers through handleEach: a slow one stays bounded, a fast one keeps its speed',
  async run(context) {
    const slowTotal = context.smoke ? MIB : Number(process.env['BENCH_SLOW_MIB'] ?? 100) * MIB;
    const concatTotal = context.smoke ? MIB : Math.min(slowTotal, Number(process.env['BENCH_CONCATMAP_MIB'] ?? 32) * MIB);
    const base = { port: context.server.port, ca: context.pki.ca.cert };
    const growth = await interleave(context.runs, {
      handleEach: () => slowRunInChild({ ...base, variant: 'handleEach', total: slowTotal }),
      concatMap: () => slowRunInChild({ ...base, variant: 'concatMap', total: concatTotal }),
    });
    const mib = (samples: number[]) => samples.map((b) => (b / MIB).toFixed(1)).join(', ');
    context.log(
      `slow consumer (${SLOW_CHUNK_MS} ms a chunk), peak RSS growth: handleEach ${mib(growth.handleEach)} MiB over ${slowTotal / MIB} MiB;`,
    );
    context.log(`  concatMap ${mib(growth.concatMap)} MiB over ${concatTotal / MIB} MiB (capped: it buffers everything)`);
    const budget = growth.handleEach.map(() => BUDGET_BYTES);

    const fastTotal = streamBytes(context);
    const cpu = { data: [] as number[], handleEach: [] as number[], handleEachAsync: [] as number[] };
    const fast = {
      data: fastRun(context, fastTotal, 'data', cpu.data),
      handleEach: fastRun(context, fastTotal, 'handleEach', cpu.handleEach),
      handleEachAsync: fastRun(context, fastTotal, 'handleEach async', cpu.handleEachAsync),
    };
    // One warm-up run each, so that the first measured variant is not the one that pays for the JIT.
    if (!context.smoke) {
      await interleave(1, fast);
      for (const samples of Object.values(cpu)) samples.length = 0;
    }
    const ms = await interleave(context.runs, fast);
    const mbps = (samples: number[]) => samples.map((m) => fastTotal / (m / 1000) / 1e6);
    context.log(
      `fast consumer: data ${mbps(ms.data)
        .map((v) => v.toFixed(0))
        .join(', ')} MB/s`,
    );
    return [
      ratioOf(`handleEach slow consumer RSS growth / 64 MiB (${slowTotal / MIB} MiB)`, growth.handleEach, budget, { atMost: 1 }),
      ratioOf(`concatMap slow consumer RSS growth / 64 MiB (${concatTotal / MIB} MiB)`, growth.concatMap, budget),
      ratioOf('handleEach fast consumer / data subscription (MB/s)', mbps(ms.handleEach), mbps(ms.data), { atLeast: 0.97 }),
      ratioOf('handleEach async fast consumer / data subscription (MB/s)', mbps(ms.handleEachAsync), mbps(ms.data)),
      // The same bytes for less CPU is more throughput on a machine that is not shared: data's CPU / ours.
      ratioOf('handleEach fast consumer: client CPU, data / ours', cpu.data, cpu.handleEach, { atLeast: 0.97 }),
      ratioOf('handleEach async fast consumer: client CPU, data / ours', cpu.data, cpu.handleEachAsync),
    ];
  },
};

// Run as the child of slowRunInChild: measure one run, report it, exit.
if (process.argv.includes(CHILD_FLAG) && process.send) {
  process.once('message', (run: SlowRun) => {
    slowConsumerGrowth(run).then(
      (growth) => process.send?.({ growth }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
    );
  });
}
