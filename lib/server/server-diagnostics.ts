import type { Socket } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';
import { handshakeMessage, observed, publish } from '../util/diagnostics-channels';

/** Publishes a server-side handshake on `rxtls:handshake`, begun at `startedAt` (`performance.now()`). */
export function publishServerHandshake(socket: TLSSocket, startedAt: number): void {
  publish('handshake', () =>
    handshakeMessage('server', socket.remoteAddress ?? '', socket.remotePort ?? 0, startedAt, {
      protocol: socket.getProtocol() ?? '',
      cipher: socket.getCipher()?.standardName ?? '',
      resumed: socket.isSessionReused(),
    }),
  );
}

/**
 * When each handshake of `server` began: the moment its TCP connection was accepted, recorded
 * only while someone listens on `rxtls:handshake` (NaN otherwise), by the client's address and
 * port, and forgotten when the handshake ends or the connection closes.
 */
export function handshakeClock(server: Server): (socket: TLSSocket) => number {
  const began = new Map<string, number>();
  server.on('connection', (raw: Socket) => {
    if (!observed('handshake')) return;
    const key = `${raw.remoteAddress}:${raw.remotePort}`;
    began.set(key, performance.now());
    raw.once('close', () => began.delete(key));
  });
  return (socket) => {
    if (began.size === 0) return Number.NaN;
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const at = began.get(key) ?? Number.NaN;
    began.delete(key);
    return at;
  };
}
