import fc from 'fast-check';
import { FrameDecoder, LineTooLongError, type FrameDecoderOptions, type FrameSink } from '../../lib';
import { literalSink } from '../support/literal-sink';

/** What a decoder gave for some chunks: the lines, the trailing partial, and the error if it failed. */
interface Outcome {
  lines: Array<string | Buffer>;
  rest?: string;
  error?: unknown;
}

function run(
  chunks: Buffer[],
  options: FrameDecoderOptions = {},
  sink?: (decoder: FrameDecoder, out: Array<string | Buffer>) => FrameSink,
): Outcome {
  const decoder = new FrameDecoder(options);
  const lines: Array<string | Buffer> = [];
  const target = sink ? sink(decoder, lines) : { line: (t: string) => void lines.push(t) };
  try {
    for (const chunk of chunks) decoder.push(chunk, target);
    const rest = decoder.end();
    return rest === undefined ? { lines } : { lines, rest };
  } catch (error) {
    return { lines, error };
  }
}

function chunked(input: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((p, i, all) => input.subarray(p, all[i + 1] ?? input.length));
}

/**
 * The model: cut the whole input at each LF, decode each line's bytes on their own, strip one
 * CR; the first line over `maxLength` bytes (CR excluded), complete or not, fails the stream,
 * and every line before it has been delivered.
 */
function model(input: Buffer, maxLength: number): Outcome {
  const lines: string[] = [];
  let from = 0;
  for (let at = input.indexOf(0x0a); at !== -1; at = input.indexOf(0x0a, from)) {
    const raw = input.subarray(from, at);
    const bytes = raw.subarray(0, raw.at(-1) === 0x0d ? -1 : raw.length);
    if (bytes.length > maxLength) return { lines, error: new LineTooLongError(maxLength, 0) };
    lines.push(bytes.toString('utf8'));
    from = at + 1;
  }
  const partial = input.subarray(from);
  if (partial.length === 0) return { lines };
  if (partial.length - (partial.at(-1) === 0x0d ? 1 : 0) > maxLength) return { lines, error: new LineTooLongError(maxLength, 0) };
  const rest = partial.toString('utf8');
  return { lines, rest: rest.endsWith('\r') ? rest.slice(0, -1) : rest };
}

describe('FrameDecoder: an incomplete line held as text or as bytes', () => {
  it('holds an ASCII partial line as text and counts it in buffered', () => {
    const decoder = new FrameDecoder();
    const out: string[] = [];
    decoder.push(Buffer.from('one\ntw'), { line: (t) => out.push(t) });
    expect(decoder.buffered).toBe(2);
    decoder.push(Buffer.from('o\r'), { line: (t) => out.push(t) });
    expect(decoder.buffered).toBe(4);
    decoder.push(Buffer.from('\nthree'), { line: (t) => out.push(t) });
    expect(out).toEqual(['one', 'two']);
    expect(decoder.end()).toBe('three');
    expect(decoder.buffered).toBe(0);
  });

  it('joins held ASCII text with a character split across the next chunks', () => {
    const e = Buffer.from('é'); // C3 A9
    expect(run([Buffer.from('caf'), e.subarray(0, 1), Buffer.concat([e.subarray(1), Buffer.from('\n')])]).lines).toEqual(['café']);
    expect(
      run([Buffer.from('ab'), Buffer.concat([Buffer.from('c'), e.subarray(0, 1)]), e.subarray(1), Buffer.from('\r\nx\n')]).lines,
    ).toEqual(['abcé', 'x']);
  });

  it('keeps an invalid or unfinished byte sequence as bytes until its line ends', () => {
    // A lone lead byte at the end of a chunk may be the start of a character: it is not decoded alone.
    expect(run([Buffer.from([0x61, 0xe2, 0x82]), Buffer.from([0xac, 0x0a])]).lines).toEqual(['a€']);
    // A byte that can never start a character decodes to U+FFFD, as when the line is decoded whole.
    expect(run([Buffer.from([0x61, 0xff]), Buffer.from([0x62, 0x0a])]).lines).toEqual(['a\uFFFDb']);
  });

  it('holds latin1 and ascii partial lines as text, high bytes and all', () => {
    expect(
      run([Buffer.from('caf', 'latin1'), Buffer.from('é\r', 'latin1'), Buffer.from('\n', 'latin1')], { encoding: 'latin1' }).lines,
    ).toEqual(['café']);
    // 'ascii' decoding clears the high bit, per chunk or whole alike.
    expect(run([Buffer.from([0x61, 0xe9]), Buffer.from([0x0a])], { encoding: 'ascii' }).lines).toEqual(['ai']);
  });

  it('decodes an ASCII chunk and a non-ASCII one to the same lines', () => {
    expect(run([Buffer.from('ab\ncd\nef')]).lines).toEqual(['ab', 'cd']);
    expect(run([Buffer.from('aé\ncd\nef')]).lines).toEqual(['aé', 'cd']);
  });
});

