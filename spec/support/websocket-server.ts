import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TestCredentials } from '../../lib/testing';

/** A `ws` server on 127.0.0.1 (wss: with `tls`), counting the upgrade requests that reached it. */
export interface TestWebSocketServer {
  readonly port: number;
  /** HTTP upgrade requests received: 0 proves a client sent nothing. */
  readonly upgrades: () => number;
  close(): Promise<void>;
}

export async function startWebSocketServer(options: {
  tls?: TestCredentials;
  maxPayload?: number;
  onConnection: (socket: WebSocket, request: IncomingMessage) => void;
}): Promise<TestWebSocketServer> {
  const http: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  let upgrades = 0;
  http.on('upgrade', () => (upgrades += 1));
  const wss = new WebSocketServer({ server: http, ...(options.maxPayload && { maxPayload: options.maxPayload }) });
  wss.on('connection', options.onConnection);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    upgrades: () => upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
