import { passwordArgument, portArgument, readArguments } from '../../examples/command-line';

describe("the example clients' command-line helpers", () => {
  const usage = 'usage: x';

  it('reads options with values, switches and, when allowed, the words after them', () => {
    const read = readArguments(['--host', 'h', '--active', 'ls', '/'], { values: ['--host'], switches: ['--active'], rest: true, usage });
    expect([...read.values]).toEqual([['--host', 'h']]);
    expect([...read.switches]).toEqual(['--active']);
    expect(read.rest).toEqual(['ls', '/']);
  });

  it('refuses an unknown option, an option without its value, and words where none are expected, with the usage', () => {
    expect(() => readArguments(['--nope'], { values: ['--host'], usage })).toThrow('unknown argument --nope\nusage: x');
    expect(() => readArguments(['--host'], { values: ['--host'], usage })).toThrow('--host needs a value\nusage: x');
    expect(() => readArguments(['--host', 'h', 'extra'], { values: ['--host'], usage })).toThrow('unknown argument extra\nusage: x');
  });

  it('takes ports 1-65535 and the default without --port', () => {
    expect(portArgument(new Map(), 993, usage)).toBe(993);
    expect(portArgument(new Map([['--port', '1']]), 993, usage)).toBe(1);
    expect(portArgument(new Map([['--port', '65535']]), 993, usage)).toBe(65535);
    for (const bad of ['0', '65536', '1.5', 'x'])
      expect(() => portArgument(new Map([['--port', bad]]), 993, usage)).toThrow(`--port must be 1-65535, got ${bad}\nusage: x`);
  });

  it('reads the password from the variable --password-env names, and says which one is missing', () => {
    expect(passwordArgument(new Map(), { PW: 'secret' })).toBeUndefined();
    expect(passwordArgument(new Map([['--password-env', 'PW']]), { PW: 'secret' })).toBe('secret');
    expect(passwordArgument(new Map([['--password-env', 'PW']]), { PW: '' })).toBe('');
    expect(() => passwordArgument(new Map([['--password-env', 'PW']]), {})).toThrow(
      'the environment variable PW (--password-env) is not set',
    );
  });
});
