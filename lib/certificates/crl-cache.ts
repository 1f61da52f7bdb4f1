import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertError } from '../events';
import { lruCache } from '../util/lru-cache';
import { crlIsFresh, parseCrl, type ParsedCrl } from './crl';
import { fetchBounded, type FetchLimits } from './fetch-url';
import { certError } from './cert-errors';

/** Where CRLs come from: memory, then the cache directory, then the distribution point. */
export interface CrlSource {
  /** A fresh CRL for `url`, or the problem that kept us from having one (naming the URL). */
  crl(url: string, now?: Date): Promise<ParsedCrl | CertError>;
}

/** How a {@link CrlSource} caches and fetches. */
export interface CrlSourceOptions {
  /** CRLs kept in memory, each until its nextUpdate. */
  readonly cacheSize: number;
  /** A directory to keep fetched CRLs in across runs (see docs/verification.md for the format). */
  readonly cacheDirectory?: string;
  readonly fetch?: FetchLimits;
}

/**
 * A cache of CRLs by URL. In memory, a CRL is kept (bounded by `cacheSize`, least recently
 * used out first) until its `nextUpdate`; then it is fetched again. With `cacheDirectory`, each
 * fetched CRL is also written there as `<sha256 of the URL, hex>.crl`, the CRL's bytes exactly
 * as fetched (DER or PEM), replaced atomically (a temporary file, then rename), and read back
 * when memory has none. A cached CRL is trusted no more than a fetched one: its signature and
 * freshness are checked each time it is judged.
 */
export function crlSource(options: CrlSourceOptions): CrlSource {
  const memory = lruCache<string, ParsedCrl>(options.cacheSize);
  const fromNetwork = async (url: string): Promise<ParsedCrl | CertError> => {
    let bytes: Buffer;
    try {
      bytes = await fetchBounded(url, options.fetch);
    } catch (error) {
      return certError('UNABLE_TO_GET_CRL', (error as Error).message, undefined);
    }
    const parsed = await parseCrl(url, bytes);
    if (!('crl' in parsed)) return parsed;
    if (options.cacheDirectory !== undefined) await writeCached(options.cacheDirectory, url, bytes);
    return parsed;
  };
  return {
    async crl(url, now = new Date()) {
      const remembered = memory.get(url);
      if (remembered && crlIsFresh(remembered, now)) return remembered;
      if (options.cacheDirectory !== undefined && !remembered) {
        const kept = await readCached(options.cacheDirectory, url);
        if (kept && crlIsFresh(kept, now)) {
          memory.set(url, kept);
          return kept;
        }
      }
      const fetched = await fromNetwork(url);
      if ('crl' in fetched) memory.set(url, fetched);
      return fetched;
    },
  };
}

/** The file a CRL of `url` is kept in. */
export function cachedCrlFile(directory: string, url: string): string {
  return join(directory, `${createHash('sha256').update(url).digest('hex')}.crl`);
}

async function readCached(directory: string, url: string): Promise<ParsedCrl | undefined> {
  const bytes = await readFile(cachedCrlFile(directory, url)).catch(() => undefined);
  if (!bytes) return undefined;
  const parsed = await parseCrl(url, bytes);
  return 'crl' in parsed ? parsed : undefined;
}

/** Best effort: a cache directory that cannot be written costs a fetch next time, nothing else. */
async function writeCached(directory: string, url: string, bytes: Buffer): Promise<void> {
  const file = cachedCrlFile(directory, url);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await writeFile(temporary, bytes, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch {
    await unlink(temporary).catch(() => undefined);
  }
}
