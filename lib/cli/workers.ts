/**
 * `--workers N` of `rxtls serve` and `rxtls gateway`: the command in N processes under
 * `node:cluster`, which share the listening port. The primary process only forks, watches and
 * stops: SIGTERM (or SIGINT) drains every worker gracefully, a worker that dies is replaced and
 * reported, and SIGHUP replaces the workers one by one, each new one listening before an old one
 * stops, so that the port never refuses a connection. Without `--ticket-keys` the primary makes
 * one session ticket key and hands it to every worker over the cluster's IPC channel (never in an
 * argument, the environment or a log), so that a client resumed by one worker is resumed by the
 * next.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Observable } from 'rxjs';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../defaults';
import { CLI_DEFAULTS } from './cli-defaults';

/** Whether this process is a worker of `--workers`. */
export const isWorker = (): boolean => cluster.isWorker;

const WANT_KEY = 'rxtls:want-ticket-key';
const TICKET_KEY = 'rxtls:ticket-key';

/** In a worker: the session ticket key the primary shares, asked for over IPC. */
export function sharedTicketKey(): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    const onMessage = (message: { type?: unknown; key?: unknown }) => {
      if (message?.type !== TICKET_KEY || typeof message.key !== 'string') return;
      subscriber.next(Buffer.from(message.key, 'base64'));
    };
    process.on('message', onMessage);
    process.send?.({ type: WANT_KEY });
    return () => process.off('message', onMessage);
  });
}

/**
 * In a worker, or a single process: on SIGTERM or SIGINT, `stop()` (unsubscribe the server:
 * no new connections, the open ones closed gracefully), then leave once they are gone or after
 * the shutdown timeout, whichever comes first.
 */
export function stopOnSignals(stop: () => void, shutdownTimeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): void {
  const onSignal = () => {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    stop();
    setTimeout(() => process.exit(0), shutdownTimeoutMs + CLI_DEFAULTS.workerExitMarginMs).unref();
    // A worker's IPC channel would keep it alive after its last connection. (Not
    // process.disconnect(): a worker whose channel goes without cluster's say exits at once.)
    if (process.connected) cluster.worker?.disconnect();
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
}

interface Tracked {
  readonly worker: Worker;
  retiring: boolean;
}

/**
 * The primary of `--workers count`: forks the workers (this same command line, under
 * `node:cluster`) and runs until SIGTERM or SIGINT, which it passes on and waits out; resolves
 * to the exit status. A worker that dies is replaced, unless `CLI_DEFAULTS.workerCrashLimit`
 * died within `workerCrashWindowMs`: then every worker is stopped and the status is 1.
 */
export function runPrimary(command: string, count: number, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  const key = randomBytes(48).toString('base64');
  const workers = new Set<Tracked>();
  const crashes: number[] = [];
  let stopping = false;
  let restarting = false;
  return new Promise((resolve) => {
    const stopAll = async (status: number) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGTERM', onStop).off('SIGINT', onStop).off('SIGHUP', onRestart);
      await Promise.all([...workers].map((t) => retire(t)));
      resolve(status);
    };
    const onStop = () => void stopAll(0);
    const fork = (): Tracked => {
      const tracked: Tracked = { worker: cluster.fork(), retiring: false };
      const { worker } = tracked;
      workers.add(tracked);
      worker.on('message', (message: { type?: unknown }) => {
        if (message?.type === WANT_KEY) worker.send({ type: TICKET_KEY, key });
      });
      worker.on('error', () => undefined); // an IPC write to a dying worker; its exit is what counts
      worker.on('exit', (code, signal) => {
        workers.delete(tracked);
        if (stopping || tracked.retiring) return;
        const now = Date.now();
        crashes.push(now);
        while (crashes.length > 0 && (crashes[0] as number) < now - CLI_DEFAULTS.workerCrashWindowMs) crashes.shift();
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        if (crashes.length >= CLI_DEFAULTS.workerCrashLimit) {
          stderr.write(
            `rxtls ${command}: worker ${worker.id} (pid ${worker.process.pid}) died (${how}); ${crashes.length} deaths within ${CLI_DEFAULTS.workerCrashWindowMs} ms, stopping\n`,
          );
          void stopAll(1);
          return;
        }
        const next = fork();
        stderr.write(
          `rxtls ${command}: worker ${worker.id} (pid ${worker.process.pid}) died (${how}); started worker ${next.worker.id} (pid ${next.worker.process.pid})\n`,
        );
      });
      return tracked;
    };
    const onRestart = () => {
      if (restarting || stopping) return;
      restarting = true;
      void (async () => {
        const old = [...workers];
        stderr.write(`rxtls ${command}: SIGHUP: replacing ${old.length} workers one by one\n`);
        for (const tracked of old) {
          if (stopping) break;
          const fresh = fork();
          await Promise.race([once(fresh.worker, 'listening'), once(fresh.worker, 'exit')]);
          await retire(tracked, true);
        }
        restarting = false;
        if (!stopping) stderr.write(`rxtls ${command}: every worker replaced\n`);
      })();
    };
    process.on('SIGTERM', onStop).on('SIGINT', onStop).on('SIGHUP', onRestart);
    for (let i = 0; i < count; i++) fork();
    stdout.write(`rxtls ${command}: ${count} workers (pids ${[...workers].map((t) => t.worker.process.pid).join(', ')})\n`);
  });
}

/**
 * Stops one worker gracefully (SIGTERM), killing it if it is still there after the shutdown
 * timeout and a margin. With `handOver` (a rolling restart) it first stops taking connections
 * (`worker.disconnect()`: the cluster sends new ones to the other workers) and has
 * `CLI_DEFAULTS.workerHandOverMs` to finish the handshakes and greetings already under way, so
 * that no client accepted just before is cut off.
 */
async function retire(tracked: Tracked, handOver = false): Promise<void> {
  tracked.retiring = true;
  const { worker } = tracked;
  if (worker.isDead()) return;
  const exited = once(worker, 'exit');
  if (handOver && worker.isConnected()) {
    worker.disconnect();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, CLI_DEFAULTS.workerHandOverMs))]);
    if (worker.isDead()) return;
  }
  worker.process.kill('SIGTERM');
  const timer = setTimeout(() => worker.process.kill('SIGKILL'), DEFAULT_SHUTDOWN_TIMEOUT_MS + 2 * CLI_DEFAULTS.workerExitMarginMs);
  await exited;
  clearTimeout(timer);
}
