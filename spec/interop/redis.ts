import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from '../../lib/testing';
import { describeWithPeer, freePort, spawnListening } from './peers';

/** Specs that run Debian's redis-server. */
export function describeWithRedis(name: string, body: () => void): void {
  describeWithPeer(name, { command: 'redis-server', aptPackage: 'redis-server' }, body);
}

/** Whether `redis-server` runs here (the bench asks, to skip with a hint instead of failing). */
export { installed } from './peers';

export interface RunningRedis {
  /** TLS only: the plaintext port is off (`--port 0`). */
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** What `AUTH` takes (`--requirepass`). */
  readonly password: string;
  /** What redis-server printed so far. */
  log(): string;
  /** Stops the server by its PID and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port with TLS only (`--port 0 --tls-port PORT`), a
 * certificate from `pki`, no client certificates, `--requirepass`, and no persistence (`--save ''
 * --appendonly no`), in a temporary directory.
 */
export async function startRedis(pki: TestPki, password = 'redis-correct-horse'): Promise<RunningRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-redis-'));
  await chmod(dir, 0o755);
  const leaf = await pki.leaf();
  await writeFile(join(dir, 'ca.pem'), pki.ca.cert);
  await writeFile(join(dir, 'cert.pem'), leaf.cert);
  await writeFile(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
  const port = await freePort();
  // The password goes in a config file, not on the command line, where `ps` would show it.
  const conf = join(dir, 'redis.conf');
  await writeFile(conf, `requirepass "${password}"\n`, { mode: 0o600 });
  const args = [
    conf,
    ...['--bind', '127.0.0.1', '--port', '0', '--tls-port', String(port)],
    ...['--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'ca.pem')],
    ...['--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no'],
  ];
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const peer = await spawnListening('redis-server', args, { port, cwd: dir, cleanup });
  return { port, pid: peer.pid, dir, password, log: peer.output, stop: peer.stop };
}
