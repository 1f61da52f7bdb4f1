import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeer, freePort } from './peers';

/** Specs that run Debian's tinyproxy (an HTTP proxy that answers CONNECT). */
export function describeWithTinyproxy(name: string, body: () => void): void {
  describeWithPeer(name, { command: 'tinyproxy', versionArgs: ['-v'], aptPackage: 'tinyproxy' }, body);
}

/** A proxy started by a spec: where it listens, and how to stop it. */
export interface RunningProxy {
  readonly port: number;
  readonly pid: number;
  /** What the proxy printed (its log, in the foreground). */
  log(): string;
  /** Stops the proxy by its PID and removes its directory. */
  stop(): Promise<void>;
}

/** How to configure tinyproxy: the ports CONNECT may reach (its ConnectPort allow-list), and Basic credentials to require. */
export interface TinyproxyConfig {
  readonly connectPorts: readonly number[];
  readonly basicAuth?: { readonly user: string; readonly password: string };
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
export async function listening(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Runs a program in the foreground, stopped by its PID: the common part of the proxy starters. */
export async function startForeground(command: string, args: readonly string[], port: number, dir?: string): Promise<RunningProxy> {
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 3000)))]);
      clearTimeout(timer);
      if (!gone) process.kill(child.pid, 'SIGKILL');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  if (!(await listening(port, 10_000))) {
    await stop();
    throw new Error(`${command} did not start listening on 127.0.0.1:${port}:\n${output}`);
  }
  return { port, pid: child.pid as number, log: () => output, stop };
}

/** Starts `tinyproxy -d -c CONF` on a free port of 127.0.0.1, from a configuration in a temporary directory. */
export async function startTinyproxy(config: TinyproxyConfig): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-tinyproxy-'));
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  await writeFile(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'LogLevel Info',
      'MaxClients 64',
      ...config.connectPorts.map((p) => `ConnectPort ${p}`),
      ...(config.basicAuth ? [`BasicAuth ${config.basicAuth.user} ${config.basicAuth.password}`] : []),
      '',
    ].join('\n'),
  );
  return startForeground('tinyproxy', ['-d', '-c', conf], port, dir);
}
