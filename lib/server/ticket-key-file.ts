import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Observable } from 'rxjs';
import { DEFAULT_TICKET_KEY_FILE_POLL_MS } from '../defaults';
import { InvalidOptionError } from '../errors';
import { TICKET_KEY_BYTES, ticketKeysOption } from './ticket-keys';

/**
 * Options of {@link ticketKeysFromFile}.
 *
 * @example
 * ```ts
 * import { ticketKeysFromFile, type TicketKeyFileOptions } from 'rxtls';
 * const options: TicketKeyFileOptions = { pollInterval: 5_000, onInvalid: (e) => console.error(e.message) };
 * const keys$ = ticketKeysFromFile('/etc/rxtls/ticket.keys', options);
 * ```
 */
export interface TicketKeyFileOptions {
  /** How often the file is checked for a change, in ms. Default {@link DEFAULT_TICKET_KEY_FILE_POLL_MS} (1 000). */
  readonly pollInterval?: number;
  /**
   * Told why a rewritten file was not taken (the server keeps its keys). Default: a process
   * warning (`process.emitWarning`, printed on stderr), which never shows a key.
   */
  readonly onInvalid?: (error: Error) => void;
}

const TEXT = /^[\x20-\x7e\t\r\n]*$/;

/**
 * The session ticket keys in `contents`: raw bytes, 48 a key (`openssl rand 48 > FILE`), or text
 * with one key a line in hex (96 digits) or base64 (64 characters), `#` comments and blank lines
 * ignored. The first key seals new tickets. Throws naming the line at fault, never a key.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { parseTicketKeyFile } from 'rxtls';
 * const keys = parseTicketKeyFile(readFileSync('/etc/rxtls/ticket.keys'), '/etc/rxtls/ticket.keys');
 * console.log(`${keys.length} keys`);
 * ```
 */
export function parseTicketKeyFile(contents: Buffer, path: string): Buffer[] {
  const bad = (problem: string) => new InvalidOptionError('ticketKeys', path, `names a file that ${problem}`);
  if (!TEXT.test(contents.toString('latin1'))) {
    if (contents.length === 0 || contents.length % TICKET_KEY_BYTES !== 0)
      throw bad(`holds ${contents.length} bytes, not ${TICKET_KEY_BYTES} a key (openssl rand ${TICKET_KEY_BYTES} > FILE)`);
    return Array.from({ length: contents.length / TICKET_KEY_BYTES }, (_, i) =>
      contents.subarray(i * TICKET_KEY_BYTES, (i + 1) * TICKET_KEY_BYTES),
    );
  }
  const keys: Buffer[] = [];
  contents
    .toString('latin1')
    .split('\n')
    .forEach((raw, index) => {
      const text = raw.trim();
      if (text === '' || text.startsWith('#')) return;
      const key = /^[0-9a-f]{96}$/i.test(text)
        ? Buffer.from(text, 'hex')
        : /^[A-Za-z0-9+/]{64}$/.test(text)
          ? Buffer.from(text, 'base64')
          : undefined;
      if (key === undefined)
        throw bad(`has a line ${index + 1} that is not a ${TICKET_KEY_BYTES}-byte key in hex (96 digits) or base64 (64 characters)`);
      keys.push(key);
    });
  if (keys.length === 0) throw bad('holds no key');
  return keys;
}

/** Refuses a key file other users may read: ticket keys open every session they sealed. */
function checkPrivate(stats: Stats, path: string): void {
  if (process.platform === 'win32' || (stats.mode & 0o004) === 0) return;
  const mode = (stats.mode & 0o777).toString(8);
  throw new InvalidOptionError(
    'ticketKeys',
    path,
    `names a file every user of this machine may read (mode ${mode}): chmod 600 it (or 640 for a group), since the keys open every session they sealed`,
  );
}

async function readKeys(path: string): Promise<Buffer[]> {
  checkPrivate(await stat(path), path);
  const keys = parseTicketKeyFile(await readFile(path), path);
  ticketKeysOption(keys); // the same rules as the option's: at most TICKET_KEYS_MAX, distinct names
  return keys;
}

/**
 * Session ticket keys from a file, for a server's `ticketKeys`: emitted once read, and again each
 * time the file changes, so that rotating them is rewriting the file (best by renaming a new
 * file over it) on every server of a fleet. The file must not be readable by every user of the
 * machine. The first read failing is the Observable's error; a later bad version is reported to
 * `onInvalid` and the last good keys stay.
 *
 * @example
 * ```ts
 * import { serve, ticketKeysFromFile } from 'rxtls';
 * // openssl rand 48 > /etc/rxtls/ticket.keys && chmod 600 /etc/rxtls/ticket.keys
 * serve({ port: 8443, credentials: { cert, key }, ticketKeys: ticketKeysFromFile('/etc/rxtls/ticket.keys') }, echo).subscribe();
 * ```
 */
export function ticketKeysFromFile(path: string, options: TicketKeyFileOptions = {}): Observable<Buffer[]> {
  const { pollInterval = DEFAULT_TICKET_KEY_FILE_POLL_MS, onInvalid = (error: Error) => process.emitWarning(error.message) } = options;
  if (!Number.isSafeInteger(pollInterval) || pollInterval <= 0)
    throw new InvalidOptionError('pollInterval', pollInterval, 'must be a whole number of milliseconds, more than 0');
  return new Observable<Buffer[]>((subscriber) => {
    let watching = false;
    const changed = (now: Stats, before: Stats) => {
      if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
      readKeys(path).then(
        (keys) => subscriber.next(keys),
        (error: unknown) => onInvalid(error as Error),
      );
    };
    readKeys(path).then(
      (keys) => {
        if (subscriber.closed) return;
        subscriber.next(keys);
        watchFile(path, { interval: pollInterval, persistent: true }, changed);
        watching = true;
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      if (watching) unwatchFile(path, changed);
    };
  });
}
