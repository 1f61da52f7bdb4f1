import { EMPTY, mergeMap, NEVER, type Subscription } from 'rxjs';
import { connect, converse, heartbeat, line, lines, type Dialogue, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';

// heartbeat() in a converse() dialogue, against real TLS servers on loopback: an IMAP-like one
// that answers NOOP, and the same one gone mute (it reads the no-ops and answers none).
let pki: TestPki;
let answering: TestServer;
let mute: TestServer;
const noops: string[] = [];
let answers = true; // false: the server reads the no-ops and says nothing
const running: Subscription[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  const leaf = await pki.leaf();
  const answer: Dialogue = (events$) =>
    events$.pipe(
      mergeMap((e) => {
        if (e.type !== 'line' || !e.text.endsWith(' NOOP')) return EMPTY;
        noops.push(e.text);
        if (!answers) return EMPTY;
        return [line(`${e.text.split(' ')[0]} OK NOOP completed`)];
      }),
    );
  answering = await startTlsServer({ ...leaf, greeting: '* OK ready\r\n', dialogue: answer });
  mute = await startTlsServer({ ...leaf, greeting: '* OK ready\r\n', dialogue: answer });
});
afterEach(() => {
  running.splice(0).forEach((s) => s.unsubscribe());
  answers = true;
});
afterAll(async () => Promise.all([answering.close(), mute.close()]));

/** How long a live server may take to answer a no-op: generous, as a loaded machine can stall the event loop for longer than the quiet period. */
const ANSWER_WITHIN = 5000;
/** Waits for the greeting and then for nothing: a client idle between commands, kept honest by the heartbeat. */
const idleClient = (timeout = 500): Dialogue => {
  let n = 0;
  return (events$) => NEVER.pipe(heartbeat(events$, { quiet: 200, timeout, send: () => line(`hb${++n} NOOP`) }));
};
const to = (server: TestServer) => ({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: pki.ca.cert });

describe('heartbeat() over TLS', () => {
  it('sends the no-op after each quiet period to a live server, which answers and stays connected', async () => {
    noops.length = 0;
    const seen: TlsEvent[] = [];
    running.push(
      connect(to(answering))
        .pipe(lines(), converse(idleClient(ANSWER_WITHIN)))
        .subscribe({ next: (e) => seen.push(e) }),
    );
    await eventually(() => noops.length >= 3, 10_000, 'three heartbeats');
    expect(noops.slice(0, 3)).toEqual(['hb1 NOOP', 'hb2 NOOP', 'hb3 NOOP']);
    expect(seen.filter((e) => e.type === 'line').map((e) => (e.type === 'line' ? e.text : ''))).toContain('hb1 OK NOOP completed');
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
  });

  it('fails the connection with ERR_RXTLS_HEARTBEAT_TIMEOUT when the server stops answering', async () => {
    answers = false;
    const open = mute.openConnections();
    const { events, error } = await collect(connect(to(mute)).pipe(lines(), converse(idleClient())));
    expect(events.map((e) => e.type)).toEqual(['connected', 'line']);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_HEARTBEAT_TIMEOUT', host: '127.0.0.1', port: mute.port });
    await eventually(() => mute.openConnections() === open, 5000, 'the socket to be destroyed');
  });

  it('lets a dialogue that completes end the connection as it would without the heartbeat', async () => {
    // The dialogue has nothing to say: it completes at once, and the heartbeat must not hold it open.
    const { events } = await collect(
      connect(to(mute)).pipe(
        lines(),
        converse((events$) => EMPTY.pipe(heartbeat(events$, { quiet: 10_000, send: () => line('x') }))),
      ),
    );
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'local' });
  });
});
