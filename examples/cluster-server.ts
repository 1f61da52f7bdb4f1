/**
 * Your own server on every core: `node:cluster` forks the workers, each runs `serve` on the
 * same port, and they share one session ticket key that the primary makes and sends them over
 * the cluster's IPC channel, so that a client resumed by one worker is resumed by any other.
 * SIGTERM ends every connection gracefully and exits.
 *
 *   npx tsx examples/cluster-server.ts --port 7000 --cert FILE --key FILE [--workers N]
 *
 * Each client is greeted with the id of the process that serves it.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { NEVER, Subject, concat, of } from 'rxjs';
import { line, serve, type TicketKeys } from '../lib';

const args = process.argv.slice(2);
const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

if (cluster.isPrimary) {
  const key = randomBytes(48);
  const workers = Number(value('--workers') ?? availableParallelism());
  const fork = () => {
    const worker = cluster.fork();
    // The worker asks once it listens for the answer: a message sent before that would be lost.
    worker.on('message', (message: unknown) => message === 'ticket key?' && worker.send({ ticketKey: key.toString('base64') }));
  };
  for (let i = 0; i < workers; i++) fork();
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} died (${signal ?? code}); starting another`);
    fork();
  });
  process.once('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
} else {
  // The key arrives over IPC; the server listens once it has it.
  const ticketKeys = new Subject<TicketKeys>();
  process.on('message', (message: { ticketKey?: string }) => {
    if (message.ticketKey) ticketKeys.next(Buffer.from(message.ticketKey, 'base64'));
  });
  process.send?.('ticket key?');
  const credentials = { cert: readFileSync(value('--cert') ?? ''), key: readFileSync(value('--key') ?? '') };
  const server = serve({ port: Number(value('--port') ?? 7000), credentials, ticketKeys }, () =>
    concat(of(line(`* OK served by ${process.pid}`)), NEVER),
  ).subscribe((e) => e.type === 'listening' && console.log(`worker ${process.pid} listening on ${e.host}:${e.port}`));
  process.once('SIGTERM', () => {
    server.unsubscribe(); // no new connections; the open ones get close_notify
    cluster.worker?.disconnect(); // the IPC channel goes once they are closed, and the worker with it
  });
}
