import { isIP } from 'node:net';
import { InvalidOptionError } from '../../errors';

/** The kinds of proxy `connect` can tunnel through. */
export type ProxyProtocol = 'http' | 'socks5' | 'socks5h';

/**
 * A proxy to tunnel the TCP connection through, parsed from a URL such as
 * `http://user:pass@proxy.example:3128`. TLS runs end to end through it: the proxy sees only
 * ciphertext, and verification, SNI and a pin are about the target, never the proxy.
 *
 * - `http`: an HTTP proxy that answers `CONNECT host:port` (port 80 when the URL names none).
 * - `socks5h`: SOCKS5, the proxy resolves the target's name (port 1080 when none).
 * - `socks5`: SOCKS5, rxtls resolves the name itself and sends the proxy an address.
 *
 * @example
 * ```ts
 * import { parseProxyUrl } from 'rxtls';
 * const proxy = parseProxyUrl('socks5h://127.0.0.1:1080');
 * console.log(proxy.protocol, proxy.host, proxy.port, proxy.shown); // socks5h 127.0.0.1 1080 socks5h://127.0.0.1:1080
 * ```
 */
export interface ProxyEndpoint {
  readonly protocol: ProxyProtocol;
  /** The proxy's host name or IP address (an IPv6 address without brackets). */
  readonly host: string;
  readonly port: number;
  /** The URL without its credentials: what messages show. */
  readonly shown: string;
  /**
   * The user name and password of the URL, percent-decoded; not enumerable, so that printing or
   * serialising the endpoint never shows them.
   */
  readonly credentials?: ProxyCredentials;
}

/** A proxy's user name and password. */
export interface ProxyCredentials {
  readonly username: string;
  readonly password: string;
}

const DEFAULT_PORTS: Readonly<Record<ProxyProtocol, number>> = { http: 80, socks5: 1080, socks5h: 1080 };

/** What a proxy URL must look like, in every message about one. */
export const PROXY_URL_RULE = 'must be a URL such as http://[user:password@]host:port, socks5://… or socks5h://…, or "env"';

/**
 * A proxy URL with any credentials replaced by `***`, for messages: the text before the last `@`
 * of the authority is hidden, and text that cannot be told apart is hidden whole.
 *
 * @example
 * ```ts
 * import { redactProxyUrl } from 'rxtls';
 * console.log(redactProxyUrl('http://joe:secret@proxy:3128')); // http://***@proxy:3128
 * ```
 */
export function redactProxyUrl(text: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  if (!scheme) return text.includes('@') || text.includes(':') ? '(hidden)' : text;
  const rest = text.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return authority.includes(':') && !/^[^:]*:\d*$|^\[[^\]]*\](:\d*)?$/.test(authority) ? '(hidden)' : text;
  return `${scheme[0]}***@${rest.slice(at + 1)}`;
}

/**
 * Parses a proxy URL (`http://`, `socks5://`, `socks5h://`); throws {@link InvalidOptionError}
 * naming `option` (with the URL's credentials hidden) when it is not one.
 *
 * @param text - the URL
 * @param option - the option (or environment variable) it came from, for the error
 * @returns the proxy, its credentials percent-decoded
 * @example
 * ```ts
 * import { parseProxyUrl } from 'rxtls';
 * const { protocol, host, port } = parseProxyUrl('http://proxy.example:3128'); // 'http', 'proxy.example', 3128
 * ```
 */
export function parseProxyUrl(text: unknown, option = 'proxy'): ProxyEndpoint {
  if (typeof text !== 'string') throw new InvalidOptionError(option, typeof text === 'object' ? text : '(hidden)', PROXY_URL_RULE);
  const shownValue = redactProxyUrl(text);
  const invalid = (problem: string) => new InvalidOptionError(option, shownValue, problem);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(PROXY_URL_RULE);
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol === 'https')
    throw invalid('names an https:// proxy, which rxtls does not speak TLS to; use http://, socks5:// or socks5h://');
  if (!isProxyProtocol(protocol)) throw invalid(`${PROXY_URL_RULE}; the scheme "${protocol}" is not one of them`);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/.test(text)) throw invalid(`${PROXY_URL_RULE}; it names no host`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '' || (url.hostname.startsWith('[') && isIP(host) !== 6)) throw invalid(`${PROXY_URL_RULE}; it names no host`);
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) throw invalid('names a proxy host with characters a host name cannot have');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    throw invalid('must name only the proxy: no path, query or fragment after host:port');
  const port = url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port);
  if (port < 1) throw invalid('names port 0; a proxy port is from 1 to 65535');
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  const endpoint: ProxyEndpoint = { protocol, host, port, shown: `${protocol}://${hostPart}:${port}` };
  if (url.username === '' && url.password === '') return endpoint;
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw invalid('has credentials that are not valid percent-encoded UTF-8');
  }
  if (username === '') throw invalid('has a password but no user name');
  if (username.includes(':')) throw invalid('has a user name with ":" in it, which HTTP Basic and SOCKS cannot carry');
  if (protocol !== 'http' && (Buffer.byteLength(username) > 255 || Buffer.byteLength(password) > 255))
    throw invalid('has a SOCKS5 user name or password longer than 255 bytes (RFC 1929)');
  Object.defineProperty(endpoint, 'credentials', { value: { username, password }, enumerable: false });
  return endpoint;
}

function isProxyProtocol(protocol: string): protocol is ProxyProtocol {
  return protocol in DEFAULT_PORTS;
}
