/**
 * `npm run bench`: end-to-end throughput over loopback TLS, every variant measured in this one
 * run against the same server (a child process), median of RUNS (default 5) runs, variants interleaved so
 * that machine noise hits them alike. Prints lines/s, MB/s and the ratios the targets name.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import split2 from 'split2';
import type { Subscription } from 'rxjs';
import { connect, connectWebSocket, gateway, lines } from '../lib';
import { createTestPki } from '../lib/testing';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const TOTAL = Number(process.env['BENCH_MIB'] ?? 256) * 1024 * 1024;

interface Target {
  readonly port: number;
  readonly ca: string;
  /** A gateway (in this process) in front of the same server. */
  readonly gatewayUrl: string;
}
interface Result {
  readonly ms: number;
  readonly lines: number;
  readonly bytes: number;
}
type Variant = (target: Target, request: string) => Promise<Result>;

function rawSocket(target: Target, request: string): TLSSocket {
  const socket = tlsConnect({ host: '127.0.0.1', port: target.port, servername: 'localhost', ca: target.ca });
  socket.once('secureConnect', () => socket.write(request));
  return socket;
}

function timed(run: (done: (lines: number, bytes: number) => void, fail: (e: Error) => void) => void): Promise<Result> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) =>
    run((lines, bytes) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, lines, bytes }), reject),
  );
}

const variants: Record<string, Variant> = {
  'rxtls lines()': (target, request) =>
    timed((done, fail) => {
      let count = 0;
      connect({ host: '127.0.0.1', servername: 'localhost', port: target.port, ca: target.ca })
        .pipe(lines())
        .subscribe({
          next: (e) => {
            if (e.type === 'line') count++;
            else if (e.type === 'connected') e.writer.write(request);
          },
          error: fail,
          complete: () => done(count, 0),
        });
    }),
  'node:readline': (target, request) =>
    timed((done, fail) => {
      const socket = rawSocket(target, request);
      socket.on('error', fail);
      let count = 0;
      const rl = createInterface({ input: socket, crlfDelay: Infinity });
      rl.on('line', () => count++);
      rl.on('close', () => done(count, 0));
    }),
  split2: (target, request) =>
    timed((done, fail) => {
      const socket = rawSocket(target, request);
      socket.on('error', fail);
      let count = 0;
      socket
        .pipe(split2())
        .on('data', () => count++)
        .on('end', () => done(count, 0));
    }),
  'hand-written splitter': (target, request) =>
    timed((done, fail) => {
      const socket = rawSocket(target, request);
      socket.on('error', fail);
      const decoder = new StringDecoder('utf8');
      let pending = '';
      let count = 0;
      let characters = 0;
      // Each line becomes a string handed to a consumer, as every other variant does.
      const consume = (line: string) => {
        count++;
        characters += line.length;
      };
      socket.on('data', (chunk: Buffer) => {
        const text = pending + decoder.write(chunk);
        let from = 0;
        for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', from)) {
          consume(text.slice(from, at > from && text.charCodeAt(at - 1) === 13 ? at - 1 : at));
          from = at + 1;
        }
        pending = text.slice(from);
      });
      socket.on('end', () => done(count + (pending ? 1 : 0), characters));
    }),
  'rxtls data': (target, request) =>
    timed((done, fail) => {
      let bytes = 0;
      connect({ host: '127.0.0.1', servername: 'localhost', port: target.port, ca: target.ca }).subscribe({
        next: (e) => {
          if (e.type === 'data') bytes += e.bytes.length;
          else if (e.type === 'connected') e.writer.write(request);
        },
        error: fail,
        complete: () => done(0, bytes),
      });
    }),
  'rxtls data, detectTruncation': (target, request) =>
    timed((done, fail) => {
      let bytes = 0;
      connect({ host: '127.0.0.1', servername: 'localhost', port: target.port, ca: target.ca, detectTruncation: true }).subscribe({
        next: (e) => {
          if (e.type === 'data') bytes += e.bytes.length;
          else if (e.type === 'connected') e.writer.write(request);
        },
        error: fail,
        complete: () => done(0, bytes),
      });
    }),
  'rxtls data via gateway': (target, request) =>
    timed((done, fail) => {
      let bytes = 0;
      connectWebSocket(target.gatewayUrl).subscribe({
        next: (e) => {
          if (e.type === 'data') bytes += e.bytes.length;
          else if (e.type === 'connected') e.writer.write(request);
        },
        error: fail,
        complete: () => done(0, bytes),
      });
    }),
  'raw tls socket': (target, request) =>
    timed((done, fail) => {
      const socket = rawSocket(target, request);
      socket.on('error', fail);
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('end', () => done(0, bytes));
    }),
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function startServer(cert: string, key: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(__dirname, 'server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
  child.stdin?.end(JSON.stringify({ cert, key }));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, port };
}

