/**
 * `npm run bench -- handshakes`: TLS 1.3 handshakes per second, rxtls against raw `node:tls`
 * with a shared SecureContext, verification on in every variant, each connection closed as soon
 * as it is established. Client side against the bench server (its own process): full handshakes
 * one after another and 32 in flight, and resumed ones (a session ticket of an earlier
 * connection). Server side: `listen` against `tls.createServer`, each in this process, loaded by
 * bench/handshake-client.ts in another.
 */
import { once } from 'node:events';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';
import type { Subscription } from 'rxjs';
import { forkBench, interleave, ratioOf, type BenchContext, type BenchSection, type Ratio } from '../harness';
import { rxtls } from '../rxtls';
import { rawTlsServer, rxtlsServer } from '../servers';
import type { ConnectOptions } from '../../lib';

const { connect } = rxtls;

const IN_FLIGHT = 32;

/** Handshakes per second of `count` handshakes made by `handshake`, `inFlight` at a time. */
async function rate(count: number, inFlight: number, handshake: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      await handshake();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function rawHandshake(port: number, secureContext: SecureContext, session?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', secureContext, ...(session && { session }) }, () => {
      if (session && !socket.isSessionReused()) reject(new Error('raw: the session was not resumed'));
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

function rxtlsHandshake(options: ConnectOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const subscription: Subscription = connect(options).subscribe({
      next: (e) => {
        if (e.type === 'connected') {
          if (options.session && !e.session.resumed) reject(new Error('rxtls: the session was not resumed'));
          resolve();
          queueMicrotask(() => subscription.unsubscribe());
        } else if (e.type === 'certFailed') reject(new Error(`rxtls: ${e.reason}`));
      },
      error: reject,
    });
  });
}

/** A session ticket from a first connection, for resumed handshakes. */
async function ticketOf(port: number, secureContext: SecureContext): Promise<Buffer> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
  socket.on('error', () => undefined);
  const [ticket] = (await once(socket, 'session')) as [Buffer];
  socket.destroy();
  return ticket;
}

async function rxtlsTicket(options: ConnectOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const subscription: Subscription = connect(options).subscribe({
      next: (e) => {
        if (e.type !== 'connected') return;
        const poll = setInterval(() => {
          const ticket = e.session.ticket();
          if (ticket) {
            clearInterval(poll);
            subscription.unsubscribe();
            resolve(ticket);
          }
        }, 1);
      },
      error: reject,
    });
  });
}

/** Runs `job` on the load generator and resolves with handshakes per second. */
function generate(generator: ReturnType<typeof forkBench>, port: number, ca: string, count: number, inFlight: number): Promise<number> {
  return new Promise((resolve, reject) => {
    generator.once('message', (answer: { ms?: number; error?: string }) => {
      if (answer.error !== undefined || answer.ms === undefined) reject(new Error(`load generator: ${answer.error}`));
      else resolve(count / (answer.ms / 1000));
    });
    generator.send({ port, ca, count, inFlight });
  });
}

async function serverSide(context: BenchContext, count: number): Promise<Ratio[]> {
  const { cert, key } = context.leaf;
  const raw = await rawTlsServer(cert, key);
  const ours = await rxtlsServer(cert, key);
  const generator = forkBench('handshake-client.ts');
  try {
    const ca = context.pki.ca.cert;
    const samples = await interleave(context.runs, {
      rxtls: () => generate(generator, ours.port, ca, count, IN_FLIGHT),
      raw: () => generate(generator, raw.port, ca, count, IN_FLIGHT),
    });
    context.log(`server, ${IN_FLIGHT} in flight: raw ${samples.raw.map((v) => v.toFixed(0)).join(', ')} /s`);
    return [ratioOf(`listen / tls.createServer, full handshakes, ${IN_FLIGHT} in flight`, samples.rxtls, samples.raw, { atLeast: 0.9 })];
  } finally {
    generator.kill();
    ours.stop();
    raw.stop();
  }
}

export const handshakesSection: BenchSection = {
  name: 'handshakes',
  title: 'TLS 1.3 handshakes per second against raw node:tls with a shared SecureContext',
  async run(context) {
    const count = context.smoke ? 4 : 400;
    const { port } = context.server;
    const ca = context.pki.ca.cert;
    const secureContext = createSecureContext({ ca });
    const options: ConnectOptions = { host: '127.0.0.1', port, servername: 'localhost', ca };
    const rawTicket = await ticketOf(port, secureContext);
    const ourTicket = await rxtlsTicket(options);
    const samples = await interleave(context.runs, {
      rxtls: () => rate(count, 1, () => rxtlsHandshake(options)),
      raw: () => rate(count, 1, () => rawHandshake(port, secureContext)),
      rxtlsParallel: () => rate(count, IN_FLIGHT, () => rxtlsHandshake(options)),
      rawParallel: () => rate(count, IN_FLIGHT, () => rawHandshake(port, secureContext)),
      rxtlsResumed: () => rate(count, 1, () => rxtlsHandshake({ ...options, session: ourTicket })),
      rawResumed: () => rate(count, 1, () => rawHandshake(port, secureContext, rawTicket)),
    });
    const perSecond = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    context.log(`client, sequential: raw ${perSecond(samples.raw)} /s, rxtls ${perSecond(samples.rxtls)} /s`);
    context.log(`client, ${IN_FLIGHT} in flight: raw ${perSecond(samples.rawParallel)} /s, rxtls ${perSecond(samples.rxtlsParallel)} /s`);
    context.log(`client, resumed: raw ${perSecond(samples.rawResumed)} /s, rxtls ${perSecond(samples.rxtlsResumed)} /s`);
    return [
      ratioOf('connect / tls.connect, full handshakes, sequential', samples.rxtls, samples.raw, { atLeast: 0.9 }),
      ratioOf(`connect / tls.connect, full handshakes, ${IN_FLIGHT} in flight`, samples.rxtlsParallel, samples.rawParallel, {
        atLeast: 0.9,
      }),
      ratioOf('connect / tls.connect, resumed handshakes, sequential', samples.rxtlsResumed, samples.rawResumed, { atLeast: 0.95 }),
      ...(await serverSide(context, count)),
    ];
  },
};
