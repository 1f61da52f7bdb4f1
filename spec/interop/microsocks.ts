import { describeWithPeer, freePort } from './peers';
import { startForeground, type RunningProxy } from './tinyproxy';

/** Specs that run Debian's microsocks (a SOCKS5 server). */
export function describeWithMicrosocks(name: string, body: () => void): void {
  // microsocks has no option that exits 0, so the probe looks for it on the PATH.
  describeWithPeer(name, { programs: ['microsocks'], aptPackage: 'microsocks' }, body);
}

/** Starts `microsocks -i 127.0.0.1 -p PORT [-u USER -P PASSWORD]` on a free port. */
export async function startMicrosocks(auth?: { readonly user: string; readonly password: string }): Promise<RunningProxy> {
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port), ...(auth ? ['-u', auth.user, '-P', auth.password] : [])];
  return startForeground('microsocks', args, port);
}
