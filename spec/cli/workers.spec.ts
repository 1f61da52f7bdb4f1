import { spawn, type ChildProcess } from 'node:child_process';
import { connect, lines, type TlsEvent } from '../../lib';
import { parseGatewayArgs } from '../../lib/cli/gateway-command';
import { parseServeArgs } from '../../lib/cli/serve-command';
import { freePort, stopChild } from '../interop/peers';
import { CLI, commandFixture, type CommandFixture } from '../support/command-fixture';
import { eventually } from '../support/collect';
import { visit } from '../support/resumption';

/**
 * `rxtls serve --workers 2` as an operator runs it: its own process, two workers under
 * node:cluster on one port, stopped and restarted by signals sent to its PID.
 */
let fixture: CommandFixture;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fixture = await commandFixture('rxtls-workers-');
}, 120_000);
afterEach(() => Promise.all(children.splice(0).map((c) => stopChild(c))));
afterAll(() => fixture.remove());

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  stdout(): string;
  stderr(): string;
  /** The greeting's pid: the worker that served. */
  served(session?: Buffer): Promise<{ pid: number; resumed: boolean; ticket: Buffer | undefined }>;
}

async function serveWorkers(count: number): Promise<Started> {
  const port = await freePort();
  const args = ['serve', '--port', String(port), '--cert', fixture.cert, '--key', fixture.key];
  const child = spawn('node', [CLI, ...args, '--greeting', 'pid {pid}', '--workers', String(count)], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  await eventually(() => (stdout.match(/listening on/g) ?? []).length === count, 15_000, `${count} workers listening:\n${stdout}${stderr}`);
  return {
    child,
    port,
    stdout: () => stdout,
    stderr: () => stderr,
    served: async (session) => {
      const seen = await visit({ host: 'localhost', port, ca: fixture.pki.ca.cert, ...(session && { session }) }, { greeting: true });
      return { pid: Number(/^pid (\d+)$/.exec(seen.greeting ?? '')?.[1]), resumed: seen.resumed, ticket: seen.ticket };
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('--workers (parsing)', () => {
  it('takes N from 1 to 256 or auto; refuses --self-signed, whose certificate each worker would make itself', () => {
    const serve = (...more: string[]) => parseServeArgs(['--port', '0', '--cert', 'c.pem', '--key', 'k.pem', ...more]);
    expect(serve().workers).toBe(1);
    expect(serve('--workers', '3').workers).toBe(3);
    expect(serve('--workers', 'auto').workers).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '257', '1.5', 'many'])
      expect(() => serve('--workers', bad)).toThrow(`--workers must be a whole number from 1 to 256, or auto, got "${bad}"`);
    expect(() => parseServeArgs(['--port', '0', '--self-signed', '--workers', '2'])).toThrow(
      '--workers needs --cert FILE --key FILE: with --self-signed each worker would make its own certificate',
    );
    expect(parseGatewayArgs(['--listen', '127.0.0.1:0', '--to', 'h:1', '--workers', '2']).workers).toBe(2);
  });
});

describe('rxtls serve --workers 2', () => {
  it('two workers share the port and a session ticket key: reconnects alternate between them and ≥ 90% resume', async () => {
    const server = await serveWorkers(2);
    expect(server.stdout()).toMatch(/rxtls serve: 2 workers \(pids \d+, \d+\)/);
    let last = await server.served();
    const pids = new Set([last.pid]);
    let movedAndResumed = 0;
    const RECONNECTS = 20;
    for (let i = 0; i < RECONNECTS; i++) {
      const next = await server.served(last.ticket);
      pids.add(next.pid);
      if (next.pid !== last.pid && next.resumed) movedAndResumed += 1;
      last = next.ticket ? next : { ...next, ticket: last.ticket };
    }
    expect(pids.size).toBe(2);
    expect(movedAndResumed).toBeGreaterThanOrEqual(RECONNECTS * 0.9);
    // The key came over IPC: not in any output.
    expect(server.stdout() + server.stderr()).not.toMatch(/[A-Za-z0-9+/]{64}/);
  });

  it('a worker that dies is replaced and reported, and clients are served meanwhile', async () => {
    const server = await serveWorkers(2);
    const { pid } = await server.served();
    process.kill(pid, 'SIGKILL');
    await eventually(() => /died \(signal SIGKILL\); started worker \d+ \(pid \d+\)/.test(server.stderr()), 10_000, 'the report');
    expect(server.stderr()).toContain(`(pid ${pid}) died (signal SIGKILL)`);
    await eventually(() => (server.stdout().match(/listening on/g) ?? []).length === 3, 10_000, 'the new worker listening');
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add((await server.served()).pid);
    expect(pids.size).toBe(2);
    expect(pids.has(pid)).toBe(false);
  });

  it('SIGHUP replaces every worker one by one without refusing a connection', async () => {
    const server = await serveWorkers(2);
    const before = new Set([(await server.served()).pid, (await server.served()).pid]);
    const failures: unknown[] = [];
    let visits = 0;
    let restarting = true;
    // Clients all along the restart: bounded in count and time.
    const clients = (async () => {
      const deadline = Date.now() + 20_000;
      while (restarting && visits < 500 && Date.now() < deadline) {
        visits += 1;
        await server.served().catch((error: unknown) => failures.push(error));
      }
    })();
    process.kill(server.child.pid as number, 'SIGHUP');
    await eventually(() => server.stderr().includes('every worker replaced'), 20_000, 'the rolling restart');
    restarting = false;
    await clients;
    expect(failures).toEqual([]);
    expect(visits).toBeGreaterThan(5);
    const after = new Set<number>();
    for (let i = 0; i < 4; i++) after.add((await server.served()).pid);
    expect(after.size).toBe(2);
    expect([...after].filter((p) => before.has(p))).toEqual([]);
    for (const old of before) expect(alive(old)).toBe(false);
  });

  it('SIGTERM drains: an open connection is closed cleanly (close_notify), then every process exits 0', async () => {
    const server = await serveWorkers(2);
    const events: TlsEvent[] = [];
    const held = connect({ host: 'localhost', port: server.port, ca: fixture.pki.ca.cert })
      .pipe(lines())
      .subscribe((e) => events.push(e));
    try {
      await eventually(() => events.some((e) => e.type === 'line'), 5000, 'the greeting');
      const workerPids = [...server.stdout().matchAll(/worker pid (\d+): listening/g)].map((m) => Number(m[1]));
      const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
      process.kill(server.child.pid as number, 'SIGTERM');
      expect(await exited).toBe(0);
      expect(events.find((e) => e.type === 'closed')).toMatchObject({ type: 'closed', by: 'peer', clean: true });
      for (const pid of workerPids) expect(alive(pid)).toBe(false);
    } finally {
      held.unsubscribe();
    }
  });
});

describe('rxtls gateway --workers 2', () => {
  it('two workers on the port share a session ticket key; SIGTERM stops them and the command exits 0', async () => {
    const port = await freePort();
    const args = ['gateway', '--listen', `127.0.0.1:${port}`, '--to', '127.0.0.1:9', '--cert', fixture.cert, '--key', fixture.key];
    const child = spawn('node', [CLI, ...args, '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    await eventually(() => (stdout.match(/gateway listening on wss:/g) ?? []).length === 2, 15_000, `two workers listening:\n${stdout}`);
    const tls = (session?: Buffer) => visit({ host: 'localhost', port, ca: fixture.pki.ca.cert, ...(session && { session }) });
    let last = await tls();
    let resumed = 0;
    for (let i = 0; i < 10; i++) {
      const next = await tls(last.ticket);
      if (next.resumed) resumed += 1;
      last = next.ticket ? next : last;
    }
    expect(resumed).toBeGreaterThanOrEqual(9); // round robin: every other one on the other worker
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(child.pid as number, 'SIGTERM');
    expect(await exited).toBe(0);
  });
});
