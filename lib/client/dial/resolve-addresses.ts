import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { TransportError } from '../../errors';

/** An address to try, with its family (4 or 6). */
export interface DialAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Every address of `host`, in the order to try them: an IP address is itself (no lookup);
 * a name goes through `lookup` (default `dns.lookup`) with `{ all: true }`, and its answers are
 * interleaved by family, starting with the family the resolver put first (RFC 8305, section 4),
 * so that a broken IPv6 route costs one attempt, not one per IPv6 address.
 *
 * Calls `done` once, unless `cancel()` (the returned function) came first: a lookup in
 * progress cannot be stopped, so its answer is dropped instead.
 */
export function resolveAddresses(
  host: string,
  lookup: LookupFunction | undefined,
  done: (error: NodeJS.ErrnoException | undefined, addresses: readonly DialAddress[]) => void,
): () => void {
  const family = isIP(host);
  if (family !== 0) {
    done(undefined, [{ address: host, family: family as 4 | 6 }]);
    return () => undefined;
  }
  let cancelled = false;
  const answer = (error: NodeJS.ErrnoException | null, result?: string | readonly LookupAddress[]) => {
    if (cancelled) return;
    cancelled = true; // a resolver that answers twice is heard once
    if (error) return done(error, []);
    // A custom resolver's answer is checked, not trusted: each entry must carry an IP address.
    const found: readonly unknown[] = typeof result === 'string' ? [{ address: result }] : Array.isArray(result) ? result : [];
    const addresses: DialAddress[] = [];
    for (const entry of found) {
      const address: unknown = (entry as { address?: unknown } | null)?.address;
      const family = typeof address === 'string' ? isIP(address) : 0;
      if (family === 0) return done(badAnswer(host, `${JSON.stringify(address) ?? 'undefined'}, which is not an IP address`), []);
      addresses.push({ address: address as string, family: family as 4 | 6 });
    }
    if (addresses.length === 0) return done(badAnswer(host, 'no address'), []);
    done(undefined, interleaveFamilies(addresses));
  };
  try {
    const resolver: LookupFunction = lookup ?? dnsLookup;
    resolver(host, { all: true }, answer);
  } catch (error) {
    answer(error as NodeJS.ErrnoException);
  }
  return () => {
    cancelled = true;
  };
}

function badAnswer(host: string, what: string): NodeJS.ErrnoException {
  return new TransportError('ENOTFOUND', host, 0, `the resolver (option lookup) answered ${what}`);
}

/** The addresses alternating by family, starting with the first one's; each family keeps its order. */
export function interleaveFamilies(addresses: readonly DialAddress[]): DialAddress[] {
  const first = addresses[0]?.family;
  const preferred = addresses.filter((a) => a.family === first);
  const other = addresses.filter((a) => a.family !== first);
  const result: DialAddress[] = [];
  for (let i = 0; i < Math.max(preferred.length, other.length); i++) {
    if (i < preferred.length) result.push(preferred[i] as DialAddress);
    if (i < other.length) result.push(other[i] as DialAddress);
  }
  return result;
}
