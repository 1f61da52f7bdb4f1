/**
 * What every bench section shares: the server in a child process, the throwaway PKI, interleaved
 * runs, and ratios reported as the median of the per-run ratios with their spread (min–max).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTestPki, type TestCredentials, type TestPki } from '../lib/testing';

/** What a section is given. */
export interface BenchContext {
  /** Tiny sizes and few runs: `npm test` runs every section this way so the bench cannot rot. */
  readonly smoke: boolean;
  /** How many interleaved runs each comparison makes (the median is reported). */
  readonly runs: number;
  readonly pki: TestPki;
  readonly leaf: TestCredentials;
  /** The streaming TLS server (bench/server.ts) in its own process. */
  readonly server: { readonly port: number };
  /** Prints one line of the section's report. */
  log(line: string): void;
}

/** One ratio a section reports, compared with its target when it has one. */
export interface Ratio {
  readonly label: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** `atLeast` for speed (ours / baseline), `atMost` for cost (ours / baseline). */
  readonly target?: { readonly atLeast?: number; readonly atMost?: number };
}

/** A part of `npm run bench` that can run alone: `npm run bench -- NAME`. */
export interface BenchSection {
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<Ratio[]>;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * Runs every variant `runs` times, interleaved (A B C, A B C, …) so that noise hits them alike,
 * and returns each variant's samples in run order.
 */
export async function interleave<K extends string, V = number>(
  runs: number,
  variants: Record<K, () => Promise<V>>,
): Promise<Record<K, V[]>> {
  const names = Object.keys(variants) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as V[]])) as Record<K, V[]>;
  for (let run = 0; run < runs; run++) {
    for (const name of names) samples[name].push(await variants[name]());
  }
  return samples;
}

/** The ratio of two variants' samples, run by run: its median and spread. */
export function ratioOf(label: string, ours: readonly number[], baseline: readonly number[], target?: Ratio['target']): Ratio {
  const ratios = ours.map((value, i) => value / (baseline[i] as number));
  return { label, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ...(target && { target }) };
}

/** One line of the report; in a smoke run the numbers mean nothing, so no verdict is given. */
export function formatRatio(r: Ratio, smoke = false): string {
  if (!Number.isFinite(r.median)) return `${r.label.padEnd(58)} n/a (a baseline measured zero)`;
  const spread = `${r.min.toFixed(2)}–${r.max.toFixed(2)}`;
  let verdict = '';
  if (r.target?.atLeast !== undefined) verdict = `target ≥ ${r.target.atLeast} ${r.median >= r.target.atLeast ? 'met' : 'MISSED'}`;
  if (r.target?.atMost !== undefined) verdict = `target ≤ ${r.target.atMost} ${r.median <= r.target.atMost ? 'met' : 'MISSED'}`;
  return `${r.label.padEnd(58)} ×${r.median.toFixed(2)} (${spread})  ${smoke ? '(smoke run: no verdict)' : verdict}`;
}

/** Milliseconds taken by `work`. */
export async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

let collect: (() => void) | undefined;
/** A full garbage collection, without needing `--expose-gc` on the command line. */
export function gc(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  collect();
}

/** Forks a TypeScript file of bench/ as a child process (through tsx), with an IPC channel. */
export function forkBench(file: string, args: string[] = []): ChildProcess {
  return fork(join(__dirname, file), args, { execArgv: ['--import', 'tsx'], stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
}

/** Starts bench/server.ts with these credentials; resolves with its port. */
export async function startServer(cert: string, key: string): Promise<{ child: ChildProcess; port: number }> {
  const child = forkBench('server.ts');
  child.stdin?.end(JSON.stringify({ cert, key }));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, port };
}

/** Creates the PKI and the server a section needs. */
export async function benchFixture(): Promise<{ pki: TestPki; leaf: TestCredentials; child: ChildProcess; port: number }> {
  const pki = await createTestPki('rxtls bench CA');
  const leaf = await pki.leaf();
  const { child, port } = await startServer(leaf.cert, leaf.key);
  return { pki, leaf, child, port };
}

/** A port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}
