/**
 * The load generator of the server-side handshake and memory benches, in its own process so that
 * the server measured does not share its event loop. Waits for `{ port, ca, count, inFlight }`
 * over IPC, makes that many full handshakes with raw `node:tls` (a shared SecureContext), each
 * closed as soon as it is established, and answers `{ ms, cpuMs }` (wall and its own CPU time) or
 * `{ error }`. With `hold: true` it keeps the connections open, idle, until it gets
 * `{ release: true }`, and answers `{ ms, cpuMs }` again once they are all closed.
 */
import { once } from 'node:events';
import { connect, createSecureContext, type TLSSocket } from 'node:tls';

interface Job {
  readonly port: number;
  readonly ca: string;
  readonly count: number;
  readonly inFlight: number;
  readonly hold?: boolean;
}

const held: TLSSocket[] = [];

function handshake(port: number, secureContext: ReturnType<typeof createSecureContext>, hold: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext }, () => {
      if (hold) held.push(socket);
      else socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

/** Runs `work` and answers the wall time and this process's CPU time it took. */
async function timed(work: () => Promise<unknown>): Promise<Timing> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 };
}

function run(job: Job): Promise<Timing> {
  const secureContext = createSecureContext({ ca: job.ca });
  let started = 0;
  const lane = async () => {
    while (started < job.count) {
      started++;
      await handshake(job.port, secureContext, job.hold === true);
    }
  };
  return timed(() => Promise.all(Array.from({ length: job.inFlight }, lane)));
}

function release(): Promise<Timing> {
  return timed(() => Promise.all(held.splice(0).map((socket) => (socket.destroy(), once(socket, 'close')))));
}

process.on('message', (job: Job | { release: true }) => {
  ('release' in job ? release() : run(job)).then(
    (timing) => process.send?.(timing),
    (error: unknown) => process.send?.({ error: (error as Error).message }),
  );
});
process.on('disconnect', () => process.exit(0));
