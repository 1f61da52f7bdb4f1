/**
 * The bridge's byte pipe, through a real gateway, over real sockets: every byte arrives, in order,
 * and a side that does not read stops the other side's reads instead of piling its bytes up in the
 * gateway (every buffer bounded). The WebSocket client is a plain `ws` client so that the test can
 * stop it reading.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Subscription } from 'rxjs';
import { WebSocket } from 'ws';
import { gateway, type GatewayOptions } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { eventually } from '../support/collect';

/** Far more than loopback's socket buffers hold while nobody reads, so a gateway that did not pause would take it all in. */
const TOTAL = 48 * 1024 * 1024;
const CHUNK = 64 * 1024;

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const servers: TestServer[] = [];
const running: Subscription[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const s of running.splice(0)) s.unsubscribe();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startGateway(options: Omit<GatewayOptions, 'port'>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    running.push(gateway({ port: 0, ...options }).subscribe({ next: (e) => e.type === 'listening' && resolve(e.url), error: reject }));
  });
}

function client(url: string): WebSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 });
  clients.push(ws);
  return ws;
}

/** Resolves once `value()` has not changed for `quietMs` (polled), with that value. */
async function settled(value: () => number, quietMs = 500, withinMs = 15_000): Promise<number> {
  const start = Date.now();
  let last = value();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > withinMs) throw new Error(`still changing after ${withinMs} ms (now ${value()})`);
    await new Promise((r) => setTimeout(r, 50));
    if (value() !== last) {
      last = value();
      since = Date.now();
    }
  }
  return last;
}

describe('bridge: bytes both ways, bounded', () => {
  it('stops reading the target while the client does not read, then delivers every byte in order as binary messages', async () => {
    let pumped = 0;
    const sentHash = createHash('sha256');
    const target = await startTlsServer({
      ...(await pki.leaf()),
      onConnection: (socket: TLSSocket) => {
        const pump = () => {
          while (pumped < TOTAL) {
            const chunk = randomBytes(CHUNK);
            sentHash.update(chunk);
            pumped += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
          socket.end();
        };
        pump();
      },
    });
    servers.push(target);
    const url = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert }, maxBufferedBytes: 256 * 1024 });

    const ws = client(url);
    ws.on('open', () => ws.pause()); // read nothing yet
    const receivedHash = createHash('sha256');
    let received = 0;
    let textMessages = 0;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      received += data.length;
      receivedHash.update(data);
      if (!isBinary) textMessages += 1;
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code: number) => resolve(code)));

    await eventually(() => pumped > 0, 10_000, 'the target to start streaming');
    const stalledAt = await settled(() => pumped);
    expect(stalledAt).toBeLessThan(TOTAL); // the gateway stopped reading the target
    expect(received).toBe(0);

    ws.resume();
    expect(await closed).toBe(1000);
    expect(received).toBe(TOTAL);
    expect(receivedHash.digest('hex')).toBe(sentHash.digest('hex'));
    expect(textMessages).toBe(0);
  }, 60_000);

  it('holds an upload back at the client while the target does not read (it never piles up in the gateway), then delivers it in order', async () => {
    let targetSocket: TLSSocket | undefined;
    let received = 0;
    const receivedHash = createHash('sha256');
    const target = await startTlsServer({
      ...(await pki.leaf()),
      onConnection: (socket: TLSSocket) => {
        socket.pause(); // read nothing yet
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          receivedHash.update(chunk);
        });
        targetSocket = socket;
      },
    });
    servers.push(target);
    const url = await startGateway({ targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } });

    const ws = client(url);
    const sentHash = createHash('sha256');
    await new Promise<void>((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    for (let sent = 0; sent < TOTAL; sent += CHUNK) {
      const chunk = randomBytes(CHUNK);
      sentHash.update(chunk);
      ws.send(chunk, { binary: true });
    }
    await eventually(() => targetSocket !== undefined, 10_000, 'the target connection');
    const stillQueued = await settled(() => ws.bufferedAmount);
    expect(stillQueued).toBeGreaterThan(TOTAL / 2); // the gateway stopped reading the client
    expect(received).toBe(0);

    targetSocket?.resume();
    await eventually(() => received === TOTAL, 30_000, 'the whole upload at the target');
    expect(receivedHash.digest('hex')).toBe(sentHash.digest('hex'));
  }, 60_000);
});
