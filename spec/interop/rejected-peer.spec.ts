import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { connect, custom, type CertFailedEvent, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestCredentials, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startMutualTlsServer } from '../support/mutual-tls-server';
import { describeWithOpenssl, runOpenssl, runSServer, type OpensslProcess } from './openssl';

/**
 * What a peer that rxtls rejects gets to see. Node cannot send a TLS alert naming the reason
 * (its OpenSSL verify callback accepts every certificate, and a TLSSocket has no call that sends
 * an alert), so the peer only sees the connection close; `certFailed.peerSaw` says whether its
 * handshake had finished by then.
 */
let pki: TestPki;
let expiredServer: TestCredentials;
let expiredClient: TestCredentials;
const subscriptions: Subscription[] = [];
const servers: TestServer[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  expiredServer = await pki.expired();
  expiredClient = await pki.expired({ usage: 'client', names: ['rxtls test client'] });
});
afterEach(async () => {
  subscriptions.splice(0).forEach((s) => s.unsubscribe());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A mutual-TLS server, stopped after each test; its connections' events land in the array it returns. */
async function mutualTlsServer(subscribeAfterMs?: number): Promise<{ port: number; serverSide: TlsEvent[] }> {
  const server = await startMutualTlsServer(pki, subscribeAfterMs === undefined ? {} : { subscribeAfterMs });
  subscriptions.push(server.subscription);
  return { port: server.port, serverSide: server.events };
}

/** strict(), decided a little later: long enough for our last handshake message to leave. */
const later = custom(async ({ problems }) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return problems.length === 0;
}, 'strict, later');

const certFailed = (events: readonly TlsEvent[]): CertFailedEvent => {
  const failed = events.find((e) => e.type === 'certFailed');
  if (!failed || failed.type !== 'certFailed') throw new Error(`no certFailed in ${events.map((e) => e.type).join(', ')}`);
  return failed;
};

describe('a rejected peer: rxtls on both ends', () => {
  it('a TLS 1.3 server we reject at once never finishes its handshake: peerSaw is "handshake-failure"', async () => {
    const server = await startTlsServer({ ...expiredServer, onConnection: (s) => s.end() });
    servers.push(server);
    const { events } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }));
    expect(certFailed(events).peerSaw).toBe('handshake-failure');
  });

  it('a TLS 1.2 server, or one an asynchronous policy rejects, has finished it: "close-after-handshake"', async () => {
    const server = await startTlsServer({ ...expiredServer, onConnection: (s) => s.end() });
    servers.push(server);
    const tls12 = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, maxVersion: 'TLSv1.2' }));
    expect(certFailed(tls12.events).peerSaw).toBe('close-after-handshake');
    const asynchronous = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, verify: later }));
    expect(certFailed(asynchronous.events).peerSaw).toBe('close-after-handshake');
  });

  it('a TLS 1.3 client we reject had finished its handshake, and without detectTruncation takes the close for an orderly end', async () => {
    const { port, serverSide } = await mutualTlsServer();
    const client = {
      host: 'localhost',
      port,
      ca: pki.ca.cert,
      cert: expiredClient.cert,
      key: expiredClient.key,
      maxVersion: 'TLSv1.3',
    } as const;
    const plain = await collect(connect(client));
    expect(plain.events.map((e) => e.type)).toEqual(['connected', 'closed']);
    expect(plain.events[1]).toEqual({ type: 'closed', by: 'peer', clean: true });
    const watched = await collect(connect({ ...client, detectTruncation: true }));
    const closed = watched.events[1];
    expect(closed?.type === 'closed' && [closed.clean, (closed.error as { code?: string } | undefined)?.code]).toEqual([
      false,
      'ERR_RXTLS_TLS_TRUNCATED',
    ]);
    await eventually(() => serverSide.filter((e) => e.type === 'closed').length === 2, 5000, 'both server-side closes');
    expect(serverSide.filter((e) => e.type === 'certFailed').map((e) => e.type === 'certFailed' && e.peerSaw)).toEqual([
      'close-after-handshake',
      'close-after-handshake',
    ]);
  });

  it('a TLS 1.2 client judged only after the handshake\'s own tick has our Finished: "close-after-handshake"', async () => {
    const { port, serverSide } = await mutualTlsServer(50);
    const { events } = await collect(
      connect({ host: 'localhost', port, ca: pki.ca.cert, cert: expiredClient.cert, key: expiredClient.key, maxVersion: 'TLSv1.2' }),
    );
    expect(events.map((e) => e.type)).toEqual(['connected', 'closed']);
    await eventually(() => serverSide.some((e) => e.type === 'closed'), 5000, 'the server-side close');
    expect(certFailed(serverSide).peerSaw).toBe('close-after-handshake');
  });

  it('a TLS 1.2 client we reject sees its handshake fail: "handshake-failure"', async () => {
    const { port, serverSide } = await mutualTlsServer();
    const { events, error } = await collect(
      connect({ host: 'localhost', port, ca: pki.ca.cert, cert: expiredClient.cert, key: expiredClient.key, maxVersion: 'TLSv1.2' }),
    );
    expect(events).toEqual([]);
    expect(error?.code).toBe('ECONNRESET');
    await eventually(() => serverSide.some((e) => e.type === 'closed'), 5000, 'the server-side close');
    expect(certFailed(serverSide).peerSaw).toBe('handshake-failure');
  });
});

