import { connect as tcpConnect } from 'node:net';
import { EMPTY, mergeMap, NEVER, type Observable, type Subscription } from 'rxjs';
import {
  connect,
  connectStartTls,
  listen,
  listenStartTls,
  serve,
  type ConnectEvent,
  type ListenEvent,
  type ServerEvent,
  type StartTlsEvent,
  type StartTlsServerEvent,
} from '../../lib';
import { createTestPki, type TestCredentials, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { kernelKeepAlive, kernelTcpTable } from '../transport/kernel-keepalive';

// The servers' idleTimeout, keepAlive and signal, over real TLS on loopback.
let pki: TestPki;
let leaf: TestCredentials;
const running: Subscription[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  leaf = await pki.leaf();
});
afterEach(() => running.splice(0).forEach((s) => s.unsubscribe()));

/** Runs a server, handing each connection's events to `onConnection`; resolves with its port. */
const run = <E extends { type: string }>(
  server$: Observable<ListenEvent | StartTlsServerEvent | ServerEvent>,
  onConnection: (events: Observable<E>) => void = (events) => running.push(events.subscribe()),
  ended?: { completed: boolean; error?: unknown },
): Promise<number> =>
  new Promise((resolve, reject) => {
    running.push(
      server$
        .pipe(
          mergeMap((e) => {
            if (e.type === 'listening') resolve(e.port);
            if (e.type === 'connection') onConnection(e.events as unknown as Observable<E>);
            return EMPTY;
          }),
        )
        .subscribe({
          error: (error: Error) => {
            if (ended) ended.error = error;
            reject(error);
          },
          complete: () => ended && (ended.completed = true),
        }),
    );
  });
const client = (port: number) => ({ host: '127.0.0.1', servername: 'localhost', port, ca: pki.ca.cert });
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('listen({ idleTimeout })', () => {
  it("ends a connection whose client says nothing: the server's closed is by local, not clean, ERR_RXTLS_IDLE_TIMEOUT", async () => {
    const seen: ConnectEvent[] = [];
    const port = await run<ConnectEvent>(listen({ credentials: leaf, idleTimeout: 300 }), (events) =>
      running.push(events.subscribe((e) => seen.push(e))),
    );
    const clientSide = await collect(connect(client(port)));
    await eventually(() => seen.length === 2, 5000, "the server's closed");
    expect(seen.map((e) => e.type)).toEqual(['connected', 'closed']);
    expect(seen.at(-1)).toMatchObject({ by: 'local', clean: false, error: { code: 'ERR_RXTLS_IDLE_TIMEOUT' } });
    expect(clientSide.events.at(-1)).toMatchObject({ type: 'closed', by: 'peer' });
  });

  it('counts the plaintext phase of listenStartTls too', async () => {
    const seen: StartTlsEvent[] = [];
    const port = await run<StartTlsEvent>(listenStartTls({ credentials: leaf, idleTimeout: 300 }), (events) =>
      running.push(events.subscribe((e) => seen.push(e))),
    );
    await collect(connectStartTls(client(port)));
    await eventually(() => seen.length === 2, 5000, "the server's closed");
    expect(seen.map((e) => e.type)).toEqual(['plaintext', 'closed']);
    expect(seen.at(-1)).toMatchObject({ by: 'local', clean: false, error: { code: 'ERR_RXTLS_IDLE_TIMEOUT' } });
  });

  it('refuses a bad idleTimeout, naming it', async () => {
    const { error } = await collect(listen({ credentials: leaf, idleTimeout: -5 }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_INVALID_OPTION', option: 'idleTimeout' });
  });
});

(kernelTcpTable ? describe : describe.skip)('listen({ keepAlive }): the kernel says what is set on accepted sockets', () => {
  /** The keepalive of the server's side of one connection from a client with keepalive off (so only the server's is seen). */
  const acceptedKeepAlive = async (server$: Observable<ServerEvent | StartTlsServerEvent>) => {
    const port = await run(server$);
    const seen: (ConnectEvent | StartTlsEvent)[] = [];
    const local: number[] = [];
    running.push(
      connect({ ...client(port), keepAlive: false }).subscribe((e) => {
        seen.push(e);
      }),
    );
    await eventually(() => seen.length > 0, 5000, 'connected');
    const { readFileSync } = await import('node:fs');
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const [, from, to] = row.trim().split(/\s+/);
      if (from?.endsWith(`:${hex}`) && to && !to.endsWith(':0000')) local.push(parseInt(to.split(':')[1] ?? '0', 16));
    }
    expect(local).toHaveLength(1);
    return await kernelKeepAlive(port, local[0] ?? 0);
  };

  it('is on by default with the default delay', async () => {
    const state = await acceptedKeepAlive(listen({ credentials: leaf }));
    expect(state?.armed).toBe(true);
    expect(state?.msLeft).toBeGreaterThan(10_000);
    expect(state?.msLeft).toBeLessThanOrEqual(15_000);
  });

  it('takes a delay, on serve and listenStartTls too, and is off with false', async () => {
    const served = await acceptedKeepAlive(serve({ credentials: leaf, keepAlive: 5000 }, () => NEVER));
    expect(served?.armed).toBe(true);
    expect(served?.msLeft).toBeLessThanOrEqual(5000);
    running.splice(0).forEach((s) => s.unsubscribe());
    expect(await acceptedKeepAlive(listen({ credentials: leaf, keepAlive: false }))).toEqual({ armed: false, msLeft: 0 });
  });
});

describe('listen({ signal })', () => {
  it('aborting stops listening, closes the open connections as unsubscribing does, and completes', async () => {
    const controller = new AbortController();
    const ended = { completed: false };
    const port = await run(listen({ credentials: leaf, signal: controller.signal }), undefined, ended);
    const clientSide = collect(connect(client(port)));
    await new Promise((r) => setTimeout(r, 200));
    controller.abort(new Error('shutting down'));
    expect(ended.completed).toBe(true);
    // the open connection was ended by the server (close_notify), gracefully
    const { events } = await clientSide;
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'peer', clean: true });
    expect(await refused(port)).toBe(true);
  });

  it('with a signal already aborted listens on nothing: the error is ERR_RXTLS_ABORTED, with the reason', async () => {
    const reason = new Error('never mind');
    const { error, events } = await collect(listen({ credentials: leaf, signal: AbortSignal.abort(reason) }));
    expect(events).toEqual([]);
    expect(error).toMatchObject({ code: 'ERR_RXTLS_ABORTED', cause: reason });
  });

  it('stops serve and listenStartTls the same way', async () => {
    for (const make of [
      (signal: AbortSignal) => serve({ credentials: leaf, signal }, () => NEVER),
      (signal: AbortSignal) => listenStartTls({ credentials: leaf, signal }),
    ]) {
      const controller = new AbortController();
      const ended = { completed: false };
      const port = await run(make(controller.signal), undefined, ended);
      controller.abort();
      await eventually(() => ended.completed, 5000, 'the server to complete');
      expect(await refused(port)).toBe(true);
    }
  });

  it('refuses anything but an AbortSignal, naming signal', async () => {
    const { error } = await collect(listen({ credentials: leaf, signal: 'stop' as unknown as AbortSignal }));
    expect(error).toMatchObject({ code: 'ERR_RXTLS_INVALID_OPTION', option: 'signal' });
  });
});
