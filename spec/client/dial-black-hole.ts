import { spawn } from 'node:child_process';
import { connect as tcpConnect, type Socket } from 'node:net';

/** An address:port that takes no connection: SYNs to it are never answered. */
export interface BlackHole {
  readonly host: string;
  readonly port: number;
  /** Closes the fillers and kills the listener by its PID. */
  stop(): Promise<void>;
}

// A listener with a backlog of 1 whose process never accepts (its event loop is blocked): once
// the fillers occupy the accept queue, Linux (and gVisor) drop further SYNs to it, so a connection
// attempt there neither succeeds nor fails until the client gives up — what a broken route does,
// without touching the machine's network: only a loopback address and a port of our own.
const LISTENER = `
const [host, port] = process.argv.slice(1);
const server = require('node:net').createServer().listen({ host, port: Number(port), backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
});
server.on('error', (e) => { process.stderr.write(e.code + '\\n'); process.exit(1); });
`;

/** Starts a black hole on `host` (an address of the loopback interface), on `port` or any free one. */
export async function startBlackHole(host: string, port = 0): Promise<BlackHole> {
  const child = spawn(process.execPath, ['-e', LISTENER, host, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bound = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (text: Buffer) => resolve(Number(String(text).trim())));
    child.stderr.once('data', (text: Buffer) => reject(new Error(`black hole on ${host}:${port}: ${String(text).trim()}`)));
  });
  const fillers: Socket[] = [];
  const stop = async () => {
    fillers.forEach((f) => f.destroy());
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  // Fill the accept queue: connect until one attempt stays unanswered.
  for (let i = 0; i < 8; i++) {
    const filler = tcpConnect({ host, port: bound });
    filler.on('error', () => undefined);
    fillers.push(filler);
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      filler.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!answered) return { host, port: bound, stop };
  }
  await stop();
  throw new Error(`could not fill the accept queue of ${host}:${bound}`);
}
