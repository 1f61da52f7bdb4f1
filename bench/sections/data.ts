/** `npm run bench -- data`: raw `data` events, with and without `detectTruncation`, against the raw socket. */
import { interleave, ratioOf, type BenchContext, type BenchSection } from '../harness';
import { rawStream, streamBytes, timedStream } from './streams';
import { rxtls } from '../rxtls';

const { connect } = rxtls;

function rxtlsData(context: BenchContext, request: string, total: number, detectTruncation: boolean) {
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
    });
}

export const dataSection: BenchSection = {
  name: 'data',
  title: 'data events against the raw node:tls socket',
  async run(context) {
    const total = streamBytes(context);
    const request = `raw ${total}\n`;
    const ms = await interleave(context.runs, {
      data: rxtlsData(context, request, total, false),
      truncation: rxtlsData(context, request, total, true),
      raw: () =>
        timedStream((done, fail) => {
          const socket = rawStream(context, request);
          socket.on('error', fail);
          let bytes = 0;
          socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
          socket.on('end', () => (bytes === total ? done() : fail(new Error(`expected ${total} bytes, read ${bytes}`))));
        }),
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
    ];
  },
};
