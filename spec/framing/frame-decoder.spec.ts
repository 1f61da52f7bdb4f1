import fc from 'fast-check';
import { FrameDecoder, InvalidOptionError, LineTooLongError, type FrameDecoderOptions } from '../../lib';

/** Cuts `input` at the given points. */
function chunked(input: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const p of points) {
    chunks.push(input.subarray(previous, p));
    previous = p;
  }
  chunks.push(input.subarray(previous));
  return chunks;
}

/** Runs the decoder over the chunks and returns every line, the trailing partial last. */
function decode(chunks: Buffer[], options: FrameDecoderOptions = {}): string[] {
  const decoder = new FrameDecoder(options);
  const out: string[] = [];
  for (const chunk of chunks) decoder.push(chunk, { line: (t) => out.push(t) });
  const rest = decoder.end();
  if (rest !== undefined) out.push(rest);
  return out;
}

/** The reference: split the whole input at once. */
function reference(input: Buffer, delimiter = '\n', encoding: BufferEncoding = 'utf8', stripCR = true): string[] {
  const parts: Buffer[] = [];
  const d = Buffer.from(delimiter, encoding === 'utf8' ? 'utf8' : 'latin1');
  let from = 0;
  for (let at = input.indexOf(d); at !== -1; at = input.indexOf(d, from)) {
    parts.push(input.subarray(from, at));
    from = at + d.length;
  }
  if (from < input.length) parts.push(input.subarray(from));
  return parts.map((p) => {
    const text = p.toString(encoding);
    return stripCR && delimiter === '\n' && text.endsWith('\r') ? text.slice(0, -1) : text;
  });
}

describe('FrameDecoder: lines', () => {
  it('splits on LF and strips a CR before it', () => {
    expect(decode([Buffer.from('a\r\nb\nc\r\n')])).toEqual(['a', 'b', 'c']);
  });

  it('keeps a lone CR inside a line and honours stripCR: false', () => {
    expect(decode([Buffer.from('a\rb\r\n')])).toEqual(['a\rb']);
    expect(decode([Buffer.from('a\r\n')], { stripCR: false })).toEqual(['a\r']);
  });

  it('joins a line split across chunks, and returns the unterminated rest from end()', () => {
    expect(decode([Buffer.from('hel'), Buffer.from('lo\r'), Buffer.from('\nwor'), Buffer.from('ld')])).toEqual(['hello', 'world']);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('grüße 🌍\n', 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(decode([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['grüße 🌍']);
    }
  });

  it('supports a custom, multi-byte delimiter that straddles chunks', () => {
    expect(decode([Buffer.from('a||b|'), Buffer.from('|c||')], { delimiter: '||' })).toEqual(['a', 'b', 'c']);
  });

  it('decodes latin1 and ascii', () => {
    expect(decode([Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])], { encoding: 'latin1' })).toEqual(['café']);
    expect(decode([Buffer.from('plain\n')], { encoding: 'ascii' })).toEqual(['plain']);
  });

  it('fails with LineTooLongError past maxLength, holding at most maxLength bytes', () => {
    const decoder = new FrameDecoder({ maxLength: 10 });
    const sink = { line: jest.fn() };
    decoder.push(Buffer.from('0123456789'), sink);
    expect(decoder.buffered).toBe(10);
    let thrown: unknown;
    try {
      decoder.push(Buffer.from('01234567890123'), sink);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LineTooLongError);
    expect(thrown).toMatchObject({ limit: 10, seen: 24, code: 'ERR_RXTLS_LINE_TOO_LONG' });
    expect((thrown as Error).message).toBe('line exceeds maxLength: 24 bytes seen without a delimiter, limit 10');
    expect(decoder.buffered).toBe(0);
    expect(sink.line).not.toHaveBeenCalled();
  });

  it('measures maxLength in bytes, not characters, and excludes the CRLF', () => {
    expect(decode([Buffer.from('éé\r\n')], { maxLength: 4 })).toEqual(['éé']);
    expect(() => decode([Buffer.from('ééé\n')], { maxLength: 4 })).toThrow(LineTooLongError);
    expect(() => decode([Buffer.from('x'.repeat(20) + '\n')], { maxLength: 19 })).toThrow(LineTooLongError);
  });

  it('rejects bad options naming them', () => {
    expect(() => new FrameDecoder({ maxLength: 0 })).toThrow(InvalidOptionError);
    expect(() => new FrameDecoder({ delimiter: '' })).toThrow(/option "delimiter"/);
    expect(() => new FrameDecoder({ encoding: 'utf16le' as never })).toThrow(/option "encoding"/);
  });
});

