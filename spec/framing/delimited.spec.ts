import { delimited, FrameTooLongError, InvalidOptionError } from '../../lib';
import { cutAt, hex, runCodec } from './run-codec';

describe('delimited()', () => {
  it('cuts at a one-byte delimiter, stripping it by default or keeping it', () => {
    const stream = Buffer.from('a\0bc\0\0');
    expect(runCodec(delimited('\0'), [stream]).frames).toEqual([hex('a'), hex('bc'), '']);
    expect(runCodec(delimited(new Uint8Array([0]), { includeDelimiter: true }), [stream]).frames).toEqual([
      hex('a\0'),
      hex('bc\0'),
      hex('\0'),
    ]);
  });

  it('finds a multi-byte delimiter split across chunks at every byte', () => {
    const stream = Buffer.from('one\r\n\r\ntwo\r\n\r\nthree\r\n\r\n');
    const codec = delimited('\r\n\r\n');
    for (let a = 0; a <= stream.length; a++)
      for (let b = a; b <= stream.length; b += 3)
        expect(runCodec(codec, cutAt(stream, [a, b, b + 1])).frames).toEqual([hex('one'), hex('two'), hex('three')]);
    const kept = delimited('\r\n\r\n', { includeDelimiter: true });
    expect(runCodec(kept, cutAt(stream, [4, 6, 7])).frames).toEqual([hex('one\r\n\r\n'), hex('two\r\n\r\n'), hex('three\r\n\r\n')]);
  });

  it('takes the leftmost of overlapping delimiters, as a search of the whole stream does', () => {
    const codec = delimited('aa');
    expect(runCodec(codec, [Buffer.from('xaaay')], { end: false }).frames).toEqual([hex('x')]);
    expect(runCodec(codec, cutAt(Buffer.from('xaaay'), [2]), { end: false }).frames).toEqual([hex('x')]);
  });

  it('accepts a frame of exactly maxFrameLength, even with its delimiter split, and fails one byte more', () => {
    const codec = delimited('\r\n', { maxFrameLength: 4 });
    expect(runCodec(codec, [Buffer.from('abcd\r'), Buffer.from('\n')]).frames).toEqual([hex('abcd')]);
    const over = runCodec(codec, [Buffer.from('abcde\r\n')]);
    expect(over.error).toBeInstanceOf(FrameTooLongError);
    expect(over.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TOO_LONG', limit: 4, length: 5, how: 'seen' });
  });

  it('fails as soon as more than maxFrameLength and a delimiter-start arrived without a delimiter, holding no more', () => {
    const codec = delimited('\r\n', { maxFrameLength: 4 });
    const decoder = codec.decoder();
    decoder.push(Buffer.from('abcd'), () => true);
    decoder.push(Buffer.from('e'), () => true); // the 5th byte could have begun a delimiter: only the count is checked
    expect(decoder.buffered).toBe(5);
    expect(() => decoder.push(Buffer.from('f'), () => true)).toThrow(
      'frame exceeds maxFrameLength: 6 bytes seen without a delimiter, limit 4',
    );
    expect(decoder.buffered).toBe(0);
  });

  it('fails a stream that ends inside a frame, or emits the rest when told to', () => {
    expect(runCodec(delimited('\n'), [Buffer.from('a\nrest')]).error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TRUNCATED' });
    expect(runCodec(delimited('\n', { partial: 'emit' }), [Buffer.from('a\nre'), Buffer.from('st')]).frames).toEqual([
      hex('a'),
      hex('rest'),
    ]);
  });

  it('stops right after a frame when emit returns false', () => {
    const decoder = delimited('\r\n').decoder();
    expect(decoder.push(Buffer.from('ab\r'), () => true)).toBe(3);
    expect(decoder.push(Buffer.from('\nc\r\nd'), () => false)).toBe(1);
    expect(decoder.buffered).toBe(0);
  });

  it('says how far into a frame the stream ended', () => {
    expect(runCodec(delimited('\n'), [Buffer.from('a\nrest')]).error).toMatchObject({
      message:
        "the stream ended 4 bytes into a frame, before its delimiter: the incomplete frame is not delivered (delimited({ partial: 'emit' }) delivers it)",
    });
    expect(runCodec(delimited('\n', { partial: 'fail' }), [Buffer.from('re')]).error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TRUNCATED' });
  });

  it.each([null, 5, 'strict'])('refuses options %j that are not an object, naming them', (options) => {
    expect(() => delimited('\n', options as never)).toThrow(
      expect.objectContaining({ option: 'options', message: expect.stringMatching(/^option "options" must be an object \(got /) }),
    );
  });

  it('says what a delimiter must be', () => {
    expect(() => delimited(new Uint8Array(0))).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^option "delimiter" must be a non-empty string or Uint8Array \(got /) }),
    );
  });

  it.each<[string, unknown, object]>([
    ['delimiter', '', {}],
    ['delimiter', 7, {}],
    ['maxFrameLength', '\n', { maxFrameLength: 1.5 }],
    ['includeDelimiter', '\n', { includeDelimiter: 'yes' }],
    ['partial', '\n', { partial: 'drop' }],
  ])('refuses a bad %s with an InvalidOptionError naming it', (option, delimiter, options) => {
    const build = () => delimited(delimiter as string, options);
    expect(build).toThrow(InvalidOptionError);
    expect(build).toThrow(expect.objectContaining({ option }));
  });
});
