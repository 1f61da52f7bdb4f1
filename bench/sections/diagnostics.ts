/**
 * `npm run bench -- diagnostics`: what the diagnostics channels cost. Full handshakes per second
 * (rxtls `connect()`, one after another, each in a fresh process) with the library as shipped
 * and nobody subscribed, against the same compiled library with the channels compiled out (its
 * `util/diagnostics-channels.js` replaced by one whose `publish` does nothing), and with a
 * subscriber that does nothing on every channel. Needs the compiled library (not BENCH_SOURCE=1).
 */
import { fork } from 'node:child_process';
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { interleave, ratioOf, type BenchContext, type BenchSection } from '../harness';

/** The channels module with everything it publishes removed: the baseline. */
const SILENT_CHANNELS = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DIAGNOSTICS_CHANNELS = { connect: 'rxtls:connect', handshake: 'rxtls:handshake', verdict: 'rxtls:verdict', close: 'rxtls:close', bridge: 'rxtls:gateway:bridge' };
exports.observed = () => false;
exports.publish = () => undefined;
exports.publishVerdict = () => undefined;
exports.handshakeMessage = () => undefined;
`;

function probe(library: string, context: BenchContext, count: number, subscribe: boolean): Promise<number> {
  const child = fork(join(__dirname, '..', 'handshake-probe.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, RXTLS_BENCH_LIB: library },
  });
  child.stdin?.end(JSON.stringify({ port: context.server.port, ca: context.pki.ca.cert, count, subscribe }));
  return new Promise((resolve, reject) => {
    child.once('message', (answer: { perSecond?: number; error?: string }) =>
      answer.perSecond === undefined ? reject(new Error(`handshake probe: ${answer.error}`)) : resolve(answer.perSecond),
    );
    child.once('exit', (code) => code !== 0 && reject(new Error(`handshake probe exited with ${code}`)));
  });
}

export const diagnosticsSection: BenchSection = {
  name: 'diagnostics',
  title: 'the diagnostics channels: nobody subscribed, and a subscriber on each, against the channels compiled out',
  async run(context) {
    const shipped = process.env['RXTLS_BENCH_LIB'];
    if (shipped === undefined) {
      context.log('needs the compiled library: run without BENCH_SOURCE=1');
      return [];
    }
    const silent = `${shipped}-silent-channels`;
    await rm(silent, { recursive: true, force: true });
    await cp(shipped, silent, { recursive: true });
    await writeFile(join(silent, 'util', 'diagnostics-channels.js'), SILENT_CHANNELS);
    try {
      const count = context.smoke ? 4 : 400;
      const samples = await interleave(context.runs, {
        unsubscribed: () => probe(shipped, context, count, false),
        silent: () => probe(silent, context, count, false),
        subscribed: () => probe(shipped, context, count, true),
      });
      const perSecond = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
      context.log(
        `full handshakes/s: compiled out ${perSecond(samples.silent)}; shipped, nobody subscribed ${perSecond(samples.unsubscribed)}; a subscriber on each channel ${perSecond(samples.subscribed)}`,
      );
      return [
        ratioOf('connect, nobody subscribed / channels compiled out', samples.unsubscribed, samples.silent, { atLeast: 0.98 }),
        ratioOf('connect, a subscriber on each channel / channels compiled out', samples.subscribed, samples.silent),
      ];
    } finally {
      await rm(silent, { recursive: true, force: true });
    }
  },
};
