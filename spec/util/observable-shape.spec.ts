import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import * as rxjs from 'rxjs';
import * as rxjsCopy from 'rxjs-copy';
import * as rxjs8 from 'rxjs-8';
import { connect, converse, line, lines, serve, WriteBufferFullError, type Dialogue, type ServerEvent } from '../../lib';
import { isObservableLike } from '../../lib/util/observable-shape';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

/** The same RxJS surface from three places: ours, a second copy of RxJS 7, and RxJS 8. */
// Typed as ours (the API is the same); at run time each is its own module instance.
const copies: Array<[string, typeof rxjs]> = [
  ['this RxJS', rxjs],
  ['a second copy of RxJS 7', rxjsCopy as unknown as typeof rxjs],
  ['RxJS 8', rxjs8 as unknown as typeof rxjs],
];

let pki: TestPki;
const servers: TestServer[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));
async function start(behaviour: Parameters<typeof startTlsServer>[0]): Promise<TestServer> {
  const server = await startTlsServer(behaviour);
  servers.push(server);
  return server;
}

describe('isObservableLike', () => {
  it.each(copies)('knows an Observable of %s by its shape', (_, { of }) => {
    expect(isObservableLike(of(1))).toBe(true);
  });
  it('is false for what is not an Observable, including async iterables and promises', () => {
    async function* generator() {
      yield await Promise.resolve(1);
    }
    for (const value of [generator(), Promise.resolve(1), [1], 'abc', null, undefined, 42, { subscribe: 1 }, () => 1])
      expect(isObservableLike(value)).toBe(false);
  });
  it('sees that RxJS 8 Observables are async-iterable too, which is why the shape is needed', () => {
    expect(typeof (rxjs8.of(1) as unknown as AsyncIterable<number>)[Symbol.asyncIterator]).toBe('function');
  });
});

describe('converse with a dialogue built from another RxJS', () => {
  // RxJS 7's operators lift their source, and an RxJS 8 Observable has no lift(): when rxtls's
  // RxJS is 8 (npm run test:matrix swaps it in), a dialogue cannot pipe events$ through RxJS 7's
  // operators. That is RxJS's own limit, not a question of telling Observables apart.
  const ours = JSON.parse(readFileSync(require.resolve('rxjs/package.json'), 'utf8')) as { version: string };
  const oursIs8 = ours.version.startsWith('8.');
  const piping = copies.filter(([name]) => !(oursIs8 && name === 'a second copy of RxJS 7'));
  it.each(piping)('%s: the echo of every line the dialogue writes', async (_, { filter, map, take }) => {
    const server = await start({ ...(await pki.leaf()), echo: true });
    const dialogue: Dialogue = (events$) =>
      events$.pipe(
        filter((e) => e.type === 'connected' || e.type === 'line'),
        take(3),
        map((e, i) => (e.type === 'connected' ? 'ping 0\r\n' : `ping ${i}\r\n`)),
      );
    const { events } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }).pipe(lines(), converse(dialogue)));
    expect(events.filter((e) => e.type === 'line')).toEqual([
      { type: 'line', text: 'ping 0' },
      { type: 'line', text: 'ping 1' },
      { type: 'line', text: 'ping 2' },
    ]);
    expect(events.at(-1)).toEqual({ type: 'closed', by: 'local', clean: true });
  });

  // With this RxJS, the same flood is converse.spec.ts's own "outruns the write bound" test.
  it.each(copies.filter(([name]) => name !== 'this RxJS'))(
    '%s: an eager Observable that outruns the write bound is subscribed, not pulled, and fails',
    async (_, { range, map }) => {
      const stalled: TLSSocket[] = [];
      const server = await start({ ...(await pki.leaf()), onConnection: (socket) => stalled.push(socket.pause()) });
      const chunk = Buffer.alloc(256 * 1024, 0x63);
      const flood: Dialogue = () => range(0, 4096).pipe(map(() => chunk));
      const { error } = await collect(
        connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, maxPendingWriteBytes: 1024 * 1024 }).pipe(converse(flood)),
      );
      expect(error).toBeInstanceOf(WriteBufferFullError);
      // As in converse.spec.ts: the server either stalled the connection or lost it in its handshake.
      await eventually(() => stalled.length === 1 || server.closedConnections() === 1, 5000, 'the server to stall or lose the connection');
      stalled.forEach((socket) => socket.resume());
    },
    20_000,
  );
});

describe('serve with credentials from another RxJS', () => {
  it.each(copies)('%s: an Observable of credentials is followed', async (_, { BehaviorSubject }) => {
    const credentials = new BehaviorSubject(await pki.leaf());
    const seen: ServerEvent[] = [];
    const subscription = serve({ credentials }, () => [line('* OK')]).subscribe((e) => seen.push(e));
    try {
      await eventually(() => seen.some((e) => e.type === 'listening'), 5000, 'listening');
      const listening = seen.find((e) => e.type === 'listening');
      const port = listening?.type === 'listening' ? listening.port : 0;
      const greeting = await rxjs.firstValueFrom(
        connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
          lines(),
          rxjs.filter((e) => e.type === 'line'),
        ),
      );
      expect(greeting).toEqual({ type: 'line', text: '* OK' });
    } finally {
      subscription.unsubscribe();
    }
  });
});
