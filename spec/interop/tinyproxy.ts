import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeer, freePort, spawnListening } from './peers';

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

/** Runs a program in the foreground, stopped by its PID: the common part of the proxy starters. */
export async function startForeground(command: string, args: readonly string[], port: number, dir?: string): Promise<RunningProxy> {
  const cleanup = () => (dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());
  const peer = await spawnListening(command, args, { port, cleanup });
  return { port, pid: peer.pid, log: peer.output, stop: peer.stop };
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
