import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';

/** Whether `command` runs here. */
export function installed(command: string, versionArgs: readonly string[] = ['--version']): boolean {
  return spawnSync(command, [...versionArgs]).status === 0;
}

/**
 * Whether `program` is an executable file on the PATH (or in /usr/sbin and /sbin, where Debian
 * puts daemons and which not every PATH has), for the peers that have no option that exits 0.
 */
export function onPath(program: string): boolean {
  const dirs = isAbsolute(program) ? [''] : [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * A peer a spec needs: a command that exits 0 with `versionArgs` (default `--version`), or, for
 * programs without such an option, the `programs` that must all be on the PATH.
 */
export type Peer =
  | { readonly command: string; readonly versionArgs?: readonly string[]; readonly aptPackage: string }
  | { readonly programs: readonly string[]; readonly aptPackage: string };

function present(peer: Peer): boolean {
  return 'programs' in peer ? peer.programs.every(onPath) : installed(peer.command, peer.versionArgs);
}

/**
 * Describes specs that need a real peer nobody here wrote. Locally, without it, they skip with
 * a message saying how to install it; in CI (`RXTLS_REQUIRE_INTEROP=1`, set by `.ci/run`, which
 * installs the peers) a missing peer fails instead of skipping silently.
 */
export function describeWithPeer(name: string, peer: Peer, body: () => void): void {
  if (present(peer)) return describe(name, body);
  const what = 'programs' in peer ? peer.programs.join(', ') : peer.command;
  if (process.env['RXTLS_REQUIRE_INTEROP'] === '1') {
    describe(name, () =>
      it(`needs ${what}, which RXTLS_REQUIRE_INTEROP=1 requires`, () => {
        throw new Error(`${what} is not installed: apt-get install ${peer.aptPackage}`);
      }),
    );
    return;
  }
  describe.skip(`${name} (skipped: ${what} is not installed; run "apt-get install ${peer.aptPackage}")`, body);
}

/** A TCP port free on 127.0.0.1 a moment ago, for servers that need it on their command line. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; false after `ms`, or as soon as `exited()` says the server is gone. */
export async function listeningOn(port: number, ms: number, exited: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !exited()) {
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

/** Stops a child by its PID (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
  clearTimeout(timer);
  if (!stopped) process.kill(child.pid, 'SIGKILL');
  await exited;
}

/** A server a spec started in the foreground. */
export interface SpawnedPeer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it printed on stdout and stderr so far. */
  output(): string;
  /** Stops it by its PID, then runs the starter's cleanup (its directory, …). */
  stop(): Promise<void>;
}

/**
 * Spawns `command args` in the foreground and resolves once it accepts connections on
 * 127.0.0.1:`port`. If it exits or does not listen within 10 s, it is stopped, `cleanup` runs,
 * and the error carries what it printed and `log()` (its log file, for servers that write one).
 */
export async function spawnListening(
  command: string,
  args: readonly string[],
  options: {
    readonly port: number;
    readonly cwd?: string;
    readonly env?: SpawnOptions['env'];
    readonly cleanup?: () => Promise<void>;
    readonly log?: () => Promise<string>;
  },
): Promise<SpawnedPeer> {
  const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async () => {
    await stopChild(child);
    await options.cleanup?.();
  };
  if (!(await listeningOn(options.port, 10_000, () => child.exitCode !== null))) {
    const text = `${output}${options.log ? await options.log() : ''}`;
    await stop();
    throw new Error(`${command} did not start listening on 127.0.0.1:${options.port}:\n${text}`);
  }
  return { child, pid: child.pid as number, output: () => output, stop };
}
