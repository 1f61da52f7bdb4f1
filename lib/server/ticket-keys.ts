import { randomBytes } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import type { Observable } from 'rxjs';
import { DEFAULT_TICKET_KEY_GRACE_MS, TICKET_KEYS_MAX } from '../defaults';
import { InvalidOptionError } from '../errors';
import { isObservableLike } from '../util/observable-shape';

/** Bytes of one session ticket key: a 16-byte name, a 16-byte HMAC secret, a 16-byte AES key. */
export const TICKET_KEY_BYTES = 48;
const PART = 16;

/**
 * The keys a server seals its session tickets with: one 48-byte key (`openssl rand 48`), or
 * several, the first sealing new tickets and the others still opening tickets sealed with them.
 * Servers that share them resume each other's sessions.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * import type { TicketKeys } from 'rxtls';
 * const keys: TicketKeys = [randomBytes(48), previousKey]; // the new key seals, the previous one still opens
 * ```
 */
export type TicketKeys = Uint8Array | readonly Uint8Array[];

/**
 * The session ticket options every rxtls server takes (`listen`, `serve`, `listenStartTls`,
 * `gateway` with `credentials`).
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto';
 * import { BehaviorSubject } from 'rxjs';
 * import { listen, type TicketKeys } from 'rxtls';
 * const keys = new BehaviorSubject<TicketKeys>(randomBytes(48));
 * listen({ credentials: { cert, key }, ticketKeys: keys, ticketKeyGrace: 600_000 }).subscribe();
 * keys.next(randomBytes(48)); // rotation: new tickets get the new key, the old one opens for 10 minutes more
 * ```
 */
export interface TicketKeyOptions {
  /**
   * The keys the server seals its session tickets with — a value, or an Observable of values for
   * rotation: each emission's first key seals new tickets, and a key that left the set still
   * opens the tickets it sealed for `ticketKeyGrace` ms. Servers given the same keys resume each
   * other's sessions (a fleet behind a load balancer, the workers of a cluster); the server
   * listens once it has the first keys. Keys never appear in events or errors. Default: Node's,
   * random for each server.
   */
  readonly ticketKeys?: TicketKeys | Observable<TicketKeys>;
  /** Milliseconds a session ticket key that left `ticketKeys` still opens tickets. Default {@link DEFAULT_TICKET_KEY_GRACE_MS} (300 000). */
  readonly ticketKeyGrace?: number;
}

/** {@link TicketKeyOptions} checked: a value of `ticketKeys` now, an Observable's emissions as they come. */
export interface ResolvedTicketKeyOptions {
  readonly ticketKeys: TicketKeys | Observable<TicketKeys> | undefined;
  readonly ticketKeyGrace: number;
}

/** Checks {@link TicketKeyOptions}; throws {@link InvalidOptionError} naming the one at fault. */
export function resolveTicketKeyOptions(options: TicketKeyOptions): ResolvedTicketKeyOptions {
  const { ticketKeys, ticketKeyGrace = DEFAULT_TICKET_KEY_GRACE_MS } = options;
  if (ticketKeys !== undefined && !isObservableLike(ticketKeys)) ticketKeysOption(ticketKeys);
  if (typeof ticketKeyGrace !== 'number' || !Number.isSafeInteger(ticketKeyGrace) || ticketKeyGrace < 0)
    throw new InvalidOptionError('ticketKeyGrace', ticketKeyGrace, 'must be a whole number of milliseconds, 0 or more');
  return { ticketKeys, ticketKeyGrace };
}

interface Key {
  readonly name: Buffer;
  readonly hmac: Buffer;
  readonly aes: Buffer;
}

/** A key that opens tickets: until `until` (ms since the epoch; `Infinity` while it is in the current set). */
interface OpeningKey {
  readonly key: Key;
  readonly until: number;
}

/** What a server seals and opens tickets with at one time. */
export interface TicketKeyring {
  /** Seals new tickets. */
  readonly sealing: Key;
  /** Open tickets: the current set, then retired keys within their grace period, newest first. */
  readonly opening: readonly OpeningKey[];
}

/** How a ticket sealed under the key named `name` is taken: resumed, resumed with a new ticket under the sealing key, or refused (a full handshake). */
export type TicketVerdict = { readonly key: Key; readonly renew: boolean } | undefined;

