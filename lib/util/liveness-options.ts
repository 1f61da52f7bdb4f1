import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_KEEP_ALIVE, DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS } from '../defaults';
import { InvalidOptionError } from '../errors';
import { isPositiveInteger } from './option-checks';

/** Smallest keepalive delay: TCP counts it in whole seconds, and Node reads 0 as "leave it as it was". */
export const SMALLEST_KEEP_ALIVE_DELAY_MS = 1000;

/**
 * The `idleTimeout` option: milliseconds without a received byte before the connection ends, or
 * 0 for none ({@link DEFAULT_IDLE_TIMEOUT_MS} when it is not set); throws
 * {@link InvalidOptionError} naming it otherwise.
 */
export function idleTimeoutOption(options: { readonly idleTimeout?: unknown }): number {
  const value: unknown = options.idleTimeout;
  if (value === undefined) return DEFAULT_IDLE_TIMEOUT_MS;
  if (value !== 0 && !isPositiveInteger(value))
    throw new InvalidOptionError('idleTimeout', value, 'must be a positive integer of milliseconds, or 0 for none');
  return value;
}

/**
 * The `keepAlive` option: the initial delay of TCP keepalive in milliseconds, or `false` when it
 * is off. `true` (and not set, {@link DEFAULT_KEEP_ALIVE}) means
 * {@link DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS}; throws {@link InvalidOptionError} naming it otherwise.
 */
export function keepAliveOption(options: { readonly keepAlive?: unknown }): number | false {
  const value: unknown = options.keepAlive ?? DEFAULT_KEEP_ALIVE;
  if (value === false) return false;
  if (value === true) return DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS;
  if (!isPositiveInteger(value) || value < SMALLEST_KEEP_ALIVE_DELAY_MS)
    throw new InvalidOptionError(
      'keepAlive',
      value,
      `must be true, false, or the initial delay in milliseconds (an integer of at least ${SMALLEST_KEEP_ALIVE_DELAY_MS}: TCP counts whole seconds)`,
    );
  return value;
}
