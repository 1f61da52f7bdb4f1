import fc from 'fast-check';
import {
  backoff,
  backoffCeiling,
  DEFAULT_RECONNECT_FACTOR,
  DEFAULT_RECONNECT_INITIAL_DELAY_MS,
  DEFAULT_RECONNECT_MAX_ATTEMPTS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_RECONNECT_RESET_AFTER_MS,
  InvalidOptionError,
  nextAttempt,
  type BackoffOptions,
} from '../../lib';

/** The InvalidOptionError `check` throws; fails the test when it throws nothing or something else. */
function refusal(check: () => unknown): InvalidOptionError {
  try {
    check();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

/** Any valid schedule, with a random source drawn by fast-check (values in [0, 1)). */
const schedules = fc
  .record({
    initialDelay: fc.integer({ min: 1, max: 10_000 }),
    extra: fc.integer({ min: 0, max: 600_000 }),
    factor: fc.double({ min: 1, max: 10, noNaN: true }),
    maxAttempts: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(Number.POSITIVE_INFINITY)),
    resetAfter: fc.integer({ min: 1, max: 120_000 }),
    jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .map(({ initialDelay, extra, factor, maxAttempts, resetAfter, jitter }) => ({
    initialDelay,
    maxDelay: initialDelay + extra,
    factor,
    maxAttempts,
    resetAfter,
    random: () => jitter,
  }));

describe('backoff(options): exponential with full jitter', () => {
  it('every delay lies in [0, min(maxDelay, initialDelay·factor^n)] (property)', () => {
    fc.assert(
      fc.property(schedules, fc.integer({ min: 0, max: 200 }), (options, n) => {
        const schedule = backoff(options);
        const next = nextAttempt(schedule, n, 0);
        if (n >= schedule.maxAttempts) return expect(next).toBeUndefined();
        const bound = Math.min(options.maxDelay, options.initialDelay * options.factor ** n);
        expect(next?.attempt).toBe(n + 1);
        expect(next?.delay).toBeGreaterThanOrEqual(0);
        expect(next?.delay).toBeLessThanOrEqual(bound);
        expect(Number.isInteger(next?.delay)).toBe(true);
      }),
    );
  });

  it('the jitter is full: random 0 waits nothing, random near 1 waits nearly the bound', () => {
    const at = (r: number, n: number) => nextAttempt(backoff({ initialDelay: 100, maxDelay: 10_000, random: () => r }), n, 0)?.delay;
    expect([0, 1, 2, 3].map((n) => at(0, n))).toEqual([0, 0, 0, 0]);
    expect([0, 1, 2, 3, 7, 8].map((n) => at(0.999999, n))).toEqual([99, 199, 399, 799, 9999, 9999]);
    expect([0, 1, 2].map((n) => backoffCeiling(backoff({ initialDelay: 100, factor: 3 }), n))).toEqual([100, 300, 900]);
  });

  it('a random source outside [0, 1) cannot stretch the bound', () => {
    for (const r of [-1, 1, 7, Number.NaN, Number.POSITIVE_INFINITY]) {
      const delay = nextAttempt(backoff({ initialDelay: 100, random: () => r }), 0, 0)?.delay ?? -1;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(100);
    }
  });

  it('attempts stop at maxAttempts failures in a row (property)', () => {
    fc.assert(
      fc.property(schedules, (options) => {
        const schedule = backoff({ ...options, maxAttempts: Math.min(options.maxAttempts, 60) });
        let failures = 0;
        let attempts = 0;
        for (let step = nextAttempt(schedule, failures, 0); step; step = nextAttempt(schedule, failures, 0)) {
          attempts += 1;
          failures = step.attempt;
          if (attempts > 100) break;
        }
        expect(attempts).toBe(schedule.maxAttempts);
      }),
    );
  });

  it('health for resetAfter resets the exponent; anything shorter does not (property)', () => {
    fc.assert(
      fc.property(schedules, fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 1_000_000 }), (options, failures, more) => {
        const schedule = backoff({ ...options, maxAttempts: Number.POSITIVE_INFINITY });
        const healthy = nextAttempt(schedule, failures, schedule.resetAfter + more);
        expect(healthy).toEqual(nextAttempt(schedule, 0, 0));
        expect(healthy?.attempt).toBe(1);
        const notYet = nextAttempt(schedule, failures, schedule.resetAfter - 1);
        expect(notYet?.attempt).toBe(failures + 1);
      }),
    );
  });

  it('after a healthy connection there is a first attempt again even when maxAttempts had run out', () => {
    const schedule = backoff({ maxAttempts: 3, random: () => 0.5 });
    expect(nextAttempt(schedule, 3, 0)).toBeUndefined();
    expect(nextAttempt(schedule, 3, DEFAULT_RECONNECT_RESET_AFTER_MS)).toEqual({ attempt: 1, delay: 500 });
    expect(nextAttempt(backoff({ maxAttempts: 0 }), 0, DEFAULT_RECONNECT_RESET_AFTER_MS)).toBeUndefined();
  });

  it('fills in the named defaults', () => {
    const schedule = backoff();
    expect(schedule).toMatchObject({
      initialDelay: DEFAULT_RECONNECT_INITIAL_DELAY_MS,
      maxDelay: DEFAULT_RECONNECT_MAX_DELAY_MS,
      factor: DEFAULT_RECONNECT_FACTOR,
      maxAttempts: DEFAULT_RECONNECT_MAX_ATTEMPTS,
      resetAfter: DEFAULT_RECONNECT_RESET_AFTER_MS,
      random: Math.random,
    });
    // an initialDelay longer than the default maxDelay raises maxDelay with it
    expect(backoff({ initialDelay: 60_000 }).maxDelay).toBe(60_000);
  });

  it.each<[BackoffOptions, string, RegExp]>([
    [{ initialDelay: 0 }, 'initialDelay', /must be a positive integer \(ms\)/],
    [{ initialDelay: 1.5 }, 'initialDelay', /must be a positive integer/],
    [{ initialDelay: '100' as never }, 'initialDelay', /must be a positive integer/],
    [{ initialDelay: 100, maxDelay: 99 }, 'maxDelay', /from initialDelay \(100\)/],
    [{ maxDelay: 2 ** 31 }, 'maxDelay', /to 2147483647/],
    [{ factor: 0.5 }, 'factor', /at least 1/],
    [{ factor: Number.NaN }, 'factor', /finite number/],
    [{ factor: Number.POSITIVE_INFINITY }, 'factor', /finite number/],
    [{ maxAttempts: -1 }, 'maxAttempts', /non-negative integer or Infinity/],
    [{ maxAttempts: 2.5 }, 'maxAttempts', /non-negative integer or Infinity/],
    [{ resetAfter: 0 }, 'resetAfter', /must be a positive integer/],
    [{ random: 0.5 as never }, 'random', /must be a function/],
  ])('refuses %j, naming %s', (options, option, problem) => {
    const error = refusal(() => backoff(options));
    expect(error.code).toBe('ERR_RXTLS_INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(problem);
  });

  it('refuses options that are not an object', () => {
    expect(refusal(() => backoff(null as never)).option).toBe('backoff');
  });
});