describe('FrameDecoder: measuring lines as they are delivered', () => {
  it('delivers the lines before a too-long one, then fails', () => {
    const outcome = run([Buffer.from('ab\ncd\nefgh\nij\n')], { maxLength: 3 });
    expect(outcome.lines).toEqual(['ab', 'cd']);
    expect(outcome.error).toEqual(new LineTooLongError(3, 4));
  });

  it('measures a non-ASCII line in bytes, not characters', () => {
    // 'ééé' is 3 characters and 6 bytes
    const outcome = run([Buffer.from('ab\nééé\ncd\n')], { maxLength: 5 });
    expect(outcome.lines).toEqual(['ab']);
    expect(outcome.error).toEqual(new LineTooLongError(5, 6));
    expect(run([Buffer.from('ab\néé\ncd\n')], { maxLength: 4 }).lines).toEqual(['ab', 'éé', 'cd']);
  });

  it('does not measure the bytes of a literal as a line, wherever its announcement is in the chunk', () => {
    const outcome = run([Buffer.from('a\nx {1}\nZabcde\nok\n')], { maxLength: 5 }, literalSink);
    expect(outcome).toEqual({ lines: ['a', 'x {1}', Buffer.from('Z'), 'abcde', 'ok'] });
  });

  it('property: any bytes, any chunking, a small maxLength: the lines and the failure of the whole input', () => {
    const alphabet = fc.constantFrom(...[0x61, 0x62, 0x0d, 0x0a, 0x0a, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff].map((b) => [b]));
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 1, max: 8 }),
        (bytes, cuts, maxLength) => {
          const input = Buffer.from(bytes.flat());
          const expected = model(input, maxLength);
          const outcome = run(chunked(input, cuts), { maxLength });
          expect(outcome.lines).toEqual(expected.lines);
          expect(outcome.rest).toEqual(expected.rest);
          expect(outcome.error instanceof LineTooLongError).toBe(expected.error !== undefined);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('FrameDecoder: resuming after a literal in a chunk of multi-byte text', () => {
  it('resumes at the right byte after lines with multi-byte characters', () => {
    const outcome = run([Buffer.from('a\nété {3}\nxyzend\n')], {}, literalSink);
    expect(outcome).toEqual({ lines: ['a', 'été {3}', Buffer.from('xyz'), 'end'] });
  });

  it('resumes at the right byte after a line with an invalid byte (one U+FFFD for one byte)', () => {
    const input = Buffer.concat([Buffer.from('a\n'), Buffer.from([0xff]), Buffer.from(' {2}\nZZok\n')]);
    expect(run([input], {}, literalSink)).toEqual({ lines: ['a', '\uFFFD {2}', Buffer.from('ZZ'), 'ok'] });
  });

  it('resumes at the right byte when the literal is announced by the line that completes held text', () => {
    expect(run([Buffer.from('x {'), Buffer.from('2}\nABtail\n')], {}, literalSink)).toEqual({
      lines: ['x {2}', Buffer.from('AB'), 'tail'],
    });
    expect(run([Buffer.from('x {'), Buffer.from('2}\nAB\n')], { maxLength: 5 }, literalSink)).toEqual({
      lines: ['x {2}', Buffer.from('AB'), ''],
    });
  });
});
