import { InvalidOptionError } from '../errors';
import type { CloseTimeout } from '../events';

/**
 * The bound on one close: the {@link CloseTimeout} `end()` was given, checked, or the
 * connection's own `closeTimeout` when it was given none. Shared by every transport, so that
 * whichever option set the bound, the `ERR_RXTLS_CLOSE_TIMEOUT` error names that option.
 */
export function closeTimeoutOf(given: CloseTimeout | undefined, closeTimeout: number): CloseTimeout {
  if (given === undefined) return { ms: closeTimeout, option: 'closeTimeout' };
  if (!Number.isInteger(given.ms) || given.ms < 0)
    throw new InvalidOptionError(given.option, given.ms, 'must be a non-negative integer (milliseconds)');
  return given;
}
