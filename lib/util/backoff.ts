import {
  DEFAULT_RECONNECT_FACTOR,
  DEFAULT_RECONNECT_INITIAL_DELAY_MS,
  DEFAULT_RECONNECT_MAX_ATTEMPTS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_RECONNECT_RESET_AFTER_MS,
} from '../defaults';
import { InvalidOptionError } from '../errors';
import { isPositiveInteger, LARGEST_POSITIVE_INTEGER } from './option-checks';

/**
 * How long to wait between reconnect attempts: exponential backoff with full jitter. The n-th
 * attempt in a row (counting from 0) waits a random time from 0 to
 * `min(maxDelay, initialDelay · factor^n)` milliseconds; after `maxAttempts` failed attempts in a
 * row there is no next one; a connection that stayed up for `resetAfter` milliseconds starts the
 * count again. Every field is optional; the defaults are in `defaults.ts` and the README.
 *
 * @example
 * ```ts
 * import { backoff, type BackoffOptions } from 'rxtls';
 * const patient: BackoffOptions = { initialDelay: 500, maxDelay: 60_000, factor: 3, maxAttempts: 10, resetAfter: 60_000 };
 * backoff(patient);
 * ```
 */
export interface BackoffOptions {
  /** Longest wait before the first attempt, in ms: a positive integer. Default {@link DEFAULT_RECONNECT_INITIAL_DELAY_MS}. */
  readonly initialDelay?: number;
  /** Longest wait before any attempt, in ms: an integer from `initialDelay` on. Default {@link DEFAULT_RECONNECT_MAX_DELAY_MS}, or `initialDelay` when that is longer. */
  readonly maxDelay?: number;
  /** How much the longest wait grows per failed attempt: a finite number, at least 1. Default {@link DEFAULT_RECONNECT_FACTOR}. */
  readonly factor?: number;
  /** Attempts in a row that may fail before giving up: a non-negative integer or `Infinity`. Default {@link DEFAULT_RECONNECT_MAX_ATTEMPTS} (no limit). */
  readonly maxAttempts?: number;
  /** How long a connection must stay up, in ms, for the count of attempts to start again. Default {@link DEFAULT_RECONNECT_RESET_AFTER_MS}. */
  readonly resetAfter?: number;
  /**
   * The source of jitter: a function returning a number in [0, 1), as `Math.random` (the
   * default) does. Tests pass a fixed one (`() => 0.5`) to know each delay.
   */
  readonly random?: () => number;
}

/**
 * A checked backoff schedule, every field set: what {@link backoff} returns and
 * {@link nextAttempt} reads.
 *
 * @example
 * ```ts
 * import { backoff, type Backoff } from 'rxtls';
 * const schedule: Backoff = backoff({ maxAttempts: 5 });
 * console.log(schedule.initialDelay, schedule.maxAttempts); // 1000 5
 * ```
 */
export interface Backoff {
  /** Longest wait before the first attempt, in ms. */
  readonly initialDelay: number;
  /** Longest wait before any attempt, in ms. */
  readonly maxDelay: number;
  /** Growth of the longest wait per failed attempt. */
  readonly factor: number;
  /** Attempts in a row that may fail before giving up (`Infinity`: no limit). */
  readonly maxAttempts: number;
  /** How long a connection must stay up, in ms, for the count to start again. */
  readonly resetAfter: number;
  /** The source of jitter, in [0, 1). */
  readonly random: () => number;
}

/**
 * The next attempt of a schedule: which one it is and how long to wait before it.
 *
 * @example
 * ```ts
 * import { backoff, nextAttempt, type NextAttempt } from 'rxtls';
 * const next: NextAttempt | undefined = nextAttempt(backoff({ random: () => 0.5 }), 0, 0);
 * console.log(next); // { attempt: 1, delay: 500 }
 * ```
 */
export interface NextAttempt {
  /** 1 for the first attempt after a healthy connection (or the first connection), then 2, 3, … */
  readonly attempt: number;
  /** Milliseconds to wait before it, an integer. */
  readonly delay: number;
}

/**
 * Checks backoff options and fills in the defaults. Throws {@link InvalidOptionError} naming the
 * option at fault (`initialDelay`, `maxDelay`, `factor`, `maxAttempts`, `resetAfter`, `random`).
 * Pure: no timer, no clock.
 *
 * @param options - The schedule's bounds; each optional.
 * @returns The checked schedule.
 * @example
 * ```ts
 * import { backoff, backoffCeiling } from 'rxtls';
 * const schedule = backoff({ initialDelay: 100, maxDelay: 1000 });
 * console.log([0, 1, 2, 3, 4].map((n) => backoffCeiling(schedule, n))); // [100, 200, 400, 800, 1000]
 * ```
 */