/** Checks `keys` (an emission of option `ticketKeys`) and splits each key; throws {@link InvalidOptionError} naming the fault, never the keys. */
export function ticketKeysOption(keys: unknown, option = 'ticketKeys'): readonly Key[] {
  const list: readonly unknown[] = keys instanceof Uint8Array ? [keys] : Array.isArray(keys) ? keys : [];
  const rule = `must be a ${TICKET_KEY_BYTES}-byte Buffer (openssl rand ${TICKET_KEY_BYTES}), an array of them (the first seals new tickets), or an Observable of either`;
  if (list.length === 0) throw new InvalidOptionError(option, keys === undefined || keys === null ? keys : '(hidden)', rule);
  if (list.length > TICKET_KEYS_MAX)
    throw new InvalidOptionError(option, `(${list.length} keys)`, `holds at most ${TICKET_KEYS_MAX} keys (TICKET_KEYS_MAX)`);
  const parsed = list.map((key, index) => {
    if (!(key instanceof Uint8Array) || key.length !== TICKET_KEY_BYTES)
      throw new InvalidOptionError(
        option,
        key instanceof Uint8Array ? `(${key.length} bytes)` : '(hidden)',
        `${list.length > 1 ? `key ${index + 1}: ` : ''}${rule}`,
      );
    const bytes = Buffer.from(key);
    return { name: bytes.subarray(0, PART), hmac: bytes.subarray(PART, 2 * PART), aes: bytes.subarray(2 * PART) };
  });
  const names = new Set(parsed.map((k) => k.name.toString('hex')));
  if (names.size !== parsed.length)
    throw new InvalidOptionError(
      option,
      '(hidden)',
      'has two keys with the same name (their first 16 bytes): give each its own random 48 bytes',
    );
  return parsed;
}

/**
 * The keyring after `keys` arrive at `now`: they replace the current set, the first sealing; a
 * key that left the set keeps opening tickets for `graceMs`, and at most {@link TICKET_KEYS_MAX}
 * keys open tickets at all (the oldest retired ones go first).
 */
export function nextKeyring(previous: TicketKeyring | undefined, keys: readonly Key[], now: number, graceMs: number): TicketKeyring {
  const current = new Set(keys.map((k) => k.name.toString('hex')));
  const retired = (previous?.opening ?? [])
    .filter(({ key }) => !current.has(key.name.toString('hex')))
    .map(({ key, until }) => ({ key, until: Math.min(until, now + graceMs) }))
    .filter(({ until }) => until > now);
  const opening = [...keys.map((key) => ({ key, until: Number.POSITIVE_INFINITY })), ...retired].slice(0, TICKET_KEYS_MAX);
  return { sealing: keys[0] as Key, opening };
}

/** How the keyring takes a ticket sealed under `name` at `now`: only the sealing key resumes it as it is. */
export function openTicket(keyring: TicketKeyring, name: Uint8Array, now: number): TicketVerdict {
  const found = keyring.opening.find(({ key, until }) => until > now && key.name.equals(name));
  return found && { key: found.key, renew: found.key !== keyring.sealing };
}

/** The native handle of a SecureContext, as far as ticket keys go. */
interface TicketHooks {
  enableTicketKeyCallback?: () => void;
  onticketkeycallback?: (name: Buffer, iv: Buffer, seal: boolean) => unknown[];
}

/** Whether this runtime's SecureContext lets rxtls seal and open tickets itself (Node does; without it only one key is used). */
export function canHookTickets(context: SecureContext): boolean {
  return typeof (context.context as TicketHooks | undefined)?.enableTicketKeyCallback === 'function';
}

/**
 * Makes `context` seal and open session tickets with the keyring `keyring()` returns at each
 * handshake. Node's SecureContext asks its handle's `onticketkeycallback` for the keys of each
 * ticket once `enableTicketKeyCallback()` is called (the hook its own ticket tests use): the
 * answer is `[result, hmacKey, aesKey, name, iv]` when sealing, `[result, hmacKey, aesKey]` when
 * opening, result 1 to resume, 2 to resume and send a new ticket, 0 to refuse the ticket.
 */
export function hookTickets(context: SecureContext, keyring: () => TicketKeyring, now: () => number = Date.now): void {
  const hooks = context.context as TicketHooks;
  hooks.onticketkeycallback = (name, _iv, seal) => {
    const ring = keyring();
    if (seal) return [1, ring.sealing.hmac, ring.sealing.aes, ring.sealing.name, randomBytes(PART)];
    const verdict = openTicket(ring, name, now());
    // Node wants 16-byte keys even for a refused ticket; these seal nothing.
    return verdict ? [verdict.renew ? 2 : 1, verdict.key.hmac, verdict.key.aes] : [0, ring.sealing.hmac, ring.sealing.aes];
  };
  hooks.enableTicketKeyCallback?.();
}
