import { createHash, randomBytes } from 'node:crypto';
import { createServer as createTcpServer, type Server } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { EMPTY, mergeMap, tap, type Observable, type Subscription } from 'rxjs';
import {
  connect,
  connectStartTls,
  connectWebSocket,
  gateway,
  handleEach,
  listen,
  type PlaintextWriter,
  type TlsReader,
  type TransportEvent,
} from '../../lib';
import { createTestPki, startTlsServer, type TestCredentials, type TestPki, type TestServer } from '../../lib/testing';
import { eventually } from '../support/collect';

/**
 * The read side over real loopback sockets: a consumer through handleEach that is stuck pauses
 * the socket — the sender's bytes pile up in its own socket (writableLength) instead of in the
 * consumer's memory — and once it catches up, every byte arrives intact and `closed` last.
 */

// Far more than the kernel buffers a paused loopback connection: the sender must be left holding most of it.
const TOTAL = 24 * 1024 * 1024;
const HIGH_WATER_MARK = 4;
// What may be delivered ahead of a stuck consumer: the held events (≤ 64 KiB each) and one chunk more.
const DELIVERED_BOUND = (HIGH_WATER_MARK + 2) * 64 * 1024;

let pki: TestPki;
let leaf: TestCredentials;
const payload = randomBytes(TOTAL);
const payloadHash = createHash('sha256').update(payload).digest('hex');

beforeAll(async () => {
  pki = await createTestPki();
  leaf = await pki.leaf();
});