/**
 * The same, told by OpenSSL's tools. With `-state` they log each handshake message; "read
 * finished" means the peer's Finished arrived, so the tool's own handshake finished (in TLS 1.2
 * the server writes its Finished right after reading the client's).
 */
describeWithOpenssl('a rejected peer: what OpenSSL logs', () => {
  let dir: string;
  const processes: OpensslProcess[] = [];
  const file = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxtls-rejected-'));
    await Promise.all([
      writeFile(file('ca.pem'), pki.ca.cert),
      writeFile(file('expired.pem'), expiredServer.cert),
      writeFile(file('expired.key'), expiredServer.key),
      writeFile(file('client.pem'), expiredClient.cert),
      writeFile(file('client.key'), expiredClient.key),
    ]);
  });
  afterEach(() => Promise.all(processes.splice(0).map((p) => p.stop())));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const openssl = (args: string[]) => {
    const p = runOpenssl(args);
    processes.push(p);
    return p;
  };
  /** `openssl s_server` presenting the expired certificate. */
  async function expiredSServer(version: string): Promise<{ port: number; server: OpensslProcess }> {
    const started = await runSServer(['-cert', file('expired.pem'), '-key', file('expired.key'), '-state', version]);
    processes.push(started.server);
    return started;
  }
  const ALERT = /SSL alert number \d+/;
  const FINISHED = /read finished/;
  const cases = [
    { version: '-tls1_2', serverFinished: true, clientFinished: false },
    { version: '-tls1_3', serverFinished: false, clientFinished: true },
  ];

  it('our client with an asynchronous policy (-tls1_3): s_server got our Finished, as peerSaw says', async () => {
    const { port, server } = await expiredSServer('-tls1_3');
    const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert, verify: later }));
    expect(certFailed(events).peerSaw).toBe('close-after-handshake');
    // s_server wrote its session tickets after our Finished: on a loaded machine they may still be
    // unread when we close, and the kernel resets the connection (s_server prints ERROR on stdout,
    // ahead of what it logged on stderr) instead of closing it.
    await server.waitFor(/unexpected eof while reading|^ERROR$/m);
    await server.waitFor(FINISHED, 2000);
    expect(server.output()).not.toMatch(ALERT);
  });

  for (const { version, serverFinished, clientFinished } of cases) {
    it(`control (${version}): when OpenSSL rejects the certificate, s_server logs the alert it was sent`, async () => {
      const { port, server } = await expiredSServer(version);
      const client = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', file('ca.pem'), '-verify_return_error']);
      client.child.stdin?.end();
      await server.waitFor(/SSL alert number \d+|unexpected eof/);
      expect(server.output()).toMatch(/alert certificate expired.*SSL alert number 45/);
    });

    it(`our client (${version}): s_server sees an unexpected EOF, no alert, its handshake ${serverFinished ? 'finished' : 'unfinished'}`, async () => {
      const { port, server } = await expiredSServer(version);
      const { events } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert }));
      expect(certFailed(events).peerSaw).toBe(serverFinished ? 'close-after-handshake' : 'handshake-failure');
      await server.waitFor(/unexpected eof while reading/);
      expect(server.output()).not.toMatch(ALERT);
      expect(FINISHED.test(server.output())).toBe(serverFinished);
    });

    it(`our server (${version}): s_client sees an unexpected EOF, no alert, its handshake ${clientFinished ? 'finished' : 'unfinished'}`, async () => {
      const { port, serverSide } = await mutualTlsServer();
      const credentials = ['-cert', file('client.pem'), '-key', file('client.key')];
      const client = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', file('ca.pem'), ...credentials, '-state', version]);
      await eventually(() => serverSide.some((e) => e.type === 'closed'), 5000, 'the server-side close');
      expect(certFailed(serverSide).peerSaw).toBe(clientFinished ? 'close-after-handshake' : 'handshake-failure');
      await client.waitFor(/unexpected eof while reading/);
      expect(client.output()).not.toMatch(ALERT);
      expect(FINISHED.test(client.output())).toBe(clientFinished);
    });
  }
});
