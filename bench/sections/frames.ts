/**
 * `npm run bench -- frames`: `frames(lengthField())` against a hand-written length-prefix
 * splitter on `socket.on('data')`, on 64-byte frames (4-byte big-endian length, then the body)
 * streamed over loopback TLS. Both hand each frame's body to a consumer as a Buffer.
 */
import { interleave, median, ratioOf, type BenchContext, type BenchSection } from '../harness';
import { rawStream, streamBytes, timedStream } from './streams';
import { rxtls } from '../rxtls';

const { connect, frames, lengthField } = rxtls;

/** CPU milliseconds of each variant's runs, in run order. */
type CpuSamples = Record<'rxtls frames()' | 'hand-written splitter', number[]>;

/** The bound both variants enforce: the library's default. */
const MAX_FRAME_LENGTH = rxtls.DEFAULT_MAX_FRAME_LENGTH;

function variants(context: BenchContext, request: string, expected: number, cpu: CpuSamples) {
  const check = (count: number) => {
    if (count !== expected) throw new Error(`expected ${expected} frames, counted ${count}`);
  };
  return {
    'rxtls frames()': () =>
      timedStream((done, fail) => {
        let count = 0;
        connect({ host: '127.0.0.1', servername: 'localhost', port: context.server.port, ca: context.pki.ca.cert })
          .pipe(frames(lengthField({ lengthSize: 4 })))
          .subscribe({
            next: (e) => {
              if (e.type === 'frame') count += e.bytes.length >= 0 ? 1 : 0;
              else if (e.type === 'connected') e.writer.write(request);
            },
            error: fail,
            complete: () => (check(count), done()),
          });
      }, cpu['rxtls frames()']),
    // What a competent engineer writes: a view of what is left over, joined with the next chunk,
    // frames handed out as views, and the same bound.
    'hand-written splitter': () =>
      timedStream((done, fail) => {
        const socket = rawStream(context, request);
        socket.on('error', fail);
        let pending: Buffer | undefined;
        let count = 0;
        const consume = (frame: Buffer) => {
          count += frame.length >= 0 ? 1 : 0;
        };
        socket.on('data', (chunk: Buffer) => {
          const buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
          let pos = 0;
          while (buffer.length - pos >= 4) {
            const length = buffer.readUInt32BE(pos);
            if (length > MAX_FRAME_LENGTH) return void socket.destroy(new Error('frame too long'));
            if (buffer.length - pos - 4 < length) break;
            consume(buffer.subarray(pos + 4, pos + 4 + length));
            pos += 4 + length;
          }
          pending = pos < buffer.length ? buffer.subarray(pos) : undefined;
        });
        socket.on('end', () => (check(count), done()));
      }, cpu['hand-written splitter']),
  };
}

export const framesSection: BenchSection = {
  name: 'frames',
  title: 'frames(lengthField()) against a hand-written length-prefix splitter',
  async run(context) {
    const total = streamBytes(context);
    const size = 64;
    const expected = Math.floor(total / (4 + size));
    const cpu: CpuSamples = { 'rxtls frames()': [], 'hand-written splitter': [] };
    const ms = await interleave(context.runs, variants(context, `frames ${size} ${total}\n`, expected, cpu));
    const rate = (samples: number[]) => samples.map((m) => expected / (m / 1000));
    for (const [name, samples] of Object.entries(ms))
      context.log(`${size}-byte frames, ${name.padEnd(22)} ${(median(rate(samples)) / 1e6).toFixed(2)} M frames/s`);
    return [
      ratioOf(`frames() / hand-written splitter, ${size}-byte frames`, rate(ms['rxtls frames()']), rate(ms['hand-written splitter']), {
        atLeast: 0.9,
      }),
      // The same, as frames per CPU-second of this process (the TLS server runs in another).
      ratioOf(
        `CPU: frames() / hand-written splitter, ${size}-byte frames`,
        rate(cpu['rxtls frames()']),
        rate(cpu['hand-written splitter']),
      ),
    ];
  },
};