async function measure(target: Target, names: string[], request: string): Promise<Map<string, Result>> {
  const samples = new Map<string, Result[]>(names.map((n) => [n, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const name of names) samples.get(name)?.push(await (variants[name] as Variant)(target, request));
  }
  return new Map(
    names.map((name) => {
      const results = samples.get(name) ?? [];
      const ms = median(results.map((r) => r.ms));
      const chosen = results.find((r) => r.ms === ms) as Result;
      return [name, chosen];
    }),
  );
}

async function main(): Promise<void> {
  const pki = await createTestPki('rxtls bench CA');
  const leaf = await pki.leaf();
  const { child, port } = await startServer(leaf.cert, leaf.key);
  // The gateway runs in this process: its work and the client's share one event loop.
  let running: Subscription | undefined;
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    running = gateway({ port: 0, targets: [`localhost:${port}`], upstream: { ca: pki.ca.cert } }).subscribe({
      next: (e) => e.type === 'listening' && resolve(e.url),
      error: reject,
    });
  });
  const target: Target = { port, ca: pki.ca.cert, gatewayUrl };
  const mib = TOTAL / (1024 * 1024);
  console.log(`rxtls benchmark: ${mib} MiB per run over loopback TLS, median of ${RUNS} runs, Node ${process.version}\n`);
  try {
    const lineVariants = ['rxtls lines()', 'node:readline', 'split2', 'hand-written splitter'];
    for (const size of [40, 200]) {
      const results = await measure(target, lineVariants, `lines ${size} ${TOTAL}\n`);
      console.log(`${size}-byte lines`);
      for (const [name, r] of results) {
        console.log(
          `  ${name.padEnd(24)} ${(r.lines / (r.ms / 1000) / 1e6).toFixed(2).padStart(6)} M lines/s  ${(TOTAL / (r.ms / 1000) / 1e6).toFixed(0).padStart(5)} MB/s  (${r.lines} lines)`,
        );
      }
      const rate = (name: string) => {
        const r = results.get(name) as Result;
        return r.lines / r.ms;
      };
      const ours = rate('rxtls lines()');
      console.log(
        `  ratios: ×${(ours / rate('node:readline')).toFixed(2)} readline, ×${(ours / rate('split2')).toFixed(2)} split2, ×${(ours / rate('hand-written splitter')).toFixed(2)} hand-written\n`,
      );
    }
    const raw = await measure(
      target,
      ['rxtls data', 'rxtls data, detectTruncation', 'rxtls data via gateway', 'raw tls socket'],
      `raw ${TOTAL}\n`,
    );
    console.log('raw bytes');
    for (const [name, r] of raw)
      console.log(`  ${name.padEnd(24)} ${(r.bytes / (r.ms / 1000) / 1e6).toFixed(0).padStart(5)} MB/s  (${r.bytes} bytes)`);
    const ratio = (name: string) => ((raw.get('raw tls socket') as Result).ms / (raw.get(name) as Result).ms).toFixed(2);
    console.log(
      `  ratios to the raw socket: data ×${ratio('rxtls data')}, with detectTruncation ×${ratio('rxtls data, detectTruncation')}, through the gateway ×${ratio('rxtls data via gateway')}`,
    );
  } finally {
    running?.unsubscribe();
    child.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
