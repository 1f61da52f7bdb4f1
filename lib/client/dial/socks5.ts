import type { Socket } from 'node:net';
import { SocksClient } from 'socks';
import type { ProxyHopFailure } from './http-connect';
import type { ProxyEndpoint } from './proxy-url';

/** SOCKS5 replies (RFC 1928, section 6) that say the proxy could not reach the target. */
const UNREACHABLE_REPLIES = new Set(['NetworkUnreachable', 'HostUnreachable', 'ConnectionRefused', 'TTLExpired']);

/** The numbers of the SOCKS5 replies, for messages (the `socks` package names them). */
const REPLY_NUMBERS: Readonly<Record<string, number>> = {
  Failure: 1,
  NotAllowed: 2,
  NetworkUnreachable: 3,
  HostUnreachable: 4,
  ConnectionRefused: 5,
  TTLExpired: 6,
  CommandNotSupported: 7,
  AddressNotSupported: 8,
};

/**
 * Asks a SOCKS5 proxy, over `socket` (connected to it), to connect to `host:port` — a name for
 * `socks5h` (the proxy resolves it), an address for `socks5` — with user/password
 * authentication (RFC 1929) when the proxy URL has credentials. The protocol is the `socks`
 * package's; this maps its outcome to rxtls's codes. The package's errors carry its options,
 * password included, so none of them is passed on: only the words of this module.
 *
 * @returns a function that stops listening (the caller destroys the socket)
 */
export function socks5Connect(
  socket: Socket,
  proxy: ProxyEndpoint,
  host: string,
  port: number,
  timeout: number,
  done: (failure: ProxyHopFailure | undefined) => void,
): () => void {
  const credentials = proxy.credentials;
  const client = new SocksClient({
    command: 'connect',
    destination: { host, port },
    proxy: {
      host: proxy.host,
      port: proxy.port,
      type: 5,
      ...(credentials && { userId: credentials.username, password: credentials.password }),
    },
    timeout, // the dialer's own deadline fires first; this one only bounds the package's timer
    existing_socket: socket,
  });
  let stopped = false;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  client.once('established', () => {
    // The package resumes the socket in a setImmediate of its own, after handing back any bytes
    // the proxy sent past its reply; hand the socket on after that, paused, for TLS to read.
    immediate = setImmediate(() => {
      if (stopped) return;
      stopped = true;
      socket.pause();
      done(undefined);
    });
  });
  client.once('error', (error: Error) => {
    if (stopped) return;
    stopped = true;
    done(failureOf(error.message, proxy, `${host}:${port}`, credentials !== undefined));
  });
  client.connect(socket);
  return () => {
    stopped = true;
    if (immediate !== undefined) clearImmediate(immediate);
  };
}

function failureOf(said: string, proxy: ProxyEndpoint, target: string, gaveCredentials: boolean): ProxyHopFailure {
  const reply = /rejected connection - (\w+)/.exec(said)?.[1];
  if (reply !== undefined) {
    const words = `SOCKS5 reply ${REPLY_NUMBERS[reply] ?? '?'} ${reply}`;
    return UNREACHABLE_REPLIES.has(reply)
      ? { code: 'ERR_RXTLS_PROXY_TARGET_UNREACHABLE', message: `proxy ${proxy.shown} could not reach ${target} (${words})` }
      : { code: 'ERR_RXTLS_PROXY_REFUSED', message: `proxy ${proxy.shown} refused to connect to ${target} (${words})` };
  }
  if (/Authentication failed/i.test(said))
    return {
      code: 'ERR_RXTLS_PROXY_AUTH_REQUIRED',
      message: `proxy ${proxy.shown} rejected the credentials of the proxy URL (SOCKS5 authentication failed)`,
    };
  if (/no accepted authentication type/i.test(said))
    return {
      code: 'ERR_RXTLS_PROXY_AUTH_REQUIRED',
      message: `proxy ${proxy.shown} accepts none of the SOCKS5 authentication methods offered (${gaveCredentials ? 'user/password' : 'none: the proxy URL has no credentials'})`,
    };
  if (/Socket closed/i.test(said))
    return { code: 'ERR_RXTLS_PROXY_REFUSED', message: `proxy ${proxy.shown} closed the connection during the SOCKS5 handshake` };
  if (/timed out/i.test(said))
    return { code: 'ERR_RXTLS_PROXY_REFUSED', message: `proxy ${proxy.shown} did not finish the SOCKS5 handshake in time` };
  return {
    code: 'ERR_RXTLS_PROXY_BAD_RESPONSE',
    message: `proxy ${proxy.shown} did not answer in SOCKS5 (${said.replace(/[^\x20-\x7e]/g, '?').slice(0, 120)})`,
  };
}
