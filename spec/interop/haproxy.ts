import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeer, freePort, spawnListening, type SpawnedPeer } from './peers';

/** Specs that run Debian's HAProxy as a TCP load balancer. */
export function describeWithHaproxy(name: string, body: () => void): void {
  describeWithPeer(name, { command: 'haproxy', versionArgs: ['-v'], aptPackage: 'haproxy' }, body);
}

/** A running HAProxy: the port it balances on. */
export interface RunningHaproxy extends SpawnedPeer {
  readonly port: number;
}

/**
 * Starts `haproxy -db -f CONF` (in the foreground) on a free port of 127.0.0.1, in TCP mode,
 * balancing round robin over `backends` (ports of 127.0.0.1), from a configuration in a
 * temporary directory removed when it stops.
 */
export async function startHaproxy(backends: readonly number[]): Promise<RunningHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-haproxy-'));
  const port = await freePort();
  const conf = join(dir, 'haproxy.cfg');
  await writeFile(
    conf,
    [
      'global',
      '  maxconn 256',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fleet',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      ...backends.map((backend, i) => `  server instance${i} 127.0.0.1:${backend}`),
      '',
    ].join('\n'),
  );
  const peer = await spawnListening('haproxy', ['-db', '-f', conf], { port, cleanup: () => rm(dir, { recursive: true, force: true }) });
  return { ...peer, port };
}
