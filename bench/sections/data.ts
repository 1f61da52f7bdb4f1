/**
 * `npm run bench -- data`: raw `data` events, with and without `detectTruncation`, against the
 * raw socket; and `node:tls` over each of the transports that `detectTruncation` can use.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { WatchedTransport } from '../../lib/transport/watched-transport';
import { interleave, ratioOf, type BenchContext, type BenchSection } from '../harness';
import { rawRead, streamBytes, timedStream } from './streams';
import { compiled, rxtls } from '../rxtls';

const { connect } = rxtls;
const { watchedConnection, watchedTransport } = compiled(
  'transport/watched-transport',
) as typeof import('../../lib/transport/watched-transport');

type Variant = 'data' | 'truncation' | 'raw' | 'overTransport' | 'overConnection';

function rxtlsData(context: BenchContext, request: string, total: number, detectTruncation: boolean, cpu: number[]) {
  return () =>
    timedStream((done, fail) => {
      let bytes = 0;
      connect({
        host: '127.0.0.1',
        servername: 'localhost',
        port: context.server.port,
        ca: context.pki.ca.cert,
        detectTruncation,
      }).subscribe({
        next: (e) => {
          if (e.type === 'data') bytes += e.bytes.length;
          else if (e.type === 'connected') e.writer.write(request);
        },
        error: fail,
        complete: () => (bytes === total ? done() : fail(new Error(`expected ${total} bytes, read ${bytes}`))),
      });
    }, cpu);
}

/** A raw `node:tls` socket over a watched transport, read to its end as the raw socket is. */
function overWatched(context: BenchContext, request: string, total: number, open: () => WatchedTransport, cpu: number[]) {
  return () =>
    timedStream((done, fail) => {
      const transport = open();
      const socket = tlsConnect({ socket: transport.duplex, servername: 'localhost', ca: context.pki.ca.cert });
      socket.once('secureConnect', () => socket.write(request));
      socket.on('error', fail);
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('end', () => (bytes === total ? done() : fail(new Error(`expected ${total} bytes, read ${bytes}`))));
    }, cpu);
}

export const dataSection: BenchSection = {
  name: 'data',
  title: 'data events against the raw node:tls socket',
  async run(context) {
    const total = streamBytes(context);
    const request = `raw ${total}\n`;
    const tcp = { host: '127.0.0.1', port: context.server.port };
    const cpu: Record<Variant, number[]> = { data: [], truncation: [], raw: [], overTransport: [], overConnection: [] };
    const ms = await interleave<Variant>(context.runs, {
      data: rxtlsData(context, request, total, false, cpu.data),
      truncation: rxtlsData(context, request, total, true, cpu.truncation),
      raw: rawRead(context, request, total, cpu.raw),
      overTransport: overWatched(context, request, total, () => watchedTransport(netConnect(tcp)), cpu.overTransport),
      overConnection: overWatched(context, request, total, () => watchedConnection(tcp), cpu.overConnection),
    });
    const mbps = (samples: number[]) => samples.map((m) => total / (m / 1000) / 1e6);
    context.log(
      `raw socket ${mbps(ms.raw)
        .map((v) => v.toFixed(0))
        .join(', ')} MB/s`,
    );
    return [
      ratioOf('data / raw socket', mbps(ms.data), mbps(ms.raw), { atLeast: 0.97 }),
      ratioOf('data with detectTruncation / raw socket', mbps(ms.truncation), mbps(ms.raw), { atLeast: 0.85 }),
      ratioOf('node:tls over watchedTransport(socket) / raw socket', mbps(ms.overTransport), mbps(ms.raw)),
      ratioOf('node:tls over watchedConnection() / raw socket', mbps(ms.overConnection), mbps(ms.raw)),
      // The same, as bytes per CPU-second of this process (the TLS server runs in another).
      ratioOf('CPU: data / raw socket', mbps(cpu.data), mbps(cpu.raw)),
      ratioOf('CPU: data with detectTruncation / raw socket', mbps(cpu.truncation), mbps(cpu.raw)),
      ratioOf('CPU: node:tls over watchedTransport(socket) / raw socket', mbps(cpu.overTransport), mbps(cpu.raw)),
      ratioOf('CPU: node:tls over watchedConnection() / raw socket', mbps(cpu.overConnection), mbps(cpu.raw)),
    ];
  },
};
