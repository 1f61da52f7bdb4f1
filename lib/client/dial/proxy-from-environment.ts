import { parseNoProxy } from './no-proxy';
import { parseProxyUrl, type ProxyEndpoint } from './proxy-url';

/** The environment variables `proxy: 'env'` reads, in the order it reads them: the first one set and not empty wins. */
export const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'] as const;

/** The variables that list the targets reached directly (see {@link parseNoProxy}), in the order read. */
export const NO_PROXY_VARIABLES = ['no_proxy', 'NO_PROXY'] as const;

/**
 * The proxy `proxy: 'env'` uses for a TLS connection to `host:port`, read from `env` the way
 * curl reads it for an `https:` URL: the first of {@link PROXY_VARIABLES} that is set and not
 * empty, unless the first of {@link NO_PROXY_VARIABLES} that is set lists the target. `undefined`:
 * connect directly. A malformed value throws `InvalidOptionError` naming its variable.
 */
export function proxyFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  host: string,
  port: number,
): ProxyEndpoint | undefined {
  const proxyVariable = PROXY_VARIABLES.find((name) => (env[name] ?? '') !== '');
  if (proxyVariable === undefined) return undefined;
  const proxy = parseProxyUrl(env[proxyVariable], proxyVariable);
  const noProxyVariable = NO_PROXY_VARIABLES.find((name) => env[name] !== undefined);
  if (noProxyVariable !== undefined && parseNoProxy(env[noProxyVariable] as string, noProxyVariable).bypasses(host, port)) return undefined;
  return proxy;
}
