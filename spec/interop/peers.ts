import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether `command` runs here. */
export function installed(command: string, versionArgs: readonly string[] = ['--version']): boolean {
  return spawnSync(command, [...versionArgs]).status === 0;
}

/**
 * Describes specs that need a real peer nobody here wrote. Locally, without it, they skip with
 * a message saying how to install it; in CI (`RXTLS_REQUIRE_INTEROP=1`, set by `.ci/run`, which
 * installs the peers) a missing peer fails instead of skipping silently.
 */
export function describeWithPeer(
  name: string,
  peer: { command: string; versionArgs?: readonly string[]; aptPackage: string },
  body: () => void,
): void {
  if (installed(peer.command, peer.versionArgs)) return describe(name, body);
  if (process.env['RXTLS_REQUIRE_INTEROP'] === '1') {
    describe(name, () =>
      it(`needs ${peer.command}, which RXTLS_REQUIRE_INTEROP=1 requires`, () => {
        throw new Error(`${peer.command} is not installed: apt-get install ${peer.aptPackage}`);
      }),
    );
    return;
  }
  describe.skip(`${name} (skipped: ${peer.command} is not installed; run "apt-get install ${peer.aptPackage}")`, body);
}

/** A TCP port free on 127.0.0.1 a moment ago, for servers that need it on their command line. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
