import { Socket } from 'node:net';
import { Observable, defer } from 'rxjs';
import { InvalidOptionError } from '../errors';
import type { ConnectEvent } from '../events';
import { verify } from '../operators/verify';
import { resolveClient } from './connect';
import type { ConnectOptions } from './connect-options';
import { openTls } from './open-tls';

/**
 * Options of {@link connectOver}: those of {@link connect} but the ones that open the TCP
 * connection (`host`, `port`, `connectTimeout`), and a required `servername` — the name the
 * peer's certificate must show, since an accepted socket has no host name to check it against.
 *
 * @example
 * ```ts
 * import { strict, type ConnectOverOptions } from 'rxtls';
 * const options: ConnectOverOptions = { servername: 'ftp.example.com', verify: strict(), handshakeTimeout: 5000 };
 * ```
 */
export interface ConnectOverOptions extends Omit<ConnectOptions, 'host' | 'port' | 'servername' | 'connectTimeout'> {
  /** The name the server's certificate must show (and sent as SNI unless it is an IP address). */
  readonly servername: string;
}

/** Sockets a `connectOver` subscription took: a TCP connection carries one TLS session, once. */
const taken = new WeakSet<Socket>();

/**
 * Runs the TLS *client* handshake over a TCP socket that is already connected — typically one a
 * server of yours accepted, as in FTP's active mode (`PORT`/`EPRT`), where the server connects to
 * the client and the client still speaks TLS first (RFC 4217). It emits exactly what
 * {@link connect} emits: the peer is verified with `options.verify` (default {@link strict})
 * against `options.servername` before any byte is read from the socket or written to it;
 * `connected` brings the writer, `closed` is last. Unsubscribing destroys the socket.
 *
 * The socket belongs to the subscription from then on; a second subscription to the same socket
 * is an `InvalidOptionError` (option `socket`), as is a socket that is already closed.
 *
 * Informally: `subscribe → connected, data*, closed | certFailed, closed | error`.
 *
 * @param socket A connected `net.Socket`, not yet read from.
 * @param options The verification and TLS options; `servername` is required.
 * @returns A cold Observable of the connection's events; subscribe once.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:net';
 * import { connectOver } from 'rxtls';
 *
 * // Listen on a port chosen at run time; whoever connects gets a verified TLS client.
 * const server = createServer((socket) => {
 *   connectOver(socket, { servername: 'ftp.example.com' }).subscribe((event) => console.log(event.type));
 * });
 * server.listen(0, '127.0.0.1', () => console.log('listening on', server.address()));
 * ```
 * @see {@link connect}
 * @see {@link connectStartTls}
 */
export function connectOver(socket: Socket, options: ConnectOverOptions): Observable<ConnectEvent> {
  return defer(() => {
    if (!(socket instanceof Socket)) throw new InvalidOptionError('socket', socket, 'must be a connected net.Socket');
    if (socket.destroyed || !socket.readable || !socket.writable)
      throw new InvalidOptionError('socket', `${socket.remoteAddress}:${socket.remotePort}`, 'is already closed');
    if (taken.has(socket))
      throw new InvalidOptionError(
        'socket',
        `${socket.remoteAddress}:${socket.remotePort}`,
        'was already used by an earlier subscription (one TLS session a connection)',
      );
    if (options === null || typeof options !== 'object')
      throw new InvalidOptionError('options', options, 'must be an object with servername');
    if (typeof options.servername !== 'string' || options.servername === '')
      throw new InvalidOptionError('servername', options.servername, 'is required: the name the certificate must show');
    const { policy, resolved } = resolveClient({
      ...options,
      // Errors name the peer by the socket's address; the certificate is checked against servername.
      host: socket.remoteAddress ?? options.servername,
      port: socket.remotePort ?? 1,
    });
    taken.add(socket);
    return openTls(resolved, socket).pipe(verify(policy));
  });
}
