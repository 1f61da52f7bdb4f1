/**
 * `npm run bench -- lines`: `lines()` against the hand-written splitter, `node:readline` and
 * split2, on 40- and 200-byte lines streamed over loopback TLS. Every variant counts lines as
 * they reach a consumer, as strings.
 */
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import split2 from 'split2';
import { interleave, median, ratioOf, type BenchContext, type BenchSection, type Ratio } from '../harness';
import { rawStream, streamBytes, timedStream } from './streams';
import { rxtls } from '../rxtls';

const { connect, lines } = rxtls;

/** CPU milliseconds of each variant's runs, in run order. */
type CpuSamples = Record<'rxtls lines()' | 'node:readline' | 'split2' | 'hand-written splitter', number[]>;

function variants(context: BenchContext, request: string, expected: number, cpu: CpuSamples) {
  const check = (count: number) => {
    if (count !== expected) throw new Error(`expected ${expected} lines, counted ${count}`);
  };
  return {
    'rxtls lines()': () =>
      timedStream((done, fail) => {
        let count = 0;
        connect({ host: '127.0.0.1', servername: 'localhost', port: context.server.port, ca: context.pki.ca.cert })
          .pipe(lines())
          .subscribe({
            next: (e) => {
              if (e.type === 'line') count++;
              else if (e.type === 'connected') e.writer.write(request);
            },
            error: fail,
            complete: () => (check(count), done()),
          });
      }, cpu['rxtls lines()']),
    'node:readline': () =>
      timedStream((done, fail) => {
        const socket = rawStream(context, request);
        socket.on('error', fail);
        let count = 0;
        const rl = createInterface({ input: socket, crlfDelay: Infinity });
        rl.on('line', () => count++);
        rl.on('close', () => (check(count), done()));
      }, cpu['node:readline']),
    split2: () =>
      timedStream((done, fail) => {
        const socket = rawStream(context, request);
        socket.on('error', fail);
        let count = 0;
        socket
          .pipe(split2())
          .on('data', () => count++)
          .on('end', () => (check(count), done()));
      }, cpu.split2),
    'hand-written splitter': () =>
      timedStream((done, fail) => {
        const socket = rawStream(context, request);
        socket.on('error', fail);
        const decoder = new StringDecoder('utf8');
        let pending = '';
        let count = 0;
        // Each line becomes a string handed to a consumer, as every other variant does.
        const consume = (line: string) => {
          count += line.length >= 0 ? 1 : 0;
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
        socket.on('end', () => (check(count + (pending ? 1 : 0)), done()));
      }, cpu['hand-written splitter']),
  };
}

export const linesSection: BenchSection = {
  name: 'lines',
  title: 'lines() against hand-written, readline and split2 splitters',
  async run(context) {
    const total = streamBytes(context);
    const ratios: Ratio[] = [];
    for (const size of [40, 200]) {
      const expected = Math.floor(total / size) + (total % size ? 1 : 0);
      const cpu: CpuSamples = { 'rxtls lines()': [], 'node:readline': [], split2: [], 'hand-written splitter': [] };
      const ms = await interleave(context.runs, variants(context, `lines ${size} ${total}\n`, expected, cpu));
      const rate = (samples: number[]) => samples.map((m) => expected / (m / 1000));
      for (const [name, samples] of Object.entries(ms)) {
        context.log(`${size}-byte lines, ${name.padEnd(22)} ${(median(rate(samples)) / 1e6).toFixed(2)} M lines/s`);
      }
      const ours = rate(ms['rxtls lines()']);
      ratios.push(
        ratioOf(`lines() / hand-written splitter, ${size}-byte lines`, ours, rate(ms['hand-written splitter']), {
          atLeast: size === 40 ? 1.0 : 0.9,
        }),
        ratioOf(`lines() / node:readline, ${size}-byte lines`, ours, rate(ms['node:readline']), { atLeast: 1.6 }),
        ratioOf(`lines() / split2, ${size}-byte lines`, ours, rate(ms.split2), { atLeast: 1.6 }),
        // The same, as lines per CPU-second of this process (the TLS server runs in another).
        ratioOf(`CPU: lines() / hand-written splitter, ${size}-byte lines`, rate(cpu['rxtls lines()']), rate(cpu['hand-written splitter'])),
        ratioOf(`CPU: lines() / node:readline, ${size}-byte lines`, rate(cpu['rxtls lines()']), rate(cpu['node:readline'])),
        ratioOf(`CPU: lines() / split2, ${size}-byte lines`, rate(cpu['rxtls lines()']), rate(cpu.split2)),
      );
    }
    return ratios;
  },
};
