import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { certError } from '../certificates/cert-errors';
import { InvalidOptionError } from '../errors';
import type { VerificationPolicy } from './policy';

/** Writers of one known-hosts file queue here, so that concurrent first uses do not lose entries. */
const fileLocks = new Map<string, Promise<unknown>>();

function locked<T>(file: string, task: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(file) ?? Promise.resolve();
  const next = previous.then(task, task);
  const settled = next.catch(() => undefined);
  fileLocks.set(file, settled);
  // Frees the lock of a file no one waits for: this bounds memory, not behaviour. Kept, a lock
  // only chains the next check on a settled promise, the same order. (Dropped while a check is
  // queued, it would let a later one overlap it: a race no spec can order deterministically.)
  // Stryker disable next-line BlockStatement: keeping the lock changes no order (above)
  void settled.then(() => {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,CallExpression: keeping the lock changes no order; dropping a queued one is the race above
    if (fileLocks.get(file) === settled) fileLocks.delete(file);
  });
  return next;
}

/** Reads `host:port sha256/…` lines; blank lines and `#` comments are skipped. */
async function readKnownHosts(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return '';
    throw new InvalidOptionError('knownHostsFile', file, `cannot be read (${code ?? message})`, { cause: error });
  });
  const entries = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    // A blank line has no host, a malformed one no pin.
    const [host, pinned] = line.split(/\s+/);
    if (host && pinned) entries.set(host, pinned);
  }
  return entries;
}

/** Replaces the file atomically: a private temporary file (mode 0600), then rename. */
async function writeKnownHosts(file: string, entries: Map<string, string>): Promise<void> {
  const body = ['# rxtls known hosts: host:port SPKI pin', ...[...entries].map(([host, p]) => `${host} ${p}`)].join('\n') + '\n';
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, body, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new InvalidOptionError(
      'knownHostsFile',
      file,
      `cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error },
    );
  }
}

/**
 * SSH-style trust on first use: the first connection to a `host:port` records the leaf's SPKI
 * pin in `knownHostsFile` (created with mode 0600, replaced atomically) and is accepted without
 * other checks — say so, once, on stderr; later connections must present the same key, or fail
 * with `PIN_CHANGED` naming the old and the new pin. Concurrent first connections in one
 * process are serialised, so the file is never corrupted and no entry is lost.
 *
 * @example
 * ```ts
 * import { connect, trustOnFirstUse } from 'rxtls';
 * connect({ host: 'nas.local', port: 993, verify: trustOnFirstUse(`${process.env.HOME}/.rxtls_known_hosts`) });
 * ```
 */
export function trustOnFirstUse(knownHostsFile: string): VerificationPolicy {
  if (typeof knownHostsFile !== 'string' || knownHostsFile === '')
    throw new InvalidOptionError('knownHostsFile', knownHostsFile, 'must be a file path');
  return {
    name: 'trustOnFirstUse',
    check: ({ peer }) =>
      locked(knownHostsFile, async () => {
        const key = `${peer.servername}:${peer.remotePort}`;
        const entries = await readKnownHosts(knownHostsFile);
        const known = entries.get(key);
        if (known === peer.spkiPin) return [];
        if (known !== undefined) {
          return [certError('PIN_CHANGED', `the key of ${key} changed: recorded ${known}, presented ${peer.spkiPin}`, peer.subject)];
        }
        entries.set(key, peer.spkiPin);
        await writeKnownHosts(knownHostsFile, entries);
        process.emitWarning(
          `trustOnFirstUse: first connection to ${key}; recorded its key ${peer.spkiPin} in ${knownHostsFile} without verifying it`,
          {
            code: 'RXTLS_TOFU_RECORDED',
            type: 'SecurityWarning',
          },
        );
        return [];
      }),
  };
}
