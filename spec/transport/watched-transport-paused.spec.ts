/**
 * detectTruncation with a consumer that pauses the connection (handleEach, the gateway): every
 * byte the server sent before its close_notify arrives, and the close is clean — TCP's end
 * waiting behind unread data is not taken for a truncation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lastValueFrom, tap, timer, toArray } from 'rxjs';
import { connect, handleEach, type ClosedEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';

let pki: TestPki;
let server: TestServer | undefined;
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

it.each([
  ['a slow consumer through handleEach', 1],
  ['a consumer that stalls on every 8th chunk', 8],
])(
  'delivers everything to %s, and a clean close',
  async (_name, every) => {
    const payload = randomBytes(4 * 1024 * 1024);
    server = await startTlsServer({ ...(await pki.leaf()), onConnection: (socket) => socket.once('data', () => socket.end(payload)) });
    const received: Buffer[] = [];
    let chunks = 0;
    const events = await lastValueFrom(
      connect({ host: server.host, port: server.port, servername: 'localhost', ca: pki.ca.cert, detectTruncation: true }).pipe(
        tap((e) => e.type === 'connected' && e.writer.write('go\n')),
        handleEach(
          (e) => {
            if (e.type !== 'data') return undefined;
            received.push(e.bytes);
            return ++chunks % every === 0 ? timer(2) : undefined;
          },
          { highWaterMark: 2 },
        ),
        toArray(),
      ),
    );
    const closed = events.at(-1) as ClosedEvent;
    expect(closed.type).toBe('closed');
    expect(closed.error).toBeUndefined();
    expect(closed).toMatchObject({ by: 'peer', clean: true });
    expect(sha256(Buffer.concat(received))).toBe(sha256(payload));
  },
  60_000,
);
