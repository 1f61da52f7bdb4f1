import { InvalidOptionError, InvalidTargetError, RuntimeUnsupportedError, TransportError, WriteBufferFullError } from '../lib/errors';

/** The unit spec of lib/errors.ts: what each class carries and says (the catalogue spec checks the docs against the codes). */
describe('the error classes', () => {
  it('TransportError names the endpoint and keeps code, host, port and cause', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new TransportError('ECONNREFUSED', 'imap.example.test', 993, 'connection refused', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TransportError', code: 'ECONNREFUSED', host: 'imap.example.test', port: 993, cause });
    expect(error.message).toBe('imap.example.test:993: connection refused');
  });

  it('InvalidOptionError names the option, the problem and what it got', () => {
    const cause = new Error('inner');
    const error = new InvalidOptionError('port', -1, 'must be positive', { cause });
    expect(error).toMatchObject({ name: 'InvalidOptionError', code: 'ERR_RXTLS_INVALID_OPTION', option: 'port', value: -1, cause });
    expect(error.message).toBe('option "port" must be positive (got -1)');
  });

  it.each([
    ['a short string, quoted', 'abc', '"abc"'],
    ['a string of 80 characters, whole', 'x'.repeat(80), JSON.stringify('x'.repeat(80))],
    ['a longer string, cut to 77 characters and an ellipsis', 'y'.repeat(81), JSON.stringify(`${'y'.repeat(77)}...`)],
    ['a Buffer, by its length', Buffer.alloc(3), 'a Buffer of 3 bytes'],
    ['an array, by its length', [1, 2], 'an array of 2'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['a boolean', false, 'false'],
    ['a function', () => 0, '() => 0'],
    ['an object, never its contents (they may hold a key)', { key: 'secret' }, 'an object'],
  ])('InvalidOptionError describes %s', (_, value, described) => {
    expect(new InvalidOptionError('x', value, 'is wrong').message).toBe(`option "x" is wrong (got ${described})`);
  });

  it('InvalidTargetError keeps the text and the message', () => {
    const error = new InvalidTargetError('host:port:x', 'not HOST[:PORT]');
    expect(error).toMatchObject({
      name: 'InvalidTargetError',
      code: 'ERR_RXTLS_INVALID_TARGET',
      text: 'host:port:x',
      message: 'not HOST[:PORT]',
    });
  });

  it('WriteBufferFullError says how much was refused, what was queued, the limit and what to do', () => {
    const error = new WriteBufferFullError(1024, 1000, 100);
    expect(error).toMatchObject({
      name: 'WriteBufferFullError',
      code: 'ERR_RXTLS_WRITE_BUFFER_FULL',
      limit: 1024,
      pending: 1000,
      attempted: 100,
    });
    expect(error.message).toBe(
      'write of 100 bytes refused: 1000 bytes already queued and maxPendingWriteBytes is 1024; wait for writer.drain() before writing more',
    );
  });

  it('RuntimeUnsupportedError keeps the runtime, the feature and the message', () => {
    const runtime = { name: 'Bun' as const, version: '1.1.0' };
    const error = new RuntimeUnsupportedError(runtime, 'securityLevel', 'no securityLevel under Bun');
    expect(error).toMatchObject({
      name: 'RuntimeUnsupportedError',
      code: 'ERR_RXTLS_RUNTIME_UNSUPPORTED',
      runtime,
      feature: 'securityLevel',
    });
    expect(error.message).toBe('no securityLevel under Bun');
  });
});
