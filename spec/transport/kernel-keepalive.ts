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

/** The keepalive state of the socket whose local port is `localPort` and remote port `remotePort`, or undefined when none is listed. */
export function kernelKeepAlive(localPort: number, remotePort: number): KernelKeepAlive | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      const [local, remote, , , timer] = fields.slice(1);
      if (!local?.endsWith(`:${hexPort(localPort)}`) || !remote?.endsWith(`:${hexPort(remotePort)}`)) continue;
      const [kind, when] = (timer ?? '00:0').split(':');
      const armed = kind === '02';
      return { armed, msLeft: armed ? parseInt(when ?? '0', 16) * 10 : 0 };
    }
  }
  return undefined;
}
