import type { TLSSocket } from 'node:tls';
import { Subscription, tap, timer } from 'rxjs';
import {
  connect,
  connectStartTls,
  DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS,
  handleEach,
  InvalidOptionError,
  lines,
  TransportError,
  type ConnectEvent,
  type StartTlsEvent,
} from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { kernelKeepAlive, kernelTcpTable } from '../transport/kernel-keepalive';
import { startSmtpServer } from '../support/smtp-server';

// idleTimeout and TCP keepalive on the client side (connect, connectStartTls), over real TLS on loopback.
let pki: TestPki;
let silent: TestServer; // handshakes, then never says a word
let chatty: TestServer; // handshakes, then sends a line every 50 ms
let burst: TestServer; // handshakes, sends 20 lines at once, then is quiet
let accepted: TLSSocket[] = [];
const running: Subscription[] = [];
const ticking: ReturnType<typeof setInterval>[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  const leaf = await pki.leaf();
  silent = await startTlsServer({ ...leaf, onConnection: (socket) => accepted.push(socket) });
  chatty = await startTlsServer({
    ...leaf,
    onConnection: (socket) => {
      const tick = setInterval(() => socket.writable && socket.write('tick\r\n'), 50);
      ticking.push(tick);
      socket.once('close', () => clearInterval(tick));
    },
  });
  burst = await startTlsServer({ ...leaf, greeting: Array.from({ length: 20 }, (_, i) => `line ${i}\r\n`).join('') });
});
afterEach(() => {
  running.splice(0).forEach((s) => s.unsubscribe());
  accepted = [];
});
afterAll(async () => {
  ticking.forEach(clearInterval);
  await Promise.all([silent.close(), chatty.close(), burst.close()]);
});

const to = (server: TestServer) => ({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: pki.ca.cert });

describe('connect({ idleTimeout })', () => {
  it('ends a connection whose peer says nothing: closed by local, not clean, ERR_RXTLS_IDLE_TIMEOUT', async () => {
    const started = Date.now();
    const { events, error } = await collect(connect({ ...to(silent), idleTimeout: 300 }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['connected', 'closed']);
    const closed = events.at(-1);
    expect(closed).toMatchObject({ type: 'closed', by: 'local', clean: false });
    const reason = closed?.type === 'closed' ? closed.error : undefined;
    expect(reason).toBeInstanceOf(TransportError);
    expect(reason).toMatchObject({ code: 'ERR_RXTLS_IDLE_TIMEOUT', port: silent.port });
    expect(reason?.message).toContain('option idleTimeout');
    // it waited for the quiet period, not less (an upper bound would measure the machine's load)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('leaves a peer that keeps talking alone, each chunk starting the quiet period again', async () => {
    const seen: ConnectEvent[] = [];
    running.push(connect({ ...to(chatty), idleTimeout: 1000 }).subscribe((e) => seen.push(e)));
    await new Promise((r) => setTimeout(r, 3500)); // three and a half quiet periods of 1 s
    expect(seen.filter((e) => e.type === 'data').length).toBeGreaterThan(5);
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
  });

  it('does not count the time the reader is paused: a paused reader is our back-pressure, not a dead peer', async () => {
    const seen: ConnectEvent[] = [];
    running.push(
      connect({ ...to(chatty), idleTimeout: 1000 }).subscribe((e) => {
        seen.push(e);
        if (e.type === 'connected') e.reader.pause();
      }),
    );
    await eventually(() => seen.length > 0, 5000, 'connected');
    await new Promise((r) => setTimeout(r, 2500)); // two and a half idle periods, paused: nothing read, nothing closed
    expect(seen.map((e) => e.type)).toEqual(['connected']);
    const connected = seen[0];
    if (connected?.type === 'connected') connected.reader.resume();
    await eventually(() => seen.some((e) => e.type === 'data'), 5000, 'data after resume');
    expect(seen.some((e) => e.type === 'closed')).toBe(false);
  });

  it('does not fire while handleEach holds the reader back, however long handling the burst takes', async () => {
    // 20 lines arrive at once; handling each takes 100 ms, so handling takes 2 s, far past the
    // 600 ms idle timeout. The peer waits on us all that time: the connection must stay up until
    // every line was handled, and only then may the (now real) silence end it.
    let closedAt = 0;
    let lastHandledAt = 0;
    const { events } = await collect(
      connect({ ...to(burst), idleTimeout: 600 }).pipe(
        lines(),
        tap((e) => e.type === 'closed' && (closedAt = Date.now())), // when the connection ended
        handleEach(() => timer(100), { highWaterMark: 2, lowWaterMark: 1 }),
        tap((e) => e.type === 'line' && (lastHandledAt = Date.now())), // when each line was through
      ),
    );
    expect(events.filter((e) => e.type === 'line')).toHaveLength(20);
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'local', clean: false, error: { code: 'ERR_RXTLS_IDLE_TIMEOUT' } });
    // Without the paused clock the connection would end at 600 ms, with 14 lines still to handle.
    expect(closedAt).toBeGreaterThanOrEqual(lastHandledAt);
  }, 20_000);

  it('is off by default and refuses values that are not a duration', async () => {
    const seen: ConnectEvent[] = [];
    running.push(connect(to(silent)).subscribe((e) => seen.push(e)));
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.map((e) => e.type)).toEqual(['connected']);
    for (const idleTimeout of [-1, 1.5, '100', Number.NaN, 2 ** 31]) {
      const { error } = await collect(connect({ ...to(silent), idleTimeout: idleTimeout as number }));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ option: 'idleTimeout' });
    }
  });
});

