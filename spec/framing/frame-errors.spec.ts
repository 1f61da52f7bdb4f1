import { lastValueFrom, of, toArray } from 'rxjs';
import { FrameDecoder, FrameError, LineTooLongError, LiteralTooLongError, lines, type FrameSink, type TlsEvent } from '../../lib';

/** What a function throws, or a failure when it throws nothing. */
const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

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

  it('both are FrameErrors, so one instanceof catches every framing failure', () => {
    expect(new LineTooLongError(1, 2)).toBeInstanceOf(FrameError);
    expect(new LiteralTooLongError(1, 2)).toBeInstanceOf(FrameError);
    expect(new FrameError('ERR_RXTLS_FRAME_MISUSE', 'x')).toMatchObject({
      name: 'FrameError',
      code: 'ERR_RXTLS_FRAME_MISUSE',
      message: 'x',
    });
  });

  describe('a stream that ends inside an announced literal, through lines()', () => {
    const imapLiteral = (text: string) => {
      const size = /\{(\d+)\}$/.exec(text)?.[1];
      return size === undefined ? undefined : Number(size);
    };
    const data = (text: string): TlsEvent => ({ type: 'data', bytes: Buffer.from(text) });
    const run = (...chunks: string[]) => lastValueFrom(of(...chunks.map(data)).pipe(lines({ literal: imapLiteral }), toArray()));

    it('fails with a FrameError ERR_RXTLS_FRAME_TRUNCATED that says how much was missing of what', async () => {
      const error = await run('a1 FETCH {10}\r\nabc').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FrameError);
      expect(error).toMatchObject({
        name: 'FrameError',
        code: 'ERR_RXTLS_FRAME_TRUNCATED',
        message:
          'the stream ended 7 bytes short of a 10-byte literal it announced: the peer closed in the middle of it, so the incomplete literal is not delivered',
      });
    });

    it('never tells the user of lines() about calls they did not make', async () => {
      const error = (await run('x {4}\r\n', 'ab').catch((e: unknown) => e)) as Error;
      expect(error.message).not.toMatch(/readBytes|decoder|sink/i);
      expect(error.message).toMatch(/2 bytes short of a 4-byte literal/);
    });
  });

  describe("a FrameDecoder's misuse: ERR_RXTLS_FRAME_MISUSE, naming the condition and what to do", () => {
    it('a second byte frame asked for while one is still being read', () => {
      const decoder = new FrameDecoder();
      decoder.readBytes(3);
      decoder.push(Buffer.from('a'), { line: () => undefined, bytes: () => undefined });
      const error = thrown(() => decoder.readBytes(1));
      expect(error).toBeInstanceOf(FrameError);
      expect(error).toMatchObject({
        code: 'ERR_RXTLS_FRAME_MISUSE',
        message: expect.stringContaining('2 bytes of the current 3-byte frame'),
      });
      expect((error as Error).message).toMatch(/ask for the next one once sink\.bytes\(\) received this one$/);
    });

    it('a byte frame asked for in the middle of a line', () => {
      const decoder = new FrameDecoder();
      decoder.push(Buffer.from('half a li'), { line: () => undefined });
      const error = thrown(() => decoder.readBytes(2));
      expect(error).toBeInstanceOf(FrameError);
      expect(error).toMatchObject({
        code: 'ERR_RXTLS_FRAME_MISUSE',
        message: expect.stringContaining('in the middle of a line (9 bytes of it buffered)'),
      });
    });

    it('a byte frame ready for a sink without bytes()', () => {
      const decoder = new FrameDecoder();
      const sink: FrameSink = { line: (text) => text === 'go' && decoder.readBytes(2) };
      const error = thrown(() => decoder.push(Buffer.from('go\nxy'), sink));
      expect(error).toBeInstanceOf(FrameError);
      expect(error).toMatchObject({
        code: 'ERR_RXTLS_FRAME_MISUSE',
        message: expect.stringMatching(/^a 2-byte frame is ready but the sink has no bytes\(\) handler/),
      });
    });

    it('the input ended inside a byte frame: ERR_RXTLS_FRAME_TRUNCATED, and the decoder starts afresh', () => {
      const decoder = new FrameDecoder();
      decoder.readBytes(6);
      decoder.push(Buffer.from('abcd'), { line: () => undefined, bytes: () => undefined });
      expect(thrown(() => decoder.end())).toMatchObject({ name: 'FrameError', code: 'ERR_RXTLS_FRAME_TRUNCATED' });
      expect(decoder.end()).toBeUndefined();
    });
  });
});
