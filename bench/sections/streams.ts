/** Shared by the throughput sections: a raw TLS socket that asks the bench server for a stream, and timing. */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { BenchContext } from '../harness';

/** A raw `node:tls` socket to the bench server that sends `request` once connected. */
export function rawStream(context: BenchContext, request: string): TLSSocket {
  const socket = tlsConnect({ host: '127.0.0.1', port: context.server.port, servername: 'localhost', ca: context.pki.ca.cert });
  socket.once('secureConnect', () => socket.write(request));
  return socket;
}

/**
 * Resolves with the milliseconds a stream took once `run` calls `done`; when given `cpu`, also
 * appends the CPU milliseconds this process spent meanwhile (user + system): on a shared machine
 * a variant's CPU cost moves far less than its wall time.
 */
export function timedStream(run: (done: () => void, fail: (e: Error) => void) => void, cpu?: number[]): Promise<number> {
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  return new Promise((resolve, reject) =>
    run(() => {
      const used = process.cpuUsage(startCpu);
      cpu?.push((used.user + used.system) / 1000);
      resolve(Number(process.hrtime.bigint() - start) / 1e6);
    }, reject),
  );
}

/** Bytes per run: BENCH_MIB (default 256) MiB, or 1 MiB in a smoke run. */
export function streamBytes(context: BenchContext): number {
  return context.smoke ? 1024 * 1024 : Number(process.env['BENCH_MIB'] ?? 256) * 1024 * 1024;
}

/** Times reading the stream `request` asks for from a raw `node:tls` socket; it must be `total` bytes. */
export function rawRead(context: BenchContext, request: string, total: number, cpu?: number[]): () => Promise<number> {
  return () =>
    timedStream((done, fail) => {
      const socket = rawStream(context, request);
      socket.on('error', fail);
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('end', () => (bytes === total ? done() : fail(new Error(`expected ${total} bytes, read ${bytes}`))));
    }, cpu);
}
