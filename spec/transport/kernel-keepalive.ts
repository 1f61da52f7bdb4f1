import { existsSync, readFileSync } from 'node:fs';

/**
 * What the Linux kernel says of one TCP connection's keepalive, read from /proc/net/tcp (IPv4)
 * and /proc/net/tcp6: the `tr` (timer) column is 2 while the keepalive timer is armed on an idle
 * established socket, and `tm->when` is the time left before the first probe, in USER_HZ
 * (centiseconds). Nothing else on loopback shows that SO_KEEPALIVE and TCP_KEEPIDLE are set
 * without waiting minutes for a probe.
 */
export interface KernelKeepAlive {
  /** The keepalive timer is armed. */
  readonly armed: boolean;
  /** Milliseconds before the first probe, as the kernel counts them (0 when not armed). */
  readonly msLeft: number;
}

/** Whether this system exposes /proc/net/tcp (Linux); elsewhere the kernel checks are skipped. */
export const kernelTcpTable = existsSync('/proc/net/tcp');

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/**
 * The keepalive state of the socket whose local port is `localPort` and remote port
 * `remotePort`, or undefined when none is listed. While a retransmission or window probe is
 * pending (the last handshake record not yet acknowledged) the kernel shows that timer instead
 * of keepalive's, so this waits (up to a second) for the socket to be quiet before it reads.
 */
export async function kernelKeepAlive(localPort: number, remotePort: number): Promise<KernelKeepAlive | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = kernelTimer(localPort, remotePort);
    // 01: retransmission pending, 04: zero-window probe; 00 none, 02 keepalive, 03 TIME_WAIT
    if (row === undefined || (row.kind !== '01' && row.kind !== '04'))
      return row && { armed: row.kind === '02', msLeft: row.kind === '02' ? row.when * 10 : 0 };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the socket ${localPort}→${remotePort} never went quiet enough to read its keepalive timer`);
}

function kernelTimer(localPort: number, remotePort: number): { kind: string; when: number } | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      const [local, remote, , , timer] = fields.slice(1);
      if (!local?.endsWith(`:${hexPort(localPort)}`) || !remote?.endsWith(`:${hexPort(remotePort)}`)) continue;
      const [kind, when] = (timer ?? '00:0').split(':');
      return { kind: kind ?? '00', when: parseInt(when ?? '0', 16) };
    }
  }
  return undefined;
}
