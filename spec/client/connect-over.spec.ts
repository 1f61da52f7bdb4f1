import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createServer, connect as tcpConnect, Socket, type AddressInfo, type Server } from 'node:net';
import { TLSSocket, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { filter, firstValueFrom, take } from 'rxjs';
import { connect, connectOver, InvalidOptionError, type ConnectEvent } from '../../lib';
import { createTestPki, type TestCredentials, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

let pki: TestPki;
let leaf: TestCredentials;
const cleanups: (() => void)[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  leaf = await pki.leaf();
});
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/**
 * FTP's active mode in miniature: we listen on a port chosen at run time, the "server" connects to
 * us and then acts as the TLS *server* on that connection. Resolves with our accepted socket and
 * the remote TLS server side, which records what it received.
 */
async function acceptedFrom(
  credentials: TestCredentials,
  greeting?: string,
): Promise<{ socket: Socket; peer: TLSSocket; received: Buffer[] }> {
  const listener: Server = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const raw = tcpConnect((listener.address() as AddressInfo).port, '127.0.0.1');
  const peer = new TLSSocket(raw, { isServer: true, key: credentials.key, cert: credentials.cert });
  const received: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => received.push(chunk));
  peer.on('error', () => undefined);
  if (greeting !== undefined) peer.once('secure', () => peer.write(greeting));
  const [socket] = await accepted;
  listener.close();
  cleanups.push(() => {
    peer.destroy();
    socket.destroy();
  });
  return { socket, peer, received };
}

describe('connectOver: a TLS client on an accepted socket', () => {
  it('verifies the peer, then reads and writes, and ends with a clean close', async () => {
    const { socket, peer, received } = await acceptedFrom(leaf, 'hello from the side that connected\n');
    peer.on('data', () => peer.end('bye\n'));
    const events: ConnectEvent[] = [];
    const done = new Promise<void>((resolve, reject) =>
      connectOver(socket, { servername: 'localhost', ca: pki.ca.cert }).subscribe({
        next: (event) => {
          events.push(event);
          if (event.type === 'connected') event.writer.write('hi from the side that accepted\n');
        },
        complete: resolve,
        error: reject,
      }),
    );
    await done;
    expect(events.map((e) => e.type)).toEqual(['connected', 'data', 'data', 'closed']);
    const connected = events[0];
    expect(connected?.type === 'connected' && connected.peer.subject).toBe('CN=localhost');
    expect(events.filter((e) => e.type === 'data').map((e) => e.type === 'data' && e.bytes.toString())).toEqual([
      'hello from the side that connected\n',
      'bye\n',
    ]);
    expect(Buffer.concat(received).toString()).toBe('hi from the side that accepted\n');
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'peer', clean: true });
  });

  it('checks the certificate against servername, with every problem listed, before reading or writing a byte', async () => {
    const { socket, received } = await acceptedFrom(await pki.selfSigned({ names: ['other.test'] }), 'must never be delivered\n');
    const { events, error } = await collect(connectOver(socket, { servername: 'localhost', ca: pki.ca.cert }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const failed = events[0];
    expect(failed?.type === 'certFailed' && failed.errors.map((e) => e.code)).toEqual([
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]);
    expect(received).toEqual([]);
  });

  it('resumes a session from an earlier connection to the same server, judged as it was then', async () => {
    const server: TlsServer = createTlsServer({ key: leaf.key, cert: leaf.cert }, (s) => s.end('x'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    let ticket: Buffer | undefined;
    const first = await collect(connect({ host: '127.0.0.1', port, ca: pki.ca.cert }));
    const firstConnected = first.events[0];
    if (firstConnected?.type === 'connected') ticket = firstConnected.session.ticket();
    expect(ticket).toBeInstanceOf(Buffer);
    const raw = tcpConnect(port, '127.0.0.1');
    await once(raw, 'connect');
    cleanups.push(() => raw.destroy());
    const connected = await firstValueFrom(
      connectOver(raw, { servername: '127.0.0.1', ca: pki.ca.cert, session: ticket }).pipe(
        filter((e) => e.type === 'connected'),
        take(1),
      ),
    );
    expect(connected.session.resumed).toBe(true);
    expect(connected.peer.subject).toBe('CN=localhost');
  });

  it('a peer that never answers the handshake is a timeout naming handshakeTimeout', async () => {
    let remoteClosed = false;
    const listener = createServer((s) => s.on('close', () => (remoteClosed = true)).resume()); // accepts, says nothing
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    cleanups.push(() => listener.close());
    const raw = tcpConnect((listener.address() as AddressInfo).port, '127.0.0.1');
    await once(raw, 'connect');
    const { error } = await collect(connectOver(raw, { servername: 'localhost', ca: pki.ca.cert, handshakeTimeout: 200 }));
    expect(error?.code).toBe('ERR_RXTLS_HANDSHAKE_TIMEOUT');
    const port = (listener.address() as AddressInfo).port;
    expect(error?.message).toBe(`127.0.0.1:${port}: TLS handshake did not finish within 200 ms (option handshakeTimeout)`);
    // The TLS socket took over the TCP handle and closed it: the other end sees the close.
    await eventually(() => remoteClosed, 2000, 'the peer to see the connection close');
  });

  it('unsubscribing closes the connection', async () => {
    const { socket, peer } = await acceptedFrom(leaf);
    let remoteClosed = false;
    peer.on('close', () => (remoteClosed = true));
    const subscription = connectOver(socket, { servername: 'localhost', ca: pki.ca.cert }).subscribe();
    await new Promise((r) => setTimeout(r, 50));
    expect(remoteClosed).toBe(false);
    subscription.unsubscribe();
    await eventually(() => remoteClosed, 2000, 'the peer to see the connection close');
  });

  it('bad input is an InvalidOptionError naming the option: no socket, a closed one, a second use, no servername', async () => {
    const option = async (source: ReturnType<typeof connectOver>) => {
      const { error } = await collect(source);
      expect(error).toBeInstanceOf(InvalidOptionError);
      return [(error as InvalidOptionError).option, error?.message];
    };
    expect(await option(connectOver(new PassThrough() as unknown as Socket, { servername: 'localhost' }))).toEqual([
      'socket',
      'option "socket" must be a connected net.Socket (got an object)',
    ]);
    const { socket } = await acceptedFrom(leaf);
    expect(await option(connectOver(socket, { servername: '' }))).toEqual([
      'servername',
      'option "servername" is required: the name the certificate must show (got "")',
    ]);
    socket.destroy();
    const [name, message] = await option(connectOver(socket, { servername: 'localhost', ca: pki.ca.cert }));
    expect(name).toBe('socket');
    expect(message).toMatch(/^option "socket" is already closed/);
    const { socket: fresh } = await acceptedFrom(leaf);
    const twice$ = connectOver(fresh, { servername: 'localhost', ca: pki.ca.cert });
    const first = twice$.subscribe();
    cleanups.push(() => first.unsubscribe());
    expect((await option(twice$))[1]).toMatch(/^option "socket" was already used by an earlier subscription/);
  });
});
