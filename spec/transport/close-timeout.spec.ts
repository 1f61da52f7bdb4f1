import { InvalidOptionError } from '../../lib';
import { closeTimeoutOf } from '../../lib/transport/close-timeout';

describe('closeTimeoutOf()', () => {
  it("is the connection's closeTimeout, named so, when end() was given no bound", () => {
    expect(closeTimeoutOf(undefined, 3000)).toEqual({ ms: 3000, option: 'closeTimeout' });
  });

  it('is the bound end() was given, longer or shorter, with the option that set it', () => {
    expect(closeTimeoutOf({ ms: 4500, option: 'gracefulShutdown timeout' }, 3000)).toEqual({
      ms: 4500,
      option: 'gracefulShutdown timeout',
    });
    expect(closeTimeoutOf({ ms: 0, option: 'logoutTimeout' }, 3000)).toEqual({ ms: 0, option: 'logoutTimeout' });
  });

  it('refuses a bound that is not a non-negative integer, naming the option that set it', () => {
    for (const ms of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => closeTimeoutOf({ ms, option: 'logoutTimeout' }, 3000)).toThrow(InvalidOptionError);
      expect(() => closeTimeoutOf({ ms, option: 'logoutTimeout' }, 3000)).toThrow(/option "logoutTimeout" must be a non-negative integer/);
    }
  });
});
