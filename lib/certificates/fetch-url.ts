import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_MAX_REDIRECTS, DEFAULT_FETCH_TIMEOUT_MS } from '../defaults';
import { TransportError } from '../errors';

/**
 * The bounds of one fetch of a CRL or an issuer certificate. Every fetch has all three: a
 * distribution point is named by the certificate, so by whoever made it.
 *
 * @example
 * ```ts
 * import type { FetchLimits } from 'rxtls';
 * const tight: FetchLimits = { maxBytes: 256 * 1024, timeoutMs: 2_000, maxRedirects: 1 };
 * ```
 */
export interface FetchLimits {
  /** Most bytes of a response body; a longer one fails the fetch. Default {@link DEFAULT_FETCH_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Time for the whole fetch, redirects included, in ms. Default {@link DEFAULT_FETCH_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Redirects followed (http: to https:, or within one scheme). Default {@link DEFAULT_FETCH_MAX_REDIRECTS}. */
  readonly maxRedirects?: number;
}

/** Fetches under way, by URL and bounds: concurrent fetches of the same URL share one request. */
const inFlight = new Map<string, Promise<Buffer>>();

/**
 * GETs `url` over HTTP or HTTPS, asynchronously, within `limits`, and resolves with the body.
 * Refuses every other scheme, a redirect to another scheme (https: may not fall back to http:),
 * more redirects than allowed, a status other than 200, a body past `maxBytes` and a fetch past
 * `timeoutMs`: each an `ERR_RXTLS_FETCH_FAILED` {@link TransportError} whose message names the URL.
 * Concurrent calls for the same URL share one request.
 *
 * @example
 * ```ts
 * import { fetchBounded } from 'rxtls';
 * const crl = await fetchBounded('http://crl.example.com/ca.crl', { maxBytes: 1024 * 1024 });
 * ```
 */
export function fetchBounded(url: string, limits: FetchLimits = {}): Promise<Buffer> {
  const bounds = {
    maxBytes: limits.maxBytes ?? DEFAULT_FETCH_MAX_BYTES,
    timeoutMs: limits.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    maxRedirects: limits.maxRedirects ?? DEFAULT_FETCH_MAX_REDIRECTS,
  };
  const key = `${url}\u0000${bounds.maxBytes}\u0000${bounds.timeoutMs}\u0000${bounds.maxRedirects}`;
  const shared = inFlight.get(key);
  if (shared) return shared;
  const fetching = fetchWithin(url, bounds).finally(() => inFlight.delete(key));
  inFlight.set(key, fetching);
  return fetching;
}

type Bounds = Required<FetchLimits>;

function fetchWithin(original: string, bounds: Bounds): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let done = false;
    let abort: () => void = () => undefined;
    const finish = (error: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      abort();
      if (error) reject(error);
      else resolve(body as Buffer);
    };
    const timer = setTimeout(() => finish(fetchError(original, `no answer within ${bounds.timeoutMs} ms`)), bounds.timeoutMs);
    const get = (url: URL, redirectsLeft: number) => {
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', headers: { accept: '*/*' } });
      abort = () => request.destroy();
      request.on('error', (error) => finish(fetchError(original, error.message, error)));
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location !== undefined) {
          response.resume();
          const next = redirectTarget(original, url, response.headers.location, redirectsLeft, bounds.maxRedirects);
          if (next instanceof Error) return finish(next);
          return get(next, redirectsLeft - 1);
        }
        if (status !== 200) {
          response.resume();
          return finish(fetchError(original, `HTTP status ${status}`));
        }
        const declared = Number(response.headers['content-length'] ?? NaN);
        if (declared > bounds.maxBytes) return finish(tooLarge(original, bounds.maxBytes));
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > bounds.maxBytes) return finish(tooLarge(original, bounds.maxBytes));
          chunks.push(chunk);
        });
        response.on('error', (error) => finish(fetchError(original, error.message, error)));
        response.on('end', () => finish(undefined, Buffer.concat(chunks, length)));
      });
      request.end();
    };
    const first = parseFetchUrl(original);
    if (first instanceof Error) return finish(first);
    get(first, bounds.maxRedirects);
  });
}

/** The URL, when it is an absolute http: or https: URL; otherwise the error that refuses it. */
export function parseFetchUrl(text: string): URL | TransportError {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fetchError(text, 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fetchError(text, `the scheme ${url.protocol} is refused: only http: and https: are fetched`);
  }
  return url;
}

function redirectTarget(original: string, from: URL, location: string, left: number, allowed: number): URL | TransportError {
  if (left <= 0) return fetchError(original, `more than ${allowed} redirects (option fetch.maxRedirects)`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return fetchError(original, `redirected to ${location}, which is not a URL`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    return fetchError(original, `redirected to ${next.href}: the scheme ${next.protocol} is refused`);
  }
  if (from.protocol === 'https:' && next.protocol === 'http:')
    return fetchError(original, `redirected from https: to ${next.href}, refused`);
  return next;
}

function tooLarge(url: string, maxBytes: number): TransportError {
  return fetchError(url, `the response is larger than ${maxBytes} bytes (option fetch.maxBytes)`);
}

/** An `ERR_RXTLS_FETCH_FAILED` naming the URL. */
export function fetchError(url: string, problem: string, cause?: unknown): TransportError {
  let host = '';
  let port = 0;
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    port = Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
  } catch {
    // no host to name: the URL itself says what is wrong
  }
  return new TransportError('ERR_RXTLS_FETCH_FAILED', host, port, `fetching ${url} failed: ${problem}`, { cause });
}
