import fc from 'fast-check';
import { FrameDecoder, FrameError, InvalidOptionError, LineTooLongError, type FrameDecoderOptions } from '../../lib';
import { literalSink } from '../support/literal-sink';

/** Pushes each chunk and returns the lines cut so far (no end()). */
function cut(chunks: Array<string | Buffer>, options: FrameDecoderOptions = {}): string[] {
  const decoder = new FrameDecoder(options);
  const out: string[] = [];
  for (const chunk of chunks) decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), { line: (t) => out.push(t) });
  return out;
}

describe('FrameDecoder: option checks', () => {
  it('names a delimiter that is not a non-empty string', () => {
    expect(() => new FrameDecoder({ delimiter: 5 as never })).toThrow('option "delimiter" must be a non-empty string (got 5)');
    expect(() => new FrameDecoder({ delimiter: '' })).toThrow(InvalidOptionError);
  });

  it('names an unknown encoding and a maxLength that is not a positive integer', () => {
    expect(() => new FrameDecoder({ encoding: 'utf16le' as never })).toThrow(/^option "encoding" must be 'utf8', 'latin1' or 'ascii'/);
    expect(() => new FrameDecoder({ maxLength: 1.5 })).toThrow(/^option "maxLength" must be a positive integer \(bytes\)/);
    expect(new FrameDecoder({ maxLength: 1 }).maxLength).toBe(1);
  });
});

describe('FrameDecoder: maxLength boundaries', () => {
  it('accepts a line of exactly maxLength bytes and refuses one more, however it is cut', () => {
    for (const chunks of [['abcde\n'], ['abc', 'de\n'], ['abcd', 'e', '\n']]) {
      expect(cut(chunks, { maxLength: 5 })).toEqual(['abcde']);
    }
    for (const chunks of [['abcdef\n'], ['abc', 'def\n'], ['abcd', 'ef\n'], ['abcdef']]) {
      expect(() => cut(chunks, { maxLength: 5 })).toThrow(new LineTooLongError(5, 6));
    }
  });

  it('with another delimiter, refuses a partial line one byte past maxLength as soon as it is held, a CR included', () => {
    for (const partial of ['abcdef', 'abcde\r']) {
      expect(() => cut([partial], { delimiter: '||', maxLength: 5 })).toThrow(new LineTooLongError(5, 6));
      expect(() => cut(['ab', partial.slice(2)], { delimiter: '||', maxLength: 5 })).toThrow(new LineTooLongError(5, 6));
    }
    expect(cut(['abcde', '||'], { delimiter: '||', maxLength: 5 })).toEqual(['abcde']);
  });

  it('does not count the CR of a CRLF, wherever the CR arrives', () => {
    expect(cut(['abcd', 'e\r\n'], { maxLength: 5 })).toEqual(['abcde']);
    // held bytes that end in the CR: one byte over the bound, allowed until the LF shows it was a CRLF
    expect(cut(['abcde\r', '\n'], { maxLength: 5 })).toEqual(['abcde']);
    expect(cut(['abcde\r'], { maxLength: 5 })).toEqual([]);
    expect(() => cut(['abcde\rx'], { maxLength: 5 })).toThrow(new LineTooLongError(5, 7));
    expect(() => cut(['abcd', 'ef\n'], { maxLength: 5 })).toThrow(new LineTooLongError(5, 6));
  });

  it('measures each line of a chunk on its own: many short lines may exceed maxLength together', () => {
    expect(cut(['a\nb\nc\nd\n'], { maxLength: 2 })).toEqual(['a', 'b', 'c', 'd']);
    expect(cut(['ab\ncd\r\nef\n'], { maxLength: 2 })).toEqual(['ab', 'cd', 'ef']);
    expect(() => cut(['ab\ncd\nefg\nh\n'], { maxLength: 2 })).toThrow(new LineTooLongError(2, 3));
  });

  it('measures lines cut at a custom delimiter, the second as the first', () => {
    expect(cut(['abc|abc|'], { delimiter: '|', maxLength: 3 })).toEqual(['abc', 'abc']);
    expect(() => cut(['abc|abcd|'], { delimiter: '|', maxLength: 3 })).toThrow(new LineTooLongError(3, 4));
  });

  it('measures a line that follows a literal in the same chunk from where the literal ended', () => {
    const decoder = new FrameDecoder({ maxLength: 5 });
    const out: Array<string | Buffer> = [];
    decoder.push(Buffer.from('x {1}\nZabcde\n'), literalSink(decoder, out));
    expect(out).toEqual(['x {1}', Buffer.from('Z'), 'abcde']);
  });

  it('drops what it held once a line was too long', () => {
    const decoder = new FrameDecoder({ maxLength: 3 });
    decoder.push(Buffer.from('abc'), { line: () => undefined });
    expect(() => decoder.push(Buffer.from('d'), { line: () => undefined })).toThrow(LineTooLongError);
    expect(decoder.buffered).toBe(0);
    expect(decoder.end()).toBeUndefined();
  });
});

