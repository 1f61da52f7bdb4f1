import { spawn, type ChildProcess } from 'node:child_process';
import { describeWithPeer, freePort } from './peers';

/** Specs that drive the `openssl` command-line tool. */
export function describeWithOpenssl(name: string, body: () => void): void {
  describeWithPeer(name, { command: 'openssl', versionArgs: ['version'], aptPackage: 'openssl' }, body);
}

/** A running openssl process whose output is collected. */
export interface OpensslProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** Stops it by its PID and waits for it to exit. */
  stop(): Promise<void>;
  /**
   * Resolves with everything it printed once it exited by itself and its output was read, or
   * rejects after `ms`. Unlike waitFor, safe for lines of stderr that precede one of stdout.
   */
  finished(ms?: number): Promise<string>;
}

export function runOpenssl(args: readonly string[]): OpensslProcess {
  const child = spawn('openssl', [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // 'close' comes after 'exit', once stdout and stderr are drained.
  const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    output: () => text,
    waitFor: (pattern, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`openssl ${args.join(' ')}: no ${String(pattern)} within ${ms} ms; output:\n${text}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            cleanup();
            if (pattern.test(text)) resolve();
            else reject(new Error(`openssl ${args.join(' ')} exited without ${String(pattern)}; output:\n${text}`));
          }
        });
        check();
      }),
    finished: (ms = 10_000) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`openssl ${args.join(' ')} still running after ${ms} ms; output:\n${text}`)), ms);
      });
      return Promise.race([drained.then(() => text), late]).finally(() => clearTimeout(timer));
    },
    stop: async () => {
      try {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      } catch (error) {
        // Gone already: it exited by itself, and Node has not told us yet.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      await exited;
    },
  };
}

/** `openssl s_server -accept PORT -naccept 1 …args` on a free port, once it accepts. */
export async function runSServer(args: readonly string[]): Promise<{ port: number; server: OpensslProcess }> {
  const port = await freePort();
  const server = runOpenssl(['s_server', '-accept', String(port), '-naccept', '1', ...args]);
  try {
    await server.waitFor(/ACCEPT/);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { port, server };
}
