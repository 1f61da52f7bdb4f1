import type { SecureVersion } from 'node:tls';
import { InvalidOptionError } from '../errors';

/**
 * The checks every options resolver uses (connect, listen, connectWebSocket, the gateway, the
 * command line's HOST:PORT): one rule per kind of value, one wording per rule, each error an
 * {@link InvalidOptionError} that names the option. Each `…Option` check reads
 * `options[name]` and returns it checked, or the fallback when it is not set; the `is…`
 * predicates are the same rules for callers that word their own error (a list entry, a flag).
 */

/** Largest value a timeout or bound may have: `setTimeout` cannot wait longer than 2**31-1 ms. */
export const LARGEST_POSITIVE_INTEGER = 2 ** 31 - 1;

/** Highest TCP port. */
export const HIGHEST_PORT = 65535;

/** The lowest port a listener may name (0: any free one) and a client may connect to (1). */
export type LowestPort = 0 | 1;

/** TLS versions `minVersion` and `maxVersion` may name. */
export const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** An integer from 1 to {@link LARGEST_POSITIVE_INTEGER}. */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= LARGEST_POSITIVE_INTEGER;
}

/** An integer from `lowest` to {@link HIGHEST_PORT}. */
export function isPort(value: unknown, lowest: LowestPort): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= lowest && value <= HIGHEST_PORT;
}

/** What a port outside {@link isPort} is told, in every resolver and on the command line. */
export function portRule(lowest: LowestPort): string {
  return `must be an integer from ${lowest} to ${HIGHEST_PORT}`;
}

/** A host name or address: a string with something other than blanks in it. */
export function isHost(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * The value of an optional positive-integer option (a timeout, a bound), or `fallback` when it
 * is not set; throws {@link InvalidOptionError} naming it when it is not an integer from 1 to
 * {@link LARGEST_POSITIVE_INTEGER}.
 */
export function positiveInteger<T extends object>(options: T, name: keyof T & string, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (!isPositiveInteger(value)) throw new InvalidOptionError(name, value, 'must be a positive integer');
  return value;
}

/**
 * A port option: an integer from `lowest` (0 for listeners, 1 for clients) to 65535, or
 * `fallback` when it is not set; required when there is no fallback.
 */
export function portOption<T extends object>(options: T, name: keyof T & string, lowest: LowestPort, fallback?: number): number {
  const value = options[name] ?? fallback;
  if (!isPort(value, lowest)) throw new InvalidOptionError(name, value, portRule(lowest));
  return value;
}

/** A host option: a non-empty host name or address, or `fallback` when it is not set; required when there is no fallback. */
export function hostOption<T extends object>(options: T, name: keyof T & string, fallback?: string): string {
  const value = options[name] ?? fallback;
  if (value === undefined) throw new InvalidOptionError(name, value, 'is required: a host name or IP address');
  if (!isHost(value)) throw new InvalidOptionError(name, value, 'must be a host name or IP address (a non-empty string)');
  return value;
}

/** A true-or-false option, or `fallback` when it is not set. */
export function booleanOption<T extends object>(options: T, name: keyof T & string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'must be true or false');
  return value;
}

/** An option that names one of `allowed`, or `fallback` when it is not set. */
export function oneOfOption<T extends object, V extends string>(options: T, name: keyof T & string, allowed: readonly V[], fallback: V): V;
export function oneOfOption<T extends object, V extends string>(options: T, name: keyof T & string, allowed: readonly V[]): V | undefined;
export function oneOfOption<T extends object, V extends string>(
  options: T,
  name: keyof T & string,
  allowed: readonly V[],
  fallback?: V,
): V | undefined {
  const value = options[name];
  if (value === undefined) return fallback;
  if (!(allowed as readonly unknown[]).includes(value)) throw new InvalidOptionError(name, value, `must be one of ${allowed.join(', ')}`);
  return value as unknown as V;
}

/**
 * An optional array of strings each of which `accepts`; throws with `problem` (which says what
 * the entries must be) otherwise.
 */
export function stringArrayOption<T extends object>(
  options: T,
  name: keyof T & string,
  accepts: (entry: string) => boolean,
  problem: string,
): readonly string[] | undefined {
  const value: unknown = options[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((entry: unknown) => typeof entry !== 'string' || !accepts(entry)))
    throw new InvalidOptionError(name, value, problem);
  return value as readonly string[];
}

/** An optional list of ALPN protocol names, 1 to 255 characters each (RFC 7301), most preferred first. */
export function alpnOption<T extends object>(options: T, name: keyof T & string): readonly string[] | undefined {
  return stringArrayOption(
    options,
    name,
    (protocol) => protocol.length >= 1 && protocol.length <= 255,
    'must be an array of protocol names (1-255 characters each)',
  );
}

/** An optional object with a `method` function (a verification policy, say); throws with `problem` otherwise. */
export function objectWithMethodOption<T extends object>(options: T, name: keyof T & string, method: string, problem: string): void {
  const value: unknown = options[name];
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[method] !== 'function')
    throw new InvalidOptionError(name, value, problem);
}
