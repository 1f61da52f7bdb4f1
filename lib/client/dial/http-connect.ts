import { isIP, type Socket } from 'node:net';
import { MAX_PROXY_RESPONSE_BYTES } from '../../defaults';
import type { ProxyEndpoint } from './proxy-url';

/** How a proxy hop ended badly: which condition, and the words for it (never the credentials). */
export interface ProxyHopFailure {
  readonly code:
    'ERR_RXTLS_PROXY_REFUSED' | 'ERR_RXTLS_PROXY_AUTH_REQUIRED' | 'ERR_RXTLS_PROXY_TARGET_UNREACHABLE' | 'ERR_RXTLS_PROXY_BAD_RESPONSE';
  readonly message: string;
}

/** A host that may stand in a `CONNECT` request line: a DNS name, an IPv4 address or an IPv6 one (sent in brackets). */
export function isConnectableHost(host: string): boolean {
  return isIP(host) !== 0 || /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(host);
}

/**
 * Asks an HTTP proxy, over `socket` (connected to it), to open a tunnel to `host:port` with
 * `CONNECT` (RFC 9110, section 9.3.6), with `Proxy-Authorization: Basic` when the proxy URL has
 * credentials. `done` gets `undefined` once a 2xx status came (bytes after the header are put
 * back for TLS), or why not. The answer is read up to {@link MAX_PROXY_RESPONSE_BYTES}.
 * Written by hand rather than with `http.request`: a dozen lines of bounded parsing are easier to
 * keep honest than an agent's socket handling, and leave the socket exactly as TLS needs it.
 *
 * @returns a function that stops listening (the caller destroys the socket)
 */
export function httpConnect(
  socket: Socket,
  proxy: ProxyEndpoint,
  host: string,
  port: number,
  done: (failure: ProxyHopFailure | undefined) => void,
): () => void {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  if (!isConnectableHost(host)) {
    // connect-options.ts refuses such a host already; this keeps the request line safe on its own.
    done({ code: 'ERR_RXTLS_PROXY_REFUSED', message: 'the target host cannot be written in a CONNECT request' });
    return () => undefined;
  }
  const credentials = proxy.credentials;
  const authorization = credentials
    ? `Proxy-Authorization: Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}\r\n`
    : '';
  let received = Buffer.alloc(0);
  let answered = false;
  const stop = () => {
    if (answered) return; // the socket is the caller's now: leave it as handed over
    answered = true;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause(); // flowing without a listener would drop what TLS reads next
  };
  const finish = (failure: ProxyHopFailure | undefined) => {
    stop();
    done(failure);
  };
  const onEnd = () =>
    finish({ code: 'ERR_RXTLS_PROXY_REFUSED', message: `proxy ${proxy.shown} closed the connection before answering CONNECT` });
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const end = received.indexOf('\r\n\r\n');
    if (end === -1) {
      if (received.length > MAX_PROXY_RESPONSE_BYTES)
        finish({
          code: 'ERR_RXTLS_PROXY_BAD_RESPONSE',
          message: `proxy ${proxy.shown} sent more than ${MAX_PROXY_RESPONSE_BYTES} bytes (MAX_PROXY_RESPONSE_BYTES) without ending its answer to CONNECT`,
        });
      return;
    }
    if (end > MAX_PROXY_RESPONSE_BYTES)
      return finish({
        code: 'ERR_RXTLS_PROXY_BAD_RESPONSE',
        message: `proxy ${proxy.shown} answered CONNECT with more than ${MAX_PROXY_RESPONSE_BYTES} bytes (MAX_PROXY_RESPONSE_BYTES)`,
      });
    stop();
    const rest = received.subarray(end + 4);
    const failure = judgeStatus(
      received.subarray(0, received.indexOf('\r\n')).toString('latin1'),
      proxy,
      authority,
      credentials !== undefined,
    );
    if (!failure && rest.length > 0) socket.unshift(rest);
    done(failure);
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${authorization}\r\n`);
  return stop;
}

function judgeStatus(statusLine: string, proxy: ProxyEndpoint, authority: string, gaveCredentials: boolean): ProxyHopFailure | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) return { code: 'ERR_RXTLS_PROXY_BAD_RESPONSE', message: `proxy ${proxy.shown} did not answer CONNECT in HTTP/1.1` };
  const status = Number(match[1]);
  // The reason phrase is the proxy's text: printable ASCII only, and short.
  const reason = (match[2] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
  const said = `${status}${reason ? ` ${reason}` : ''}`;
  if (status >= 200 && status < 300) return undefined;
  // 407 is the standard answer; tinyproxy answers wrong credentials with 401.
  if (status === 407 || status === 401)
    return {
      code: 'ERR_RXTLS_PROXY_AUTH_REQUIRED',
      message: `proxy ${proxy.shown} wants authentication (status ${said}); ${gaveCredentials ? 'it rejected the credentials of the proxy URL' : 'the proxy URL has no credentials'}`,
    };
  if (status === 502 || status === 504)
    return { code: 'ERR_RXTLS_PROXY_TARGET_UNREACHABLE', message: `proxy ${proxy.shown} could not reach ${authority} (status ${said})` };
  return { code: 'ERR_RXTLS_PROXY_REFUSED', message: `proxy ${proxy.shown} refused CONNECT ${authority} (status ${said})` };
}
