import { createHash, randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createTestPki, startTlsServer, type TestPki } from '../../lib/testing';
import { watchedConnection, watchedTransport, type WatchedTransport } from '../../lib/transport/watched-transport';
import { startTruncatingProxy } from '../support/truncating-proxy';

let pki: TestPki;
const servers: Array<{ close(): Promise<void> }> = [];
const sockets: TLSSocket[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The two ways in: over a socket opened by the caller (STARTTLS), or over one it opens itself. */
const ways: Array<[string, (port: number) => WatchedTransport]> = [
  ['watchedTransport(socket)', (port) => watchedTransport(netConnect({ host: '127.0.0.1', port }))],
  ['watchedConnection(options)', (port) => watchedConnection({ host: '127.0.0.1', port })],
];

/** TLS over the watched transport, verified against the test CA. */
function tlsOver(transport: WatchedTransport): TLSSocket {
  const socket = tlsConnect({ socket: transport.duplex, servername: 'localhost', ca: pki.ca.cert });
  sockets.push(socket);
  transport.carry(socket);
  return socket;
}

/**
 * A server that sends `payload` to each client once it sent a line, then ends with close_notify;
 * `piece` sends it that many bytes at a time, one write a turn of the event loop, so that the
 * client's TCP reads are small too; `end = false` leaves the connection open after it.
 */
async function sendingServer(payload: Buffer, piece = payload.length, end = true): Promise<number> {
  const server = await startTlsServer({
    ...(await pki.leaf()),
    onConnection: (socket) =>
      socket.once('data', () => {
        let sent = 0;
        const next = () => {
          if (sent + piece >= payload.length) {
            if (end) socket.end(payload.subarray(sent));
            else socket.write(payload.subarray(sent));
            return;
          }
          socket.write(payload.subarray(sent, (sent += piece)));
          setImmediate(next);
        };
        next();
      }),
  });
  servers.push(server);
  return server.port;
}

/**
 * Reads until TLS ends, or until `until` bytes came; `slow` pauses the TLS socket now and then,
 * so that TCP reads pile up below it.
 */
function readAll(
  socket: TLSSocket,
  transport: WatchedTransport,
  slow: boolean,
  until = Infinity,
): Promise<{ bytes: Buffer; tcpEndedFirst: boolean; mostQueued: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let mostQueued = 0;
    let count = 0;
    socket.once('secureConnect', () => socket.write('go\n'));
    let length = 0;
    const done = () => resolve({ bytes: Buffer.concat(chunks), tcpEndedFirst: transport.transportEnded(), mostQueued });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if ((length += chunk.length) >= until) done();
      mostQueued = Math.max(mostQueued, transport.duplex.readableLength);
      if (slow && ++count % 8 === 0) {
        socket.pause();
        setTimeout(() => socket.resume(), 5);
      }
    });
    socket.on('error', reject);
    socket.on('end', done);
  });
}

describe.each(ways)('%s', (_name, open) => {
  it('carries 8 MiB intact and reports a close_notify as no TCP end first', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const transport = open(await sendingServer(payload));
    const read = await readAll(tlsOver(transport), transport, false);
    expect(read.bytes.length).toBe(payload.length);
    expect(sha256(read.bytes)).toBe(sha256(payload));
    expect(read.tcpEndedFirst).toBe(false);
  });

  it('carries 8 MiB intact to a consumer that keeps pausing, while reads queue below TLS', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const transport = open(await sendingServer(payload));
    const read = await readAll(tlsOver(transport), transport, true);
    // The reads did queue in the duplex (so a reused read buffer would have been overwritten under them).
    expect(read.mostQueued).toBeGreaterThan(0);
    expect(sha256(read.bytes)).toBe(sha256(payload));
    expect(read.tcpEndedFirst).toBe(false);
  });

  it('carries small reads intact to a consumer that keeps pausing, while many queue below TLS', async () => {
    const payload = randomBytes(2 * 1024 * 1024);
    // The connection stays open: the test is the buffers under queued reads, not the close.
    const transport = open(await sendingServer(payload, 1024, false));
    const read = await readAll(tlsOver(transport), transport, true, payload.length);
    expect(read.mostQueued).toBeGreaterThan(0);
    expect(sha256(read.bytes)).toBe(sha256(payload));
  });

  it('reports a bare TCP FIN (truncation) as TCP ended first', async () => {
    const server = await startTlsServer({ ...(await pki.leaf()), greeting: 'partial data\r\n' });
    servers.push(server);
    const proxy = await startTruncatingProxy(server.port, 150);
    servers.push(proxy);
    const transport = open(proxy.port);
    const read = await readAll(tlsOver(transport), transport, false);
    expect(read.bytes.toString()).toBe('partial data\r\n');
    expect(read.tcpEndedFirst).toBe(true);
  });

  it('hands a TCP error to the TLS socket, and exposes the TCP socket', async () => {
    const server = await startTlsServer({ ...(await pki.leaf()) });
    const closedPort = server.port;
    await server.close();
    const transport = open(closedPort);
    const socket = tlsOver(transport);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    expect(error.code).toBe('ECONNREFUSED');
    expect(transport.tcp.destroyed).toBe(true);
  });
});
