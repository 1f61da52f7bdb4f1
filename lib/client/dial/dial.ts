import type { LookupFunction, Socket } from 'node:net';
import { Observable } from 'rxjs';
import { TransportError } from '../../errors';
import { timerSet } from '../../util/timer-set';
import { happyEyeballs, type FailedAttempt } from './happy-eyeballs';
import { httpConnect, type ProxyHopFailure } from './http-connect';
import type { ProxyEndpoint } from './proxy-url';
import { resolveAddresses, type DialAddress } from './resolve-addresses';
import { socks5Connect } from './socks5';

/** Where and how to open the TCP connection under TLS: what the dialer needs of the client's options. */
export interface DialRoute {
  readonly host: string;
  readonly port: number;
  /** The proxy to tunnel through; none: directly. */
  readonly proxy: ProxyEndpoint | undefined;
  /** The resolver (node's `lookup` signature); none: `dns.lookup`. */
  readonly lookup: LookupFunction | undefined;
  readonly attemptTimeout: number;
  readonly connectTimeout: number;
}

/**
 * The dialer: one connected TCP socket to `route.host:port` — directly, or through an HTTP
 * CONNECT or SOCKS5 proxy — emitted once, then complete; the subscriber owns it from then on
 * (after a proxy hop it is paused, with whatever the proxy sent past its answer put back).
 * Every address of a name is tried ({@link happyEyeballs}); one deadline, `connectTimeout`,
 * covers the resolution, every attempt and the proxy hop. Failures are {@link TransportError}s
 * about the target that say which hop failed; unsubscribing before the socket was handed over
 * destroys every socket and cancels every timer (a lookup in progress is ignored when it answers).
 */
export function dial(route: DialRoute): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    const { host, port, proxy } = route;
    const timers = timerSet();
    let stage = proxy ? `connecting to proxy ${proxy.shown}` : `resolving ${host}`;
    // Every stage's cancel, kept: a stage may finish (and start the next) before it returns its own.
    const cancels: (() => void)[] = [];
    let socket: Socket | undefined;
    let handedOver = false;
    const fail = (code: string, message: string, cause?: unknown) => {
      subscriber.error(new TransportError(code, host, port, message, cause === undefined ? undefined : { cause }));
    };
    timers.after(route.connectTimeout, () =>
      fail('ERR_RXTLS_CONNECT_TIMEOUT', `connect timed out after ${route.connectTimeout} ms (option connectTimeout) while ${stage}`),
    );
    const handOver = (connected: Socket) => {
      handedOver = true;
      timers.clear();
      subscriber.next(connected);
      subscriber.complete();
    };
    const deadline = Date.now() + route.connectTimeout;
    const hop = (connected: Socket) => {
      socket = connected;
      if (!proxy) return handOver(connected);
      // Until TLS takes the socket, an error or a close is the proxy's.
      const lostProxy = (error?: NodeJS.ErrnoException) =>
        fail(
          'ERR_RXTLS_PROXY_REFUSED',
          `proxy ${proxy.shown} ${error ? `failed (${error.code ?? error.message})` : 'closed the connection'} while ${stage}`,
          error,
        );
      connected.on('error', lostProxy);
      const finished = (failure: ProxyHopFailure | undefined) => {
        connected.off('error', lostProxy);
        if (failure) fail(failure.code, failure.message);
        else handOver(connected);
      };
      const tunnel = (target: string) => {
        stage = `waiting for proxy ${proxy.shown} to reach ${target}:${port}`;
        cancels.push(
          proxy.protocol === 'http'
            ? httpConnect(connected, proxy, target, port, finished)
            : socks5Connect(connected, proxy, target, port, Math.max(1, deadline - Date.now()), finished),
        );
      };
      if (proxy.protocol !== 'socks5') return tunnel(host);
      stage = `resolving ${host} for proxy ${proxy.shown}`;
      cancels.push(
        resolveAddresses(host, route.lookup, (error, addresses) => {
          // SOCKS5 takes one address a request: the first, in the resolver's order of preference.
          if (error || !addresses[0])
            fail(error?.code ?? 'ENOTFOUND', `${describeLookup(host, error)} (to send to proxy ${proxy.shown})`, error);
          else tunnel(addresses[0].address);
        }),
      );
    };
    const endpoint = proxy ?? { host, port };
    const resolved = resolveAddresses(endpoint.host, route.lookup, (error, addresses) => {
      if (error) {
        if (proxy) fail('ERR_RXTLS_PROXY_UNREACHABLE', `proxy ${proxy.shown} unreachable: ${describeLookup(proxy.host, error)}`, error);
        else fail(error.code ?? 'ERR_RXTLS_CONNECT_FAILED', describeLookup(host, error), error);
        return;
      }
      stage = `connecting to ${proxy ? `proxy ${proxy.shown} at ` : ''}${addresses.map((a) => a.address).join(', ')}`;
      cancels.push(
        happyEyeballs(addresses, endpoint.port, route.attemptTimeout, timers, hop, (failures) =>
          proxy
            ? fail(
                'ERR_RXTLS_PROXY_UNREACHABLE',
                `proxy ${proxy.shown} unreachable: ${describeFailures(failures, addresses)}`,
                causeOf(failures),
              )
            : fail(codeOf(failures), describeFailures(failures, addresses), causeOf(failures)),
        ),
      );
    });
    cancels.push(resolved);
    return () => {
      timers.clear();
      for (const cancel of cancels) cancel();
      if (!handedOver) socket?.destroy();
    };
  });
}

const HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host name lookup failed temporarily (DNS)',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out (the OS gave up)',
};

function describeLookup(host: string, error: NodeJS.ErrnoException | undefined): string {
  const hint = HINTS[error?.code ?? ''];
  return `${hint ?? 'could not resolve the host'} (${error?.message ?? `no address for ${host}`})`;
}

function describeError(error: NodeJS.ErrnoException): string {
  const hint = error.code ? HINTS[error.code] : undefined;
  return hint ? `${hint} (${error.message})` : error.message;
}

/** One address: its error, as a direct connection says it. Several: each address with its error. */
function describeFailures(failures: readonly FailedAttempt[], addresses: readonly DialAddress[]): string {
  if (failures.length === 1 && addresses.length === 1) return describeError((failures[0] as FailedAttempt).error);
  return `every address failed: ${failures.map((f) => `${f.address} (${describeError(f.error)})`).join(', ')}`;
}

/** The code all attempts failed with, or `ERR_RXTLS_CONNECT_FAILED` when they differ. */
function codeOf(failures: readonly FailedAttempt[]): string {
  const codes = new Set(failures.map((f) => f.error.code ?? 'ERR_RXTLS_CONNECT_FAILED'));
  return codes.size === 1 ? ([...codes][0] as string) : 'ERR_RXTLS_CONNECT_FAILED';
}

function causeOf(failures: readonly FailedAttempt[]): Error {
  return failures.length === 1 ? (failures[0] as FailedAttempt).error : new AggregateError(failures.map((f) => f.error));
}
