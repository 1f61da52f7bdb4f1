import type { Server, Socket } from 'node:net';
import { TransportError } from '../errors';

/** Where a server listens, and how long its connections have to close when it stops. */
export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly shutdownTimeout: number;
}

/** What a listener reports: where it listens (the port picked, for port 0), or why it cannot. */
export interface ListenerEvents {
  listening(port: number): void;
  failed(error: TransportError): void;
}

/**
 * How the connections still open when a server stops are closed: `end` ends each (close_notify
 * first, on TLS sockets) and destroys those still open after `shutdownTimeout`; `linger` leaves
 * them to close themselves (the protocol above says goodbye) and destroys them after it; `destroy`
 * destroys them at once.
 */
export type StopMode = 'end' | 'linger' | 'destroy';

/** A listening server's connections, and how to stop it. */
export interface Listener {
  /** Adds a connection to close when the server stops; it leaves the set when it closes. */
  track(socket: Socket): void;
  /** Connections tracked and open now. */
  readonly openConnections: number;
  /** Connections tracked since the server started. */
  readonly acceptedConnections: number;
  /** Stops accepting and closes the open connections as `mode` says; resolves once the port is released. */
  stop(mode: StopMode): Promise<void>;
}

/**
 * The skeleton every rxtls server shares (`listen`, `listenStartTls`, the gateway, the test
 * servers): listens on `options.host`/`options.port`, reports `listening` with the port
 * actually bound or fails with a {@link TransportError} naming the address, tracks the
 * connections the server hands it, and stops by closing them within `shutdownTimeout`.
 * `what` names the server in its errors ("cannot listen", "the gateway cannot listen").
 */
export function startListener(server: Server, options: ListenerOptions, events: ListenerEvents, what = 'cannot listen'): Listener {
  const sockets = new Set<Socket>();
  let accepted = 0;
  // One listener function for every socket (Node calls it with the socket as `this`), not a closure each.
  function untrack(this: Socket) {
    sockets.delete(this);
  }
  server.on('error', (error: NodeJS.ErrnoException) => {
    events.failed(
      new TransportError(error.code ?? 'ERR_RXTLS_LISTEN', options.host, options.port, `${what}: ${error.message}`, { cause: error }),
    );
  });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    events.listening(typeof address === 'object' && address ? address.port : options.port);
  });
  return {
    track(socket) {
      accepted += 1;
      sockets.add(socket);
      socket.on('close', untrack);
    },
    get openConnections() {
      return sockets.size;
    },
    get acceptedConnections() {
      return accepted;
    },
    stop(mode) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) {
        if (mode === 'destroy') {
          socket.destroy();
          continue;
        }
        if (mode === 'end') socket.end();
        const timer = setTimeout(() => socket.destroy(), options.shutdownTimeout);
        socket.once('close', () => clearTimeout(timer));
      }
      return closed;
    },
  };
}