describe('FrameDecoder: byte mode (readBytes)', () => {
  /** An IMAP-like reader: a line ending in {N} is followed by N raw bytes. */
  function imapFrames(chunks: Buffer[]): Array<string | Buffer> {
    const decoder = new FrameDecoder();
    const out: Array<string | Buffer> = [];
    const sink = {
      line: (text: string) => {
        out.push(text);
        const literal = /\{(\d+)\}$/.exec(text);
        if (literal) decoder.readBytes(Number(literal[1]));
      },
      bytes: (bytes: Buffer) => out.push(Buffer.from(bytes)),
    };
    for (const chunk of chunks) decoder.push(chunk, sink);
    return out;
  }

  it('switches to N raw bytes mid-chunk and back to lines', () => {
    const input = Buffer.from('* 1 FETCH (BODY[] {7}\r\nA\r\nB\r\nC)\r\na1 OK\r\n');
    expect(imapFrames([input])).toEqual(['* 1 FETCH (BODY[] {7}', Buffer.from('A\r\nB\r\nC'), ')', 'a1 OK']);
  });

  it('delivers an empty literal', () => {
    expect(imapFrames([Buffer.from('x {0}\r\n)\r\n')])).toEqual(['x {0}', Buffer.alloc(0), ')']);
  });

  it('reports input that ends inside a literal', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('x {5}\nab'), { line: () => decoder.readBytes(5), bytes: () => undefined });
    expect(() => decoder.end()).toThrow(/^the stream ended 3 bytes short of a 5-byte literal it announced: /);
  });

  it('property: any chunking and any literal content (CRLF, non-ASCII, binary) give the same frames', () => {
    const literal = fc.uint8Array({ maxLength: 64 });
    const text = fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/[\r\n{}]/g, '_'));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, fc.option(literal)), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const parts: Buffer[] = [];
          const expected: Array<string | Buffer> = [];
          for (const [line, body] of messages) {
            if (body === null) {
              parts.push(Buffer.from(`${line}\r\n`));
              expected.push(line);
            } else {
              parts.push(Buffer.from(`${line} {${body.length}}\r\n`), Buffer.from(body), Buffer.from(')\r\n'));
              expected.push(`${line} {${body.length}}`, Buffer.from(body), ')');
            }
          }
          const input = Buffer.concat(parts);
          expect(imapFrames(chunked(input, cuts))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('FrameDecoder: properties', () => {
  it('any bytes, any chunking: equals the reference split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
        const input = Buffer.from(bytes);
        expect(decode(chunked(input, cuts), { maxLength: 1000 })).toEqual(reference(input));
      }),
      { numRuns: 500 },
    );
  });

  it('UTF-8 text survives any split point', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' ')),
          { maxLength: 10 },
        ),
        fc.array(fc.nat(), { maxLength: 12 }),
        (texts, cuts) => {
          const input = Buffer.from(texts.map((t) => `${t}\r\n`).join(''), 'utf8');
          expect(decode(chunked(input, cuts), { maxLength: 1000 })).toEqual(texts);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a custom delimiter, any chunking: equals the reference split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '|', '#', 'é'), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (symbols, cuts) => {
          const input = Buffer.from(symbols.join(''), 'utf8');
          expect(decode(chunked(input, cuts), { delimiter: '|#', maxLength: 1000 })).toEqual(reference(input, '|#'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never holds more than maxLength (+1 for a CR) bytes, and throws only LineTooLongError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (bytes, cuts, maxLength) => {
          const decoder = new FrameDecoder({ maxLength });
          try {
            for (const chunk of chunked(Buffer.from(bytes), cuts)) {
              // a UTF-16 unit comes from at least one raw byte, so length bounds the raw line too
              decoder.push(chunk, { line: (t) => expect(t.length).toBeLessThanOrEqual(maxLength) });
              expect(decoder.buffered).toBeLessThanOrEqual(maxLength + 1);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(LineTooLongError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
