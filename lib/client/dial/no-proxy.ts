import { BlockList, isIP } from 'node:net';
import { InvalidOptionError } from '../../errors';
import { isPort } from '../../util/option-checks';
import { redactProxyUrl } from './proxy-url';

/**
 * A `NO_PROXY` value, parsed: the targets reached directly although a proxy is configured.
 *
 * The rules (curl's, plus CIDR ranges as curl ≥ 7.86 reads them):
 * - entries are separated by commas and/or white space; empty entries are ignored; case does not matter;
 * - `*` alone bypasses the proxy for every target;
 * - a name matches itself and every name under it: `example.com` (or `.example.com`, or
 *   `*.example.com`) matches `example.com` and `imap.example.com`, not `badexample.com`;
 * - an IP address matches that address only (IPv6 with or without brackets), and `10.0.0.0/8` or
 *   `fd00::/8` every address in the range; names are never resolved to decide;
 * - `entry:port` (`[v6]:port` for IPv6) matches that port only; without one, every port.
 */
export interface NoProxyRules {
  /** Whether the connection to `host:port` goes directly, not through the proxy. */
  readonly bypasses: (host: string, port: number) => boolean;
}

interface Entry {
  readonly name?: string;
  readonly range?: BlockList;
  readonly port?: number;
}

/**
 * Parses a `NO_PROXY` value (see {@link NoProxyRules}); throws {@link InvalidOptionError} naming
 * `option` for an entry whose port or range does not parse.
 */
export function parseNoProxy(text: string, option = 'NO_PROXY'): NoProxyRules {
  const entries: Entry[] = [];
  let everything = false;
  for (const raw of text.split(/[\s,]+/)) {
    const entry = raw.toLowerCase();
    if (entry === '') continue;
    if (entry === '*') {
      everything = true;
      continue;
    }
    entries.push(parseEntry(entry, raw, option));
  }
  return {
    bypasses: (host, port) => everything || entries.some((entry) => matches(entry, normalHost(host), port)),
  };
}

function parseEntry(entry: string, raw: string, option: string): Entry {
  // The entry as given, but with anything that looks like credentials hidden (a proxy URL put here by mistake).
  const invalid = (problem: string) => new InvalidOptionError(option, redactProxyUrl(raw), `has an entry that ${problem}`);
  let rest = entry;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(rest);
  if (bracketed) {
    rest = bracketed[1] as string;
    if (bracketed[2] !== undefined) port = portOf(bracketed[2], invalid);
  } else if (isIP(rest.split('/')[0] as string) !== 6) {
    const colon = rest.lastIndexOf(':');
    if (colon !== -1) {
      port = portOf(rest.slice(colon + 1), invalid);
      rest = rest.slice(0, colon);
    }
  }
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const address = rest.slice(0, slash);
    const prefixText = rest.slice(slash + 1);
    const family = isIP(address);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (family === 0 || !(prefix <= (family === 4 ? 32 : 128))) throw invalid('is not an address range such as 10.0.0.0/8');
    const range = new BlockList();
    range.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return { range, ...(port !== undefined && { port }) };
  }
  const name = rest.replace(/^\*?\./, '');
  if (name === '' || /[^a-z0-9._:-]/.test(name)) throw invalid('is not a host name, an address or a range');
  return { name: normalHost(name), ...(port !== undefined && { port }) };
}

function portOf(text: string, invalid: (problem: string) => InvalidOptionError): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!isPort(port, 1)) throw invalid('has a port that is not from 1 to 65535');
  return port;
}

/** Lower case, without brackets or a trailing dot; IPv6 addresses in their canonical form. */
function normalHost(host: string): string {
  const bare = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return isIP(bare) === 6 ? new URL(`http://[${bare}]`).hostname.slice(1, -1) : bare;
}

function matches(entry: Entry, host: string, port: number): boolean {
  if (entry.port !== undefined && entry.port !== port) return false;
  if (entry.range) {
    const family = isIP(host);
    return family !== 0 && entry.range.check(host, family === 4 ? 'ipv4' : 'ipv6');
  }
  const name = entry.name as string;
  return host === name || (isIP(name) === 0 && host.endsWith(`.${name}`));
}
