import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_LISTEN_HOST, DEFAULT_MAX_PENDING_WRITE_BYTES } from '../defaults';
import { converse, type Dialogue } from '../operators/converse';
import { lines, type LinesOptions } from '../operators/lines';
import { acceptedConnection } from '../server/accepted-connection';
import { startListener, type Listener } from '../server/listener';

/**
 * A server started for a test, on 127.0.0.1 and an ephemeral port.
 *
 * @example
 * ```ts
 * import { createTestPki, startTlsServer } from 'rxtls/testing';
 * const server = await startTlsServer({ ...(await (await createTestPki()).leaf()), echo: true });
 * console.log(server.port, server.openConnections());
 * await server.close();
 * ```
 */
export interface TestServer {
  /** Always the loopback address. */
  readonly host: '127.0.0.1';
  /** The port the server listens on. */
  readonly port: number;
  /** Connections currently open. */
  openConnections(): number;
  /** Connections accepted so far (TCP, whether or not the handshake finished). */
  acceptedConnections(): number;
  /** Connections that were accepted and have closed since. */
  closedConnections(): number;
  /** Destroys every open connection and stops listening. */
  close(): Promise<void>;
}

/**
 * What a {@link startTlsServer} does with each connection.
 *
 * @example
 * ```ts
 * import { line } from 'rxtls';
 * import { createTestPki, startTlsServer } from 'rxtls/testing';
 * const credentials = await (await createTestPki()).leaf();
 * await startTlsServer({ ...credentials, dialogue: () => [line('* OK ready')] });
 * ```
 */
export interface TlsServerBehaviour extends TlsOptions {
  /** Certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** Private key (PEM). */
  readonly key: string | Buffer;
  /** Text written as soon as the handshake finished. */
  readonly greeting?: string;
  /** Write back every byte received. */
  readonly echo?: boolean;
  /** Anything else: called with each verified socket. */
  readonly onConnection?: (socket: TLSSocket) => void;
  /**
   * Run this dialogue on each connection, over `lines()`: it sees `connected`, `line` and
   * `closed` events and returns what to write, as with `converse`.
   */
  readonly dialogue?: Dialogue;
  /** Options of the `lines()` framing a `dialogue` sees. */
  readonly lines?: LinesOptions;
  /** Port to listen on; default 0 (ephemeral). */
  readonly port?: number;
}

/**
 * Starts a real `node:tls` server on 127.0.0.1 for integration tests: it greets, echoes, runs
 * a dialogue (the same `converse` dialogues clients use), or runs your handler. Pair it with
 * {@link createTestPki}.
 *
 * @example
 * ```ts
 * import { createTestPki, startTlsServer } from 'rxtls/testing';
 * import { connect } from 'rxtls';
 *
 * const pki = await createTestPki();
 * const server = await startTlsServer({ ...(await pki.leaf()), greeting: '* OK ready\r\n' });
 * connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).subscribe(console.log);
 * // … later
 * await server.close();
 * ```
 */
export async function startTlsServer(behaviour: TlsServerBehaviour): Promise<TestServer> {
  const { greeting, echo, onConnection, dialogue, lines: linesOptions, port, ...tlsOptions } = behaviour;
  const server = createServer(tlsOptions, (socket) => {
    socket.on('error', () => undefined);
    if (greeting !== undefined) socket.write(greeting);
    if (echo) socket.on('data', (bytes: Buffer) => socket.write(bytes));
    onConnection?.(socket);
    if (dialogue) {
      const limits = {
        maxPendingWriteBytes: DEFAULT_MAX_PENDING_WRITE_BYTES,
        closeTimeout: DEFAULT_CLOSE_TIMEOUT_MS,
        host: socket.remoteAddress ?? '',
        port: socket.remotePort ?? 0,
      };
      acceptedConnection(socket, limits)
        .pipe(lines(linesOptions), converse(dialogue))
        .subscribe({ error: () => socket.destroy() });
    }
  });
  // A client that fails the handshake (for instance by rejecting our certificate) is not a server error.
  server.on('tlsClientError', () => undefined);
  return listen(server, port ?? 0);
}

/**
 * Starts a TCP server on 127.0.0.1 that accepts connections and never says anything: the
 * peer a handshake timeout is for.
 *
 * @example
 * ```ts
 * import { startSilentServer } from 'rxtls/testing';
 * import { connect } from 'rxtls';
 * const silent = await startSilentServer();
 * connect({ host: '127.0.0.1', port: silent.port, handshakeTimeout: 200 }).subscribe({ error: (e) => console.log(e.code) }); // ERR_RXTLS_HANDSHAKE_TIMEOUT
 * ```
 */
export async function startSilentServer(): Promise<TestServer> {
  // It reads and discards what it is sent, so that it notices when the client goes away.
  return listen(
    createTcpServer((socket) => socket.resume()),
    0,
  );
}

async function listen(server: Server | TcpServer, port: number): Promise<TestServer> {
  let closed = 0;
  const listening = new Promise<{ port: number; listener: Listener }>((resolve, reject) => {
    const listener = startListener(
      server,
      { host: DEFAULT_LISTEN_HOST, port, shutdownTimeout: 0 },
      { listening: (bound) => resolve({ port: bound, listener }), failed: reject },
      'the test server cannot listen',
    );
    server.on('connection', (socket: Socket) => {
      socket.on('error', () => undefined);
      socket.once('close', () => (closed += 1));
      listener.track(socket);
    });
  });
  const { port: bound, listener } = await listening;
  return {
    host: DEFAULT_LISTEN_HOST,
    port: bound,
    openConnections: () => listener.openConnections,
    acceptedConnections: () => listener.acceptedConnections,
    closedConnections: () => closed,
    close: () => listener.stop('destroy'),
  };
}
