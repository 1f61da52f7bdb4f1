import { connect as tcpConnect, type Socket } from 'node:net';
import { filter, map, NEVER, type Subscription } from 'rxjs';
import { match } from 'ts-pattern';
import { connect, line, lines, LineTooLongError, serve, type Dialogue, type ServeEvent, type ServerEvent } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startServer } from '../support/servers';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
const running: Subscription[] = [];
const rawClients: Socket[] = [];
afterEach(() => {
  running.splice(0).forEach((s) => s.unsubscribe());
  rawClients.splice(0).forEach((s) => s.destroy());
});

/** A server whose dialogue greets, counting the connections that reached it. */
async function countingServer(options: Partial<Parameters<typeof serve>[0]> = {}, dialogue?: Dialogue) {
  const seen: ServerEvent[] = [];
  let dialogues = 0;
  const greet: Dialogue = (events$) => {
    dialogues += 1;
    return dialogue ? dialogue(events$) : [line('* OK served')];
  };
  const port = await startServer(serve({ credentials: await pki.leaf(), ...options }, greet), running, seen);
  return { port, seen, dialogues: () => dialogues };
}

/** A raw TCP client, destroyed after the test; resolves once connected, with its port. */
async function tcpClient(port: number): Promise<{ socket: Socket; localPort: number | undefined }> {
  const socket = tcpConnect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  rawClients.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, localPort: socket.localPort };
}

/** What a client of `port` saw: whether any line reached it. */
async function linesSeen(port: number, extra: Partial<Parameters<typeof connect>[0]> = {}): Promise<string[]> {
  const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert, ...extra }).pipe(lines()));
  return events.flatMap((e) => (e.type === 'line' ? [e.text] : []));
}

const ofType = <T extends ServerEvent['type']>(seen: ServerEvent[], type: T) =>
  seen.filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);

describe('serve() surfaces the clients it refused', () => {
  it('mutual TLS, no client certificate: clientRejected with every reason and the peer; the dialogue never runs', async () => {
    const server = await countingServer({ requestCert: true, ca: pki.ca.cert });
    expect(await linesSeen(server.port)).toEqual([]);
    await eventually(() => ofType(server.seen, 'clientRejected').length === 1, 5000, 'the rejection to be reported');
    const [rejected] = ofType(server.seen, 'clientRejected');
    expect(rejected).toMatchObject({ type: 'clientRejected', remoteAddress: '127.0.0.1', reason: 'the client presented no certificate' });
    expect(rejected?.remotePort).toBeGreaterThan(0);
    expect(rejected?.errors.map((e) => e.code)).toEqual(['NO_PEER_CERTIFICATE']);
    expect(rejected?.peerSaw).toBe('close-after-handshake'); // a TLS 1.3 client, judged by the server
    expect(rejected?.peer.remoteAddress).toBe('127.0.0.1');
    expect(server.dialogues()).toBe(0);
    // The same server lets a client with a good certificate through to the dialogue.
    const client = await pki.client();
    expect(await linesSeen(server.port, { cert: client.cert, key: client.key })).toEqual(['* OK served']);
    expect(server.dialogues()).toBe(1);
    expect(ofType(server.seen, 'clientRejected')).toHaveLength(1);
  });

  it('mutual TLS, a certificate from an unknown CA: clientRejected names the problem and the certificate', async () => {
    const server = await countingServer({ requestCert: true, ca: pki.ca.cert });
    const stranger = await (await pki.otherAuthority()).issue({ usage: 'client', names: ['intruder'] });
    expect(await linesSeen(server.port, { cert: stranger.cert, key: stranger.key })).toEqual([]);
    await eventually(() => ofType(server.seen, 'clientRejected').length === 1, 5000, 'the rejection to be reported');
    const [rejected] = ofType(server.seen, 'clientRejected');
    expect(rejected?.peer.subject).toBe('CN=intruder');
    expect(rejected?.errors[0]?.code).toMatch(/UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/);
    expect(rejected?.reason).toBe(rejected?.errors.map((e) => e.reason).join('; '));
    expect(server.dialogues()).toBe(0);
  });

  it('a client that never finishes its handshake: clientError with its address and port; the dialogue never runs', async () => {
    const server = await countingServer({ handshakeTimeout: 300 });
    const stalled = await tcpClient(server.port);
    expect(stalled.localPort).toBeGreaterThan(0);
    await eventually(() => ofType(server.seen, 'clientError').length === 1, 5000, 'the timeout to be reported');
    expect(ofType(server.seen, 'clientError')[0]).toMatchObject({
      code: 'ERR_RXTLS_HANDSHAKE_TIMEOUT',
      remoteAddress: '127.0.0.1',
      remotePort: stalled.localPort,
    });
    expect(server.dialogues()).toBe(0);
  });

  it('a client that sends garbage instead of a ClientHello: clientError with its address and port; the dialogue never runs', async () => {
    const server = await countingServer();
    const garbage = await tcpClient(server.port);
    garbage.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => ofType(server.seen, 'clientError').length === 1, 5000, 'the garbage to be reported');
    expect(ofType(server.seen, 'clientError')[0]).toMatchObject({
      code: expect.stringMatching(/^ERR_SSL_/) as unknown,
      remoteAddress: '127.0.0.1',
      remotePort: garbage.localPort,
    });
    expect(server.dialogues()).toBe(0);
  });

  it('a verified client cut off for a line past lines.maxLength: connectionFailed with the LineTooLongError', async () => {
    const server = await countingServer({ lines: { maxLength: 64 } }, () => NEVER);
    await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(
        map((e) => {
          if (e.type === 'connected') e.writer.write('x'.repeat(200));
          return e;
        }),
      ),
    );
    await eventually(() => ofType(server.seen, 'connectionFailed').length === 1, 5000, 'the failure to be reported');
    const [failed] = ofType(server.seen, 'connectionFailed');
    expect(failed?.error).toBeInstanceOf(LineTooLongError);
    expect(failed).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: expect.any(Number) as unknown });
  });

  it('a dialogue that fails: connectionFailed with its error, and the server keeps serving', async () => {
    const broken = new Error('the dialogue broke');
    const server = await countingServer({}, (events$) =>
      events$.pipe(
        filter((e) => e.type === 'line'),
        map(() => {
          throw broken;
        }),
      ),
    );
    await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(
        map((e) => {
          if (e.type === 'connected') e.writer.write('hello\r\n');
          return e;
        }),
      ),
    );
    await eventually(() => ofType(server.seen, 'connectionFailed').length === 1, 5000, 'the failure to be reported');
    expect(ofType(server.seen, 'connectionFailed')[0]?.error).toBe(broken);
    running.push(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).subscribe());
    await eventually(() => server.dialogues() === 2, 5000, 'the next client to reach the dialogue');
  });

  it('a connection that goes well is not reported, and every event matches exhaustively', async () => {
    const server = await countingServer();
    expect(await linesSeen(server.port)).toEqual(['* OK served']);
    // ServeEvent holds exactly what serve emits: four arms, no dead one (tsc checks exhaustive()).
    const describe = (e: ServeEvent): string =>
      match(e)
        .with({ type: 'listening' }, ({ port }) => `listening on ${port}`)
        .with({ type: 'clientError' }, ({ code }) => `dropped: ${code}`)
        .with({ type: 'clientRejected' }, ({ reason }) => `refused: ${reason}`)
        .with({ type: 'connectionFailed' }, ({ error }) => `cut off: ${error.message}`)
        .exhaustive();
    expect((server.seen as ServeEvent[]).map(describe)).toEqual([`listening on ${server.port}`]);
  });
});
