/**
 * The flags `rxtls serve` and `rxtls gateway` share for running as a fleet: `--ticket-keys FILE`
 * (session tickets every server given FILE resumes) and `--workers N|auto` (node:cluster).
 */
import { availableParallelism } from 'node:os';
import type { Observable } from 'rxjs';
import { ticketKeysFromFile } from '../server/ticket-key-file';
import { UsageError } from './command';
import { isWorker, sharedTicketKey } from './workers';

/** The help text of `--ticket-keys FILE`. */
export const TICKET_KEYS_USAGE = `  --ticket-keys FILE     seal session tickets with the keys in FILE (openssl rand 48 > FILE; chmod 600),
                         so that every server given FILE resumes the others' sessions; rewriting it
                         rotates them (its first key seals; replaced keys still open for 5 minutes)`;

/** The help text of `--workers`. */
export const WORKERS_USAGE = `  --workers N|auto       N processes on the port under node:cluster (auto: one a core; default 1);
                         SIGTERM drains them all, SIGHUP replaces them one by one, a dead one is
                         replaced; without --ticket-keys they share a session ticket key of their own`;

const MAX_WORKERS = 256;

/**
 * The session ticket keys of this process: FILE's, followed as it is rewritten (a bad rewrite is
 * said on stderr and the keys stay); in a worker of `--workers` without FILE, the key its primary
 * shares; otherwise Node's own.
 */
export function ticketKeysFlag(path: string | undefined, stderr: NodeJS.WriteStream): { ticketKeys?: Observable<Buffer | Buffer[]> } {
  if (path === undefined) return isWorker() ? { ticketKeys: sharedTicketKey() } : {};
  const onInvalid = (error: Error) => void stderr.write(`rxtls: kept the session ticket keys: ${error.message}\n`);
  return { ticketKeys: ticketKeysFromFile(path, { onInvalid }) };
}

/** `--workers N|auto`: how many processes; 1 without the flag. */
export function workersFlag(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === 'auto') return availableParallelism();
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_WORKERS)
    throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto, got "${text}"`);
  return count;
}
