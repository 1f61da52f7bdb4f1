import { LineTooLongError, LiteralTooLongError } from '../../lib';

describe('framing errors', () => {
  it('LineTooLongError names itself, its code, the bound and what was seen', () => {
    const error = new LineTooLongError(10, 11);
    expect(error).toMatchObject({ name: 'LineTooLongError', code: 'ERR_RXTLS_LINE_TOO_LONG', limit: 10, seen: 11 });
    expect(error.message).toBe('line exceeds maxLength: 11 bytes seen without a delimiter, limit 10');
  });

  it('LiteralTooLongError names itself, its code, the bound and the announced size', () => {
    const error = new LiteralTooLongError(1024, 5000);
    expect(error).toMatchObject({ name: 'LiteralTooLongError', code: 'ERR_RXTLS_LITERAL_TOO_LONG', limit: 1024, announced: 5000 });
    expect(error.message).toBe('literal of 5000 bytes exceeds maxLiteralLength 1024');
  });
});
