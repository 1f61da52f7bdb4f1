import { fixedLength, InvalidOptionError } from '../../lib';
import { cutAt, runCodec } from './run-codec';

describe('fixedLength()', () => {
  it('cuts frames of exactly frameLength bytes however the bytes are chunked', () => {
    const stream = Buffer.from([...Array(12).keys()]);
    const expected = ['000102', '030405', '060708', '090a0b'];
    for (let a = 0; a <= 12; a++)
      for (let b = a; b <= 12; b++) expect(runCodec(fixedLength(3), cutAt(stream, [a, b])).frames).toEqual(expected);
  });

  it('holds less than one frame, and fails a stream that ends inside one', () => {
    const run = runCodec(fixedLength(4), cutAt(Buffer.alloc(6), [1, 3, 5]));
    expect(run.frames).toEqual(['00000000']);
    expect(run.maxBuffered).toBeLessThan(4);
    expect(run.error).toMatchObject({
      code: 'ERR_RXTLS_FRAME_TRUNCATED',
      message: 'the stream ended 2 bytes short of a 4-byte frame: the incomplete frame is not delivered',
    });
  });

  it('stops right after a frame when emit returns false', () => {
    const decoder = fixedLength(2).decoder();
    expect(decoder.push(Buffer.from([1]), () => true)).toBe(1);
    expect(decoder.push(Buffer.from([2, 3, 4, 5]), () => false)).toBe(1);
    expect(decoder.buffered).toBe(0);
  });

  it('refuses a frameLength that is not a positive integer or passes maxFrameLength', () => {
    expect(() => fixedLength(0)).toThrow(expect.objectContaining({ option: 'frameLength' }));
    expect(() => fixedLength(10, { maxFrameLength: 9 })).toThrow('must be at most maxFrameLength (9)');
    expect(() => fixedLength(10, { maxFrameLength: -1 })).toThrow(InvalidOptionError);
    expect(fixedLength(9, { maxFrameLength: 9 }).maxFrameLength).toBe(9);
  });
});

describe('fixedLength(): stopping and ending', () => {
  it('returns right after the frame when emit says stop', () => {
    expect(
      fixedLength(2)
        .decoder()
        .push(Buffer.from('abcd'), () => false),
    ).toBe(2);
  });

  it('ends cleanly with nothing held', () => {
    expect(runCodec(fixedLength(2), [Buffer.from('abcd')])).toEqual({ frames: ['6162', '6364'], maxBuffered: 0 });
  });
});