const servers: TestServer[] = [];
const tcpServers: Server[] = [];
const running: Subscription[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) s.unsubscribe();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(tcpServers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A consumer stuck on its first event until `release()`, then fast; it hashes what it handled, in order. */
function stuckConsumer<E extends TransportEvent>(events$: Observable<E>, counts: (e: E) => boolean = () => true) {
  const hash = createHash('sha256');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let open = false;
  void gate.then(() => (open = true));
  const state = {
    delivered: 0,
    handled: 0,
    reader: undefined as TlsReader | undefined,
    events: [] as E[],
    completed: false,
    error: undefined as unknown,
    release,
    digest: () => hash.digest('hex'),
  };
  running.push(
    events$
      .pipe(
        tap((e) => {
          if (e.type === 'connected') state.reader = e.reader;
          if (e.type === 'data' && counts(e)) state.delivered += e.bytes.length;
        }),
        handleEach(
          (e) => {
            if (e.type !== 'data' || !counts(e)) return undefined;
            hash.update(e.bytes);
            state.handled += e.bytes.length;
            return open ? undefined : gate;
          },
          { highWaterMark: HIGH_WATER_MARK, lowWaterMark: 1 },
        ),
      )
      .subscribe({
        next: (e) => state.events.push(e),
        error: (error: unknown) => (state.error = error),
        complete: () => (state.completed = true),
      }),
  );
  return state;
}

/** Waits until `sample()` stops changing for a while: the paused pipeline has settled. */
async function settled(sample: () => number, quietMs = 400, ms = 15_000): Promise<void> {
  let last = sample();
  let since = Date.now();
  const start = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > ms) throw new Error(`still changing after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
    const now = sample();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** What a stuck consumer must show: the sender holds most of the bytes, little reached the consumer. */
async function expectPausedThenComplete(
  consumer: ReturnType<typeof stuckConsumer>,
  senderPending: () => number,
  senderWriteReturnedFalse: () => boolean,
) {
  await eventually(() => consumer.delivered > 0, 10_000, 'the first bytes');
  await settled(() => consumer.delivered);
  expect(consumer.reader?.paused).toBe(true);
  expect(consumer.delivered).toBeLessThanOrEqual(DELIVERED_BOUND);
  expect(senderWriteReturnedFalse()).toBe(true);
  expect(senderPending()).toBeGreaterThan(TOTAL / 2);
  expect(consumer.completed).toBe(false);

  consumer.release();
  await eventually(() => consumer.completed || consumer.error !== undefined, 30_000, 'completion');
  expect(consumer.error).toBeUndefined();
  expect(consumer.handled).toBe(TOTAL);
  expect(consumer.digest()).toBe(payloadHash);
  const last = consumer.events[consumer.events.length - 1];
  expect(last).toMatchObject({ type: 'closed', by: 'peer' });
}

describe('handleEach over real sockets: a stuck consumer pauses the socket, the peer holds the bytes', () => {
  it('connect: the TLS server is left holding the bytes; all arrive intact, then closed', async () => {
    let serverSocket: TLSSocket | undefined;
    let writeReturned = true;
    const server = await startTlsServer({
      ...leaf,
      onConnection: (socket) => {
        serverSocket = socket;
        writeReturned = socket.write(payload);
        socket.end();
      },
    });
    servers.push(server);
    const consumer = stuckConsumer(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }));
    await expectPausedThenComplete(
      consumer,
      () => serverSocket?.writableLength ?? 0,
      () => !writeReturned,
    );
  });

  it('connect: a paused connection that is unsubscribed is destroyed as usual', async () => {
    let serverSawClose = false;
    const server = await startTlsServer({
      ...leaf,
      onConnection: (socket) => {
        socket.on('error', () => undefined);
        socket.on('close', () => (serverSawClose = true));
        socket.write(payload);
      },
    });
    servers.push(server);
    const consumer = stuckConsumer(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }));
    await eventually(() => consumer.reader?.paused === true, 10_000, 'the pause');
    for (const s of running.splice(0)) s.unsubscribe();
    await eventually(() => serverSawClose, 5000, 'the server to see the connection close');
  });

  it('listen: a server connection pauses; the client is left holding the bytes', async () => {
    let clientWriteReturned = true;
    const consumers: Array<ReturnType<typeof stuckConsumer>> = [];
    const port = await new Promise<number>((resolve, reject) => {
      running.push(
        listen({ credentials: leaf })
          .pipe(
            mergeMap((e) => {
              if (e.type === 'listening') resolve(e.port);
              if (e.type === 'connection') consumers.push(stuckConsumer(e.events));
              return EMPTY;
            }),
          )
          .subscribe({ error: reject }),
      );
    });
    const client = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.cert });
    client.on('error', () => undefined);
    client.once('secureConnect', () => {
      clientWriteReturned = client.write(payload);
      client.end();
    });
    try {
      await eventually(() => consumers.length === 1, 10_000, 'the connection');
      await expectPausedThenComplete(
        consumers[0] as ReturnType<typeof stuckConsumer>,
        () => client.writableLength,
        () => !clientWriteReturned,
      );
    } finally {
      client.destroy();
    }
  });

  it('connectStartTls: the plaintext reader, then the TLS one after the upgrade; the server is left holding the bytes', async () => {
    let secureSocket: TLSSocket | undefined;
    let writeReturned = true;
    const server = createTcpServer((raw) => {
      raw.on('error', () => undefined);
      raw.write('220 ready\r\n');
      raw.once('data', () => {
        raw.write('220 go ahead\r\n');
        const secure = new TLSSocket(raw, { isServer: true, cert: leaf.cert, key: leaf.key });
        secure.on('error', () => undefined);
        secure.once('secure', () => {
          secureSocket = secure;
          writeReturned = secure.write(payload);
          secure.end();
        });
      });
    });
    tcpServers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    let secure = false;
    let writer: PlaintextWriter | undefined;
    let plaintextReader: TlsReader | undefined;
    const events$ = connectStartTls({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
      tap((e) => {
        if (e.type === 'plaintext') {
          ({ writer, reader: plaintextReader } = e);
          e.writer.write('STARTTLS\r\n');
        } else if (e.type === 'data' && !secure && e.bytes.toString().includes('220 go ahead')) writer?.startTls();
        else if (e.type === 'connected') secure = true;
      }),
    );
    const consumer = stuckConsumer(events$, () => secure);
    await eventually(() => secure, 10_000, 'the upgrade');
    expect(plaintextReader?.pausable).toBe(true);
    expect(consumer.reader).not.toBe(plaintextReader);
    await expectPausedThenComplete(
      consumer,
      () => secureSocket?.writableLength ?? 0,
      () => !writeReturned,
    );
  });

  it('connectWebSocket (Node) through the gateway: the WebSocket pauses, and the TLS service is left holding the bytes', async () => {
    let serviceSocket: TLSSocket | undefined;
    let writeReturned = true;
    const service = await startTlsServer({
      ...leaf,
      onConnection: (socket) => {
        serviceSocket = socket;
        writeReturned = socket.write(payload);
        socket.end();
      },
    });
    servers.push(service);
    const gatewayPort = await new Promise<number>((resolve, reject) => {
      running.push(
        gateway({ port: 0, targets: [`localhost:${service.port}`], upstream: { ca: pki.ca.cert } }).subscribe({
          next: (e) => e.type === 'listening' && resolve(e.port),
          error: reject,
        }),
      );
    });
    const consumer = stuckConsumer(connectWebSocket(`ws://127.0.0.1:${gatewayPort}/`));
    await eventually(() => consumer.reader !== undefined, 10_000, 'the WebSocket to open');
    expect(consumer.reader?.pausable).toBe(true);
    await expectPausedThenComplete(
      consumer,
      () => serviceSocket?.writableLength ?? 0,
      () => !writeReturned,
    );
  });
});