export function backoff(options: BackoffOptions = {}): Backoff {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('backoff', options, 'must be an object of options');
  const initialDelay = options.initialDelay ?? DEFAULT_RECONNECT_INITIAL_DELAY_MS;
  if (!isPositiveInteger(initialDelay)) throw new InvalidOptionError('initialDelay', initialDelay, 'must be a positive integer (ms)');
  const maxDelay = options.maxDelay ?? Math.max(DEFAULT_RECONNECT_MAX_DELAY_MS, initialDelay);
  if (!isPositiveInteger(maxDelay) || maxDelay < initialDelay)
    throw new InvalidOptionError(
      'maxDelay',
      maxDelay,
      `must be an integer (ms) from initialDelay (${initialDelay}) to ${LARGEST_POSITIVE_INTEGER}`,
    );
  const factor = options.factor ?? DEFAULT_RECONNECT_FACTOR;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1)
    throw new InvalidOptionError('factor', factor, 'must be a finite number, at least 1');
  const maxAttempts = options.maxAttempts ?? DEFAULT_RECONNECT_MAX_ATTEMPTS;
  if (!(maxAttempts === Number.POSITIVE_INFINITY || (Number.isInteger(maxAttempts) && maxAttempts >= 0)))
    throw new InvalidOptionError('maxAttempts', maxAttempts, 'must be a non-negative integer or Infinity');
  const resetAfter = options.resetAfter ?? DEFAULT_RECONNECT_RESET_AFTER_MS;
  if (!isPositiveInteger(resetAfter)) throw new InvalidOptionError('resetAfter', resetAfter, 'must be a positive integer (ms)');
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new InvalidOptionError('random', random, 'must be a function returning a number in [0, 1)');
  return { initialDelay, maxDelay, factor, maxAttempts, resetAfter, random };
}

/**
 * The longest wait before attempt `n` in a row (counting from 0):
 * `min(maxDelay, initialDelay · factor^n)`. Pure.
 *
 * @param schedule - A schedule from {@link backoff}.
 * @param n - Failed attempts in a row so far.
 * @returns Milliseconds, an integer.
 * @example
 * ```ts
 * import { backoff, backoffCeiling } from 'rxtls';
 * console.log(backoffCeiling(backoff(), 10)); // 30000: 1 s doubled ten times, capped at maxDelay
 * ```
 */
export function backoffCeiling(schedule: Backoff, n: number): number {
  // factor^n overflows to Infinity for large n; min() caps it.
  return Math.floor(Math.min(schedule.maxDelay, schedule.initialDelay * schedule.factor ** n));
}

/**
 * The next attempt after `failures` failed attempts in a row, or `undefined` when `maxAttempts`
 * of them failed. When the last connection stayed up `healthyFor` ≥ `resetAfter` ms, the count
 * starts again: the attempt is the first, whatever failed before. The delay is full jitter: a
 * random time from 0 to {@link backoffCeiling} (AWS's "Exponential Backoff and Jitter", which
 * spreads clients of a restarted server evenly instead of in waves). Pure but for `random`.
 *
 * @param schedule - A schedule from {@link backoff}.
 * @param failures - Attempts in a row that failed (or connections that did not stay up `resetAfter`).
 * @param healthyFor - How long the last connection was up, in ms (0 when it never connected).
 * @returns The attempt and its delay, or `undefined`: give up.
 * @example
 * ```ts
 * import { backoff, nextAttempt } from 'rxtls';
 * const schedule = backoff({ maxAttempts: 3, random: () => 0.5 });
 * console.log(nextAttempt(schedule, 2, 0)); // { attempt: 3, delay: 2000 }
 * console.log(nextAttempt(schedule, 3, 0)); // undefined: three attempts failed
 * console.log(nextAttempt(schedule, 3, 60_000)); // { attempt: 1, delay: 500 }: the last connection was healthy
 * ```
 */
export function nextAttempt(schedule: Backoff, failures: number, healthyFor: number): NextAttempt | undefined {
  const n = healthyFor >= schedule.resetAfter ? 0 : failures;
  if (n >= schedule.maxAttempts) return undefined;
  const jitter = schedule.random();
  // A random source outside [0, 1) must not stretch the bound: clamp it.
  const share = Number.isFinite(jitter) ? Math.min(Math.max(jitter, 0), 1) : 0;
  return { attempt: n + 1, delay: Math.floor(share * backoffCeiling(schedule, n)) };
}
