import { filter, firstValueFrom, map, Subject, take, type Subscription } from 'rxjs';
import { connect, converse, line, lines, type ServerEvent, type TlsEvent } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { chatServer } from '../../examples/chat-server';
import { echoServer } from '../../examples/echo-server';
import { collect, eventually } from '../support/collect';

let pki: TestPki;
const running: Subscription[] = [];
beforeAll(async () => {
  pki = await createTestPki();
});
afterEach(() => running.splice(0).forEach((s) => s.unsubscribe()));

function started(server$: {
  subscribe: (o: { next: (e: ServerEvent) => void; error: (e: unknown) => void }) => Subscription;
}): Promise<number> {
  return new Promise((resolve, reject) =>
    running.push(server$.subscribe({ next: (e) => e.type === 'listening' && resolve(e.port), error: reject })),
  );
}

describe('examples/echo-server.ts', () => {
  it('echoes every line', async () => {
    const port = await started(echoServer(await pki.leaf()));
    const said = ['one', 'two', 'drei ünd vier'];
    const { events } = await collect(
      connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
        lines(),
        converse((events$) =>
          events$.pipe(
            filter((e) => e.type === 'connected'),
            take(1),
            map(() => said.map((t) => `${t}\r\n`).join('')),
          ),
        ),
        filter((e) => e.type === 'line'),
        take(3),
      ),
    );
    expect(events).toEqual(said.map((text) => ({ type: 'line', text })));
  });
});

describe('examples/chat-server.ts', () => {
  it('relays lines between members, named by their certificates, and keeps strangers out', async () => {
    const port = await started(chatServer({ credentials: await pki.leaf(), ca: pki.ca.cert }));
    const member = async (name: string) => {
      const credentials = await pki.client({ names: [name] });
      const heard: string[] = [];
      const say = new Subject<string>();
      running.push(
        connect({ host: 'localhost', port, ca: pki.ca.cert, cert: credentials.cert, key: credentials.key })
          .pipe(
            lines(),
            converse(() => say.pipe(map((t) => line(t)))),
          )
          .subscribe((e: TlsEvent) => e.type === 'line' && heard.push(e.text)),
      );
      await eventually(() => heard.includes(`* welcome, ${name}`), 5000, `${name} to join`);
      return { heard, say };
    };
    const alice = await member('alice');
    const bob = await member('bob');
    await eventually(() => alice.heard.includes('* bob joined'), 5000, 'alice to see bob join');
    alice.say.next('hello bob');
    await eventually(() => bob.heard.includes('<alice> hello bob'), 5000, 'bob to hear alice');
    expect(alice.heard).not.toContain('<alice> hello bob');
    // A client without a certificate from the chat's CA gets nothing.
    const stranger = await firstValueFrom(
      connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
        lines(),
        filter((e) => e.type === 'line' || e.type === 'closed'),
      ),
    );
    expect(stranger.type).toBe('closed');
  });
});
