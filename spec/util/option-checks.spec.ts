import fc from 'fast-check';
import { InvalidOptionError } from '../../lib';
import {
  alpnOption,
  booleanOption,
  hostOption,
  isPort,
  isPositiveInteger,
  LARGEST_POSITIVE_INTEGER,
  oneOfOption,
  portOption,
  positiveInteger,
  stringArrayOption,
} from '../../lib/util/option-checks';

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

/** Anything that is not a number, and numbers that are not integers. */
const notAnInteger = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.object(),
  fc.double().filter((d) => !Number.isInteger(d)),
);

describe('positiveInteger', () => {
  it('accepts exactly the integers from 1 to 2**31-1, the longest a timer can wait (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: LARGEST_POSITIVE_INTEGER }), (n) => {
        expect(positiveInteger({ timeout: n }, 'timeout', 5)).toBe(n);
      }),
    );
    const outside = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: 1, max: LARGEST_POSITIVE_INTEGER }).map((n) => LARGEST_POSITIVE_INTEGER + n),
      notAnInteger,
    );
    fc.assert(
      fc.property(outside, (value) => {
        const error = refusal(() => positiveInteger({ timeout: value as number }, 'timeout', 5));
        expect(error.code).toBe('ERR_RXTLS_INVALID_OPTION');
        expect(error.option).toBe('timeout');
        expect(error.message).toMatch(/^option "timeout" must be a positive integer \(got /);
      }),
    );
  });

  it('gives the fallback when the option is not set', () => {
    expect(positiveInteger({}, 'timeout' as never, 7)).toBe(7);
    expect(positiveInteger({ timeout: undefined }, 'timeout', 7)).toBe(7);
    expect(isPositiveInteger(2 ** 31)).toBe(false);
  });
});

describe('portOption', () => {
  it.each([0, 1] as const)('accepts exactly the integers from %i to 65535 (property)', (lowest) => {
    fc.assert(
      fc.property(fc.integer({ min: lowest, max: 65535 }), (port) => {
        expect(portOption({ port }, 'port', lowest)).toBe(port);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: lowest - 1 }), fc.integer({ min: 65536 }), notAnInteger), (port) => {
        expect(isPort(port, lowest)).toBe(false);
        const error = refusal(() => portOption({ port: port as number }, 'port', lowest));
        expect(error.option).toBe('port');
        expect(error.message).toMatch(new RegExp(`^option "port" must be an integer from ${lowest} to 65535 \\(got `));
      }),
    );
  });

  it('listeners may name port 0 (any free port), clients may not', () => {
    expect(portOption({ port: 0 }, 'port', 0)).toBe(0);
    expect(refusal(() => portOption({ port: 0 }, 'port', 1)).message).toBe('option "port" must be an integer from 1 to 65535 (got 0)');
  });

  it('gives the fallback when the port is not set, and is required without one', () => {
    expect(portOption({}, 'port' as never, 0, 0)).toBe(0);
    expect(refusal(() => portOption({}, 'port' as never, 1)).message).toBe(
      'option "port" must be an integer from 1 to 65535 (got undefined)',
    );
  });
});

describe('hostOption', () => {
  it('accepts any string with something other than blanks in it (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
        (host) => {
          expect(hostOption({ host }, 'host')).toBe(host);
        },
      ),
    );
  });

  it('refuses empty and blank strings and non-strings, and says when it is required', () => {
    for (const host of ['', '  ', 5, {}])
      expect(refusal(() => hostOption({ host: host as string }, 'host', 'fallback')).message).toMatch(
        /^option "host" must be a host name or IP address \(a non-empty string\)/,
      );
    expect(refusal(() => hostOption({}, 'host' as never)).message).toBe(
      'option "host" is required: a host name or IP address (got undefined)',
    );
    expect(hostOption({}, 'host' as never, '127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('the other checks', () => {
  it('booleanOption: true or false, or the fallback', () => {
    expect(booleanOption({ on: true }, 'on', false)).toBe(true);
    expect(booleanOption({}, 'on' as never, false)).toBe(false);
    expect(refusal(() => booleanOption({ on: 'yes' as unknown as boolean }, 'on', false)).message).toBe(
      'option "on" must be true or false (got "yes")',
    );
  });

  it('oneOfOption: one of the list, or the fallback', () => {
    const versions = ['TLSv1.2', 'TLSv1.3'] as const;
    expect(oneOfOption({ v: 'TLSv1.3' }, 'v', versions, 'TLSv1.2')).toBe('TLSv1.3');
    expect(oneOfOption({}, 'v' as never, versions)).toBeUndefined();
    expect(refusal(() => oneOfOption({ v: 'SSLv3' }, 'v', versions)).message).toBe(
      'option "v" must be one of TLSv1.2, TLSv1.3 (got "SSLv3")',
    );
  });

  it('stringArrayOption and alpnOption: arrays of accepted strings', () => {
    expect(alpnOption({ alpn: ['h2', 'http/1.1'] }, 'alpn')).toEqual(['h2', 'http/1.1']);
    expect(alpnOption({}, 'alpn' as never)).toBeUndefined();
    for (const alpn of [['h2', ''], ['x'.repeat(256)], 'h2', [5]]) expect(refusal(() => alpnOption({ alpn }, 'alpn')).option).toBe('alpn');
    const lower = (s: string) => s === s.toLowerCase();
    expect(refusal(() => stringArrayOption({ names: ['a', 'B'] }, 'names', lower, 'must be lower case')).message).toBe(
      'option "names" must be lower case (got an array of 2)',
    );
  });
});
