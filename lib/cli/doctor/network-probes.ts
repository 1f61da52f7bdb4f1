/**
 * The network probes of `rxtls doctor` below TLS: the name lookup (every A and AAAA record the
 * resolver gives) and one TCP connection per address, each bounded in time.
 * @module
 */
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect } from 'node:net';
import type { DnsFinding, ProbeError, TcpFinding } from '../../diagnostics/doctor-findings';

/** The code and message of whatever a probe caught. */
export function probeError(error: unknown): ProbeError {
  const fields = error as { code?: unknown; message?: unknown };
  return {
    code: typeof fields.code === 'string' ? fields.code : 'ERR_RXTLS_CONNECT_FAILED',
    message: typeof fields.message === 'string' ? fields.message : String(error),
  };
}

/** Every address of `host`, as the system resolver (and /etc/hosts) gives them. */
export async function lookupAll(host: string): Promise<DnsFinding> {
  const family = isIP(host);
  if (family !== 0) return { status: 'skipped', addresses: [{ address: host, family: family as 4 | 6 }] };
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    return { status: 'ok', addresses: found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })) };
  } catch (error) {
    return { status: 'failed', addresses: [], error: probeError(error) };
  }
}

/** One TCP connection to `address`:`port`, closed as soon as it opened; `ERR_RXTLS_CONNECT_TIMEOUT` after `timeoutMs`. */
export function tcpProbe(address: string, family: 4 | 6, port: number, timeoutMs: number): Promise<TcpFinding> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: address, port, family });
    const done = (finding: TcpFinding) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(finding);
    };
    const timer = setTimeout(
      () =>
        done({
          address,
          family,
          status: 'failed',
          error: { code: 'ERR_RXTLS_CONNECT_TIMEOUT', message: `TCP did not connect within ${timeoutMs} ms (option --timeout)` },
        }),
      timeoutMs,
    );
    socket.once('connect', () => done({ address, family, status: 'ok', ms: Date.now() - started }));
    socket.once('error', (error) => done({ address, family, status: 'failed', error: probeError(error) }));
  });
}
