import { InvalidOptionError } from '../errors';

/**
 * The value of an optional positive-integer option (a timeout, a bound), or `fallback` when it
 * is not set; throws {@link InvalidOptionError} naming it when it is not a positive integer.
 */
export function positiveInteger<T extends object>(options: T, name: keyof T & string, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1)
    throw new InvalidOptionError(name, value, 'must be a positive integer');
  return value;
}
