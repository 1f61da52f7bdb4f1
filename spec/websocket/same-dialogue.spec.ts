import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { filter, firstValueFrom, map, mergeMap, toArray, type Observable, type Subscription } from 'rxjs';
import { connect, connectWebSocket, converse, gateway, line, lines, type WebSocketEvent } from '../../lib';
import { connectWebSocket as connectWebSocketInBrowser, type WebSocketConstructor } from '../../lib/browser';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { client, EXPECTED, GREETING, respond } from '../support/same-dialogue';

/** Runs the dialogue over any transport; what the client heard, in order. */
const heard = (events$: Observable<WebSocketEvent>) =>
  firstValueFrom(
    events$.pipe(
      lines(),
      converse(client),
      filter((e) => e.type === 'line'),
      map((e) => e.text),
      toArray(),
    ),
  );

let pki: TestPki;
let server: TestServer;
const running: Subscription[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  server = await startTlsServer({
    ...(await pki.leaf()),
    dialogue: (events$) =>
      events$.pipe(mergeMap((e) => (e.type === 'connected' ? [GREETING] : e.type === 'line' ? respond(e.text) : []).map(line))),
  });
});
afterAll(async () => {
  for (const s of running.splice(0)) s.unsubscribe();
  await server.close();
});

describe('one dialogue, three transports, one result', () => {
  it('over connect() (TLS)', async () => {
    expect(await heard(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }))).toEqual(EXPECTED);
  });

  it('over connectWebSocket() through the gateway to the same TLS server', async () => {
    const url = await new Promise<string>((resolve, reject) =>
      running.push(
        gateway({ port: 0, targets: [`localhost:${server.port}`], upstream: { ca: pki.ca.cert } }).subscribe({
          next: (e) => e.type === 'listening' && resolve(e.url),
          error: reject,
        }),
      ),
    );
    expect(await heard(connectWebSocket(url))).toEqual(EXPECTED);
  });

  it('over the browser build’s connectWebSocket() and a mock-socket server answering with the same function', async () => {
    const url = 'ws://127.0.0.1:47999/';
    const mock = new Server(url);
    mock.on('connection', (socket) => {
      const send = (text: string) => socket.send(new TextEncoder().encode(`${text}\r\n`).buffer);
      send(GREETING);
      // The client's lines may arrive in any chunking; frame them as a server would.
      let pending = '';
      socket.on('message', (data) => {
        pending += typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8');
        let cut: number;
        while ((cut = pending.indexOf('\r\n')) >= 0) {
          respond(pending.slice(0, cut)).forEach(send);
          pending = pending.slice(cut + 2);
        }
      });
    });
    try {
      expect(await heard(connectWebSocketInBrowser(url, { WebSocket: MockWebSocket as unknown as WebSocketConstructor }))).toEqual(
        EXPECTED,
      );
    } finally {
      mock.stop();
    }
  });
});
