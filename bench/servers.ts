/**
 * The two servers the server-side sections compare, each on a free loopback port: raw
 * `tls.createServer` and rxtls `listen` (whichever build bench/rxtls.ts loads), every
 * connection read and its errors ignored.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';
import type { Subscription } from 'rxjs';
import { rxtls } from './rxtls';

export interface BenchServer {
  readonly port: number;
  readonly stop: () => void;
}

const ignore = () => undefined;

export async function rawTlsServer(cert: string, key: string): Promise<BenchServer> {
  const server = createServer({ cert, key }, (socket) => socket.on('error', ignore).on('data', ignore));
  server.on('tlsClientError', ignore);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, stop: () => server.close() };
}

export async function rxtlsServer(cert: string, key: string): Promise<BenchServer> {
  let running: Subscription | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    running = rxtls.listen({ host: '127.0.0.1', port: 0, credentials: { cert, key } }).subscribe({
      next: (e) => {
        if (e.type === 'listening') resolve(e.port);
        else if (e.type === 'connection') e.events.subscribe({ error: ignore });
      },
      error: reject,
    });
  });
  return { port, stop: () => running?.unsubscribe() };
}