describe('FrameDecoder: lines of one chunk', () => {
  it('cuts every line of a chunk, the last without a CR as the others', () => {
    expect(cut(['a\nb\n'])).toEqual(['a', 'b']);
    expect(cut(['a\nbc\nd'])).toEqual(['a', 'bc']);
    expect(cut(['x\r\n\r\n\ny\n'])).toEqual(['x', '', '', 'y']);
  });

  it('property: text of LF, CR and a few characters, any chunking, equals cutting it whole', () => {
    const text = fc.array(fc.constantFrom('a', 'é', '\n', '\r', '\r\n'), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 8 }), (input, cuts) => {
        const bytes = Buffer.from(input);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i, all) => bytes.subarray(p, all[i + 1] ?? bytes.length));
        const complete = input.slice(0, input.lastIndexOf('\n') + 1);
        const expected =
          complete === ''
            ? []
            : complete
                .slice(0, -1)
                .split('\n')
                .map((l) => l.replace(/\r$/, ''));
        expect(cut(chunks)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('FrameDecoder: encodings of the delimiter', () => {
  it('encodes a non-ASCII delimiter as UTF-8 for utf8 and as one byte for latin1', () => {
    expect(cut([Buffer.from('a§b§', 'utf8')], { delimiter: '§' })).toEqual(['a', 'b']);
    expect(cut([Buffer.from('a§b§', 'latin1')], { delimiter: '§', encoding: 'latin1' })).toEqual(['a', 'b']);
  });

  it('resumes at the right byte after a literal announced on a latin1 line with non-ASCII text', () => {
    const decoder = new FrameDecoder({ encoding: 'latin1' });
    const out: Array<string | Buffer> = [];
    // 'a' is the chunk's first line, cut on its own: 'café' is in the text cut in one go.
    decoder.push(Buffer.from('a\ncafé\nnote {3}\nxyzend\n', 'latin1'), literalSink(decoder, out));
    expect(out).toEqual(['a', 'café', 'note {3}', Buffer.from('xyz'), 'end']);
  });
});

describe('FrameDecoder: byte mode misuse and state', () => {
  it('names a readBytes size that is not a non-negative integer', () => {
    const decoder = new FrameDecoder();
    for (const n of [-1, 1.5, Number.NaN]) {
      expect(() => decoder.readBytes(n)).toThrow(/^option "readBytes" must be a non-negative integer/);
    }
    expect(decoder.readingBytes).toBe(false);
  });

  it('refuses readBytes while reading bytes, or in the middle of a line', () => {
    const reading = new FrameDecoder();
    reading.readBytes(2);
    expect(() => reading.readBytes(1)).toThrow(
      new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        'cannot start a 1-byte frame: 2 bytes of the current 2-byte frame are still to come; ask for the next one once sink.bytes() received this one',
      ),
    );
    const midLine = new FrameDecoder();
    midLine.push(Buffer.from('part'), { line: () => undefined });
    expect(() => midLine.readBytes(1)).toThrow(
      new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        'cannot start a 1-byte frame in the middle of a line (4 bytes of it buffered); ask for it from sink.line(), right after the line that announces it',
      ),
    );
  });

  it('needs a sink with bytes() once readBytes was called', () => {
    const decoder = new FrameDecoder();
    decoder.readBytes(1);
    expect(() => decoder.push(Buffer.from('x'), { line: () => undefined })).toThrow(
      new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        'a 1-byte frame is ready but the sink has no bytes() handler: a FrameSink that asks for byte frames must have bytes(frame) to receive them',
      ),
    );
  });

  it('reports readingBytes and the bytes held while a frame is incomplete', () => {
    const decoder = new FrameDecoder();
    const out: Array<string | Buffer> = [];
    expect(decoder.readingBytes).toBe(false);
    decoder.readBytes(5);
    expect(decoder.readingBytes).toBe(true);
    decoder.push(Buffer.from('ab'), literalSink(decoder, out));
    expect(decoder.buffered).toBe(2);
    expect(decoder.readingBytes).toBe(true);
    decoder.push(Buffer.from('cde'), literalSink(decoder, out));
    expect(decoder.readingBytes).toBe(false);
    expect(decoder.buffered).toBe(0);
    expect(out).toEqual([Buffer.from('abcde')]);
  });

  it('starts afresh after end() reported an incomplete frame', () => {
    const decoder = new FrameDecoder();
    decoder.readBytes(4);
    decoder.push(Buffer.from('ab'), literalSink(decoder, []));
    expect(() => decoder.end()).toThrow(/^the stream ended 2 bytes short of a 4-byte literal it announced: /);
    expect(decoder.readingBytes).toBe(false);
    expect(decoder.buffered).toBe(0);
    expect(decoder.end()).toBeUndefined();
  });

  it('reads the bytes after a custom delimiter that straddled two chunks', () => {
    const decoder = new FrameDecoder({ delimiter: '||' });
    const out: Array<string | Buffer> = [];
    const sink = literalSink(decoder, out);
    decoder.push(Buffer.from('x {3}|'), sink);
    decoder.push(Buffer.from('|abcy||'), sink);
    expect(out).toEqual(['x {3}', Buffer.from('abc'), 'y']);
  });
});
