import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
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

/** A TCP relay of our own between a proxy and a target on 127.0.0.1, recording what it carried each way. */
export interface RecordingRelay {
  readonly port: number;
  /** What the proxy sent on towards the target. */
  readonly toTarget: Buffer[];
  /** What the target answered, on its way back to the proxy. */
  readonly fromTarget: Buffer[];
  /** The same, one entry per relayed connection, in the order they came: what one connection carried, alone. */
  readonly sessions: { readonly toTarget: Buffer[]; readonly fromTarget: Buffer[] }[];
  /** Connections the proxy (or anyone) opened to the relay. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Starts a relay to `127.0.0.1:targetPort` on a free loopback port: point the proxy at it
 * (the target's address as the proxy sees it) and read what the proxy relayed, byte for byte.
 */
export async function startRecordingRelay(targetPort: number): Promise<RecordingRelay> {
  const toTarget: Buffer[] = [];
  const fromTarget: Buffer[] = [];
  const sessions: { toTarget: Buffer[]; fromTarget: Buffer[] }[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((inbound) => {
    connections++;
    const session = { toTarget: [] as Buffer[], fromTarget: [] as Buffer[] };
    sessions.push(session);
    const outbound = tcpConnect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => open.delete(s));
    }
    inbound.on('data', (b: Buffer) => (toTarget.push(Buffer.from(b)), session.toTarget.push(Buffer.from(b)), outbound.write(b)));
    outbound.on('data', (b: Buffer) => (fromTarget.push(Buffer.from(b)), session.fromTarget.push(Buffer.from(b)), inbound.write(b)));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    toTarget,
    fromTarget,
    sessions,
    connections: () => connections,
    close: () => {
      open.forEach((s) => s.destroy());
      return new Promise((r) => server.close(() => r()));
    },
  };
}