describe('connect({ keepAlive })', () => {
  const kernel = kernelTcpTable ? it : it.skip;
  /** Connects, waits for the server's side of the socket, and reads the client socket's keepalive from the kernel. */
  const keepAliveOf = async (keepAlive?: boolean | number) => {
    running.push(connect({ ...to(silent), ...(keepAlive !== undefined && { keepAlive }) }).subscribe());
    await eventually(() => accepted.length === 1, 5000, 'the server to accept');
    const server = accepted[0] as TLSSocket;
    await eventually(() => server.remotePort !== undefined, 5000, 'the remote port');
    return await kernelKeepAlive(server.remotePort ?? 0, silent.port);
  };

  kernel('is on by default, with DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS before the first probe (the kernel says so)', async () => {
    const state = await keepAliveOf();
    expect(state?.armed).toBe(true);
    expect(state?.msLeft).toBeLessThanOrEqual(DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS);
    expect(state?.msLeft).toBeGreaterThan(DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS - 5000);
  });

  kernel('takes the initial delay in ms', async () => {
    const state = await keepAliveOf(4000);
    expect(state?.armed).toBe(true);
    expect(state?.msLeft).toBeLessThanOrEqual(4000);
  });

  kernel('is off with keepAlive: false', async () => {
    expect(await keepAliveOf(false)).toEqual({ armed: false, msLeft: 0 });
  });

  it('refuses a delay TCP cannot express, naming keepAlive', async () => {
    for (const keepAlive of [0, 999, 1500.5, 'yes', -1000]) {
      const { error } = await collect(connect({ ...to(silent), keepAlive: keepAlive as number }));
      expect(error).toMatchObject({ code: 'ERR_RXTLS_INVALID_OPTION', option: 'keepAlive' });
    }
  });
});

describe('connectStartTls({ idleTimeout, keepAlive })', () => {
  const subscriptions: Subscription[] = [];
  let smtp: number;
  beforeAll(async () => {
    smtp = await startSmtpServer(await pki.leaf(), subscriptions);
  });
  afterAll(() => subscriptions.forEach((s) => s.unsubscribe()));

  it('counts the plaintext phase: a server greeting once and then silent is cut off', async () => {
    const { events } = await collect(
      connectStartTls({ host: '127.0.0.1', servername: 'localhost', port: smtp, ca: pki.ca.cert, idleTimeout: 300 }),
    );
    expect(events.map((e) => e.type)).toEqual(['plaintext', 'data', 'closed']);
    expect(events.at(-1)).toMatchObject({ by: 'local', clean: false, error: { code: 'ERR_RXTLS_IDLE_TIMEOUT' } });
  });

  (kernelTcpTable ? it : it.skip)('sets keepalive on its TCP socket', async () => {
    const seen: StartTlsEvent[] = [];
    const ports: number[] = [];
    running.push(
      connectStartTls({ host: '127.0.0.1', port: smtp, ca: pki.ca.cert, keepAlive: 3000 }).subscribe((e) => {
        seen.push(e);
      }),
    );
    await eventually(() => seen.length > 0, 5000, 'plaintext');
    // The client's local port: the one row of the kernel's table that connects to the server's port with our timer.
    const { readFileSync } = await import('node:fs');
    const hex = smtp.toString(16).toUpperCase().padStart(4, '0');
    for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const [, local, remote] = row.trim().split(/\s+/);
      if (remote?.endsWith(`:${hex}`) && local) ports.push(parseInt(local.split(':')[1] ?? '0', 16));
    }
    const states = await Promise.all(ports.map((port) => kernelKeepAlive(port, smtp)));
    expect(states.some((s) => s?.armed && s.msLeft <= 3000)).toBe(true);
  });
});
