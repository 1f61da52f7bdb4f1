import { getEventListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import { connect, connectStartTls, InvalidOptionError, TransportError, type ConnectEvent, type StartTlsEvent } from '../../lib';
import { createTestPki, startSilentServer, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually, openSocketHandles } from '../support/collect';
import { startSmtpServer } from '../support/smtp-server';

// connect({ signal }) and connectStartTls({ signal }): aborting in each phase, over real TLS on loopback.
let pki: TestPki;
let server: TestServer; // handshakes and greets
let silent: TestServer; // accepts TCP and never answers the ClientHello
let smtp: number;
const running: Subscription[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  const leaf = await pki.leaf();
  server = await startTlsServer({ ...leaf, greeting: '* OK ready\r\n' });
  silent = await startSilentServer();
  smtp = await startSmtpServer(leaf, running);
});
afterAll(async () => {
  running.splice(0).forEach((s) => s.unsubscribe());
  await Promise.all([server.close(), silent.close()]);
});

const to = (target: TestServer) => ({ host: '127.0.0.1', servername: 'localhost', port: target.port, ca: pki.ca.cert });
const reason = new Error('the user went away');

describe('connect({ signal })', () => {
  it('with a signal already aborted, connects nothing: the error is ERR_RXTLS_ABORTED with the reason as cause', async () => {
    const before = server.acceptedConnections();
    const { events, error } = await collect(connect({ ...to(server), signal: AbortSignal.abort(reason) }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
    expect(error?.message).toContain('option signal');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.acceptedConnections()).toBe(before); // no TCP connection was even attempted
  });

  it('during the handshake (a server that never answers the ClientHello): an error notification, and the socket goes', async () => {
    const controller = new AbortController();
    const accepted = silent.acceptedConnections();
    const result = collect(connect({ ...to(silent), signal: controller.signal }));
    await eventually(() => silent.acceptedConnections() === accepted + 1, 5000, 'TCP to connect');
    controller.abort(reason);
    const { events, error } = await result;
    expect(events).toEqual([]);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
    expect(error?.message).toContain('before the TLS handshake finished');
    await eventually(() => silent.openConnections() === 0, 5000, 'the server to see the close');
  });

  it('after connected: closed, by local, not clean, with the abort error and its reason', async () => {
    const controller = new AbortController();
    const seen: ConnectEvent[] = [];
    const done = new Promise<void>((resolve) =>
      running.push(
        connect({ ...to(server), signal: controller.signal }).subscribe({
          next: (e) => {
            seen.push(e);
            if (e.type === 'data') controller.abort(reason);
          },
          complete: resolve,
        }),
      ),
    );
    await done;
    expect(seen.map((e) => e.type)).toEqual(['connected', 'data', 'closed']);
    expect(seen.at(-1)).toMatchObject({ type: 'closed', by: 'local', clean: false, error: { code: 'ERR_RXTLS_ABORTED', cause: reason } });
  });

  it('takes AbortSignal.timeout(): the error names the TimeoutError, the cause is it', async () => {
    const { error } = await collect(connect({ ...to(silent), signal: AbortSignal.timeout(200) }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED' });
    expect(error?.message).toContain('TimeoutError');
    expect((error?.cause as Error).name).toBe('TimeoutError');
  });

  it('leaves no abort listener behind on a long-lived signal shared by many connections', async () => {
    const controller = new AbortController();
    const COUNT = 40;
    const closed: ConnectEvent[] = [];
    const connected: Extract<ConnectEvent, { type: 'connected' }>[] = [];
    const subscriptions = Array.from({ length: COUNT }, () =>
      connect({ ...to(server), signal: controller.signal }).subscribe((e) => {
        if (e.type === 'connected') connected.push(e);
        if (e.type === 'closed') closed.push(e);
      }),
    );
    await eventually(() => connected.length === COUNT, 20_000, `${COUNT} connections`);
    // One listener for all of them while they are open (not one each: Node would warn of a leak past ten).
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    connected.forEach((e) => e.writer.end());
    await eventually(() => closed.length === COUNT, 20_000, `${COUNT} closes`);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // and those unsubscribed before their handshake remove theirs too
    const early = Array.from({ length: 10 }, () =>
      connect({ ...to(silent), signal: controller.signal }).subscribe({ error: () => undefined }),
    );
    early.forEach((s) => s.unsubscribe());
    subscriptions.forEach((s) => s.unsubscribe());
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // the signal still works for the next connection
    const after = collect(connect({ ...to(silent), signal: controller.signal }));
    await eventually(() => getEventListeners(controller.signal, 'abort').length === 1, 5000, 'the listener');
    controller.abort(reason);
    expect((await after).error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
    await eventually(() => openSocketHandles() <= 4, 5000, 'the sockets to go'); // the test servers' listening sockets remain
  }, 45_000);

  it('refuses anything but an AbortSignal, naming signal', async () => {
    for (const signal of ['abort', {}, { aborted: false }, new AbortController()]) {
      const { error } = await collect(connect({ ...to(server), signal: signal as unknown as AbortSignal }));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ option: 'signal' });
    }
  });
});

describe('connectStartTls({ signal })', () => {
  const options = () => ({ host: '127.0.0.1', servername: 'localhost', port: smtp, ca: pki.ca.cert });

  it('with a signal already aborted, connects nothing', async () => {
    const { events, error } = await collect(connectStartTls({ ...options(), signal: AbortSignal.abort(reason) }));
    expect(events).toEqual([]);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
  });

  it('in the plaintext phase: closed by local, not clean, with the reason', async () => {
    const controller = new AbortController();
    const seen: StartTlsEvent[] = [];
    await new Promise<void>((resolve) =>
      running.push(
        connectStartTls({ ...options(), signal: controller.signal }).subscribe({
          next: (e) => {
            seen.push(e);
            if (e.type === 'data') controller.abort(reason);
          },
          complete: resolve,
        }),
      ),
    );
    expect(seen.map((e) => e.type)).toEqual(['plaintext', 'data', 'closed']);
    expect(seen.at(-1)).toMatchObject({ by: 'local', clean: false, error: { code: 'ERR_RXTLS_ABORTED', cause: reason } });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
