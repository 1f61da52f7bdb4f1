import { setImmediate as tick } from 'node:timers/promises';
import type { TLSSocket } from 'node:tls';
import { filter, map, takeWhile } from 'rxjs';
import { connect, converse, frames, lengthField, lengthPrefixed, type Dialogue, type FramedEvent, type FrameEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

/** The frames the server sends: empty, with zero bytes and CRLF in them, and one larger than a TLS record. */
const bodies = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([0, 13, 10, 0, 255]), Buffer.alloc(40_000, 0x61), Buffer.from('bye')];

/** Writes `bytes` in pieces of odd sizes, each its own TLS record. */
async function writeOddly(socket: TLSSocket, bytes: Buffer): Promise<void> {
  const sizes = [1, 3, 7, 2, 13, 1, 4099, 5];
  for (let pos = 0, i = 0; pos < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    socket.write(bytes.subarray(pos, pos + size));
    pos += size;
    await tick();
  }
}

describe('frames() over real TLS', () => {
  let pki: TestPki;
  let server: TestServer;
  /** The replies the server received, parsed by hand: 2-byte big-endian lengths. */
  const replies: string[] = [];

  beforeAll(async () => {
    pki = await createTestPki();
    server = await startTlsServer({
      ...(await pki.leaf()),
      onConnection: (socket) => {
        let pending = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
            replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)).toString('latin1'));
            pending = pending.subarray(2 + pending.readUInt16BE(0));
          }
        });
        void writeOddly(socket, Buffer.concat(bodies.map((body) => lengthPrefixed(body, { lengthSize: 2 }))));
      },
    });
  });
  afterAll(() => server.close());

  it('cuts frames written in odd chunk sizes, and a dialogue answers each with lengthPrefixed', async () => {
    // Answer every frame with its length, until "bye": then finish, which closes gracefully.
    const answer: Dialogue<FramedEvent> = (events$) =>
      events$.pipe(
        filter((e): e is FrameEvent => e.type === 'frame'),
        takeWhile((e) => e.bytes.toString() !== 'bye', true),
        map((e) => lengthPrefixed(Buffer.from(`got ${e.bytes.length}`), { lengthSize: 2 })),
      );
    const { events, error } = await collect(
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(frames(lengthField({ lengthSize: 2 })), converse(answer)),
    );
    expect(error).toBeUndefined();
    const received = events.filter((e): e is FrameEvent => e.type === 'frame').map((e) => e.bytes.toString('hex'));
    expect(received).toEqual(bodies.map((body) => body.toString('hex')));
    expect(events.map((e) => e.type).filter((t) => t !== 'frame')).toEqual(['connected', 'closed']);
    await eventually(() => replies.length >= 5, 5000, 'the replies');
    expect(replies).toEqual(['got 5', 'got 0', 'got 5', 'got 40000', 'got 3']);
  });
});
