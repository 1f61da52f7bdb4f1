import {
  FrameError,
  FrameTooLongError,
  InvalidOptionError,
  lengthField,
  lengthPrefixed,
  type LengthFieldOptions,
  type LengthSize,
} from '../../lib';
import { cutAt, hex, runCodec } from './run-codec';

const bytes = (...values: number[]) => Buffer.from(values);

describe('lengthField()', () => {
  it('cuts 4-byte big-endian length-prefixed frames, stripping the header by default', () => {
    const stream = Buffer.concat([lengthPrefixed(Buffer.from('hello')), lengthPrefixed(Buffer.from('')), lengthPrefixed(Buffer.from('x'))]);
    expect(runCodec(lengthField(), [stream])).toEqual({ frames: [hex('hello'), '', hex('x')], maxBuffered: 0 });
  });

  it.each<[LengthSize, 'big' | 'little', number[]]>([
    [1, 'big', [3]],
    [2, 'big', [0, 3]],
    [2, 'little', [3, 0]],
    [3, 'big', [0, 0, 3]],
    [3, 'little', [3, 0, 0]],
    [4, 'big', [0, 0, 0, 3]],
    [4, 'little', [3, 0, 0, 0]],
    [8, 'big', [0, 0, 0, 0, 0, 0, 0, 3]],
    [8, 'little', [3, 0, 0, 0, 0, 0, 0, 0]],
    ['varint', 'big', [3]],
  ])('reads a %s-byte %s-endian length field', (lengthSize, byteOrder, header) => {
    const stream = Buffer.concat([bytes(...header), Buffer.from('abc')]);
    expect(runCodec(lengthField({ lengthSize, byteOrder }), [stream]).frames).toEqual([hex('abc')]);
    expect(runCodec(lengthField({ lengthSize, byteOrder, header: 'keep' }), [stream]).frames).toEqual([stream.toString('hex')]);
  });

  it('reads multi-byte varints, as MQTT encodes 321 (0xC1 0x02)', () => {
    const body = Buffer.alloc(321, 7);
    const stream = Buffer.concat([bytes(0x30, 0xc1, 0x02), body]);
    const mqtt = lengthField({ lengthOffset: 1, lengthSize: 'varint', header: 'keep', maxVarintBytes: 4 });
    expect(runCodec(mqtt, [stream]).frames).toEqual([stream.toString('hex')]);
  });

  it('skips lengthOffset bytes before the field and counts them in the header', () => {
    // PostgreSQL: type byte 'R', then a length that counts itself (8 = 4 + 4 body bytes).
    const message = bytes(0x52, 0, 0, 0, 8, 0, 0, 0, 0);
    const postgres = { lengthOffset: 1, lengthSize: 4, lengthAdjustment: -4 } as const;
    expect(runCodec(lengthField({ ...postgres, header: 'keep' }), [message]).frames).toEqual([message.toString('hex')]);
    expect(runCodec(lengthField(postgres), [message]).frames).toEqual(['00000000']);
  });

  it('applies a positive lengthAdjustment (a length that does not count a trailer)', () => {
    expect(runCodec(lengthField({ lengthSize: 1, lengthAdjustment: 2 }), [bytes(1, 9, 0xfe, 0xff)]).frames).toEqual(['09feff']);
  });

  it('delivers zero-length frames, also when their header ends a chunk', () => {
    const codec = lengthField({ lengthSize: 2 });
    expect(runCodec(codec, [bytes(0, 0, 0, 0), bytes(0, 0)]).frames).toEqual(['', '', '']);
    expect(runCodec(codec, [bytes(0), bytes(0), bytes(0, 1), bytes(0x41)]).frames).toEqual(['', '41']);
  });

  it.each<[LengthSize, number]>([
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [8, 8],
    ['varint', 3],
  ])('gives the same frames when a %s-byte header is split at every byte', (lengthSize, headerLength) => {
    const codec = lengthField({ lengthSize, lengthOffset: 2, header: 'keep' });
    const body = Buffer.from('xyz');
    // a 3-byte varint (not minimal, but valid) or a big-endian field, saying 3
    const header = lengthSize === 'varint' ? bytes(9, 9, 0x83, 0x80, 0x00) : Buffer.concat([bytes(9, 9), Buffer.alloc(lengthSize)]);
    if (lengthSize !== 'varint') header[2 + lengthSize - 1] = 3;
    const stream = Buffer.concat([header, body, header, body]);
    const expected = [Buffer.concat([header, body]).toString('hex'), Buffer.concat([header, body]).toString('hex')];
    for (let cut = 0; cut <= 2 + headerLength + body.length; cut++)
      for (let second = cut; second <= stream.length; second++)
        expect(runCodec(codec, cutAt(stream, [cut, second])).frames).toEqual(expected);
  });

  describe('the bound', () => {
    it('accepts a frame of exactly maxFrameLength and fails one byte above, from the header alone', () => {
      const codec = lengthField({ lengthSize: 2, maxFrameLength: 5 });
      expect(runCodec(codec, [lengthPrefixed(Buffer.alloc(5), { lengthSize: 2 })]).frames).toEqual(['0000000000']);
      // only the header of the 6-byte frame arrives: it fails at once, holding nothing
      const run = runCodec(codec, [bytes(0, 6)], { end: false });
      expect(run.error).toBeInstanceOf(FrameTooLongError);
      expect(run.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TOO_LONG', limit: 5, length: 6, how: 'declared' });
      expect((run.error as Error).message).toBe('frame exceeds maxFrameLength: its header declares 6 bytes, limit 5');
    });

    it('counts lengthAdjustment in the bound', () => {
      const codec = lengthField({ lengthSize: 1, lengthAdjustment: -1, maxFrameLength: 3 });
      expect(runCodec(codec, [bytes(4, 1, 2, 3)]).frames).toEqual(['010203']);
      expect(runCodec(codec, [bytes(5)]).error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TOO_LONG', length: 4 });
    });

    it('fails a varint as soon as the bytes read so far pass the bound, before the varint ends', () => {
      const codec = lengthField({ lengthSize: 'varint', maxFrameLength: 200 });
      // 0xff: 127 so far, more to come — not yet over; 0xff again: at least 127 + 127*128, over.
      const first = codec.decoder();
      expect(first.push(bytes(0xff), () => true)).toBe(1);
      expect(first.buffered).toBe(1);
      expect(() => first.push(bytes(0xff), () => true)).toThrow(
        'frame exceeds maxFrameLength: its header declares at least 16383 bytes, limit 200',
      );
      expect(first.buffered).toBe(0);
    });

    it('reads 8-byte lengths beyond Number.MAX_SAFE_INTEGER exactly, and fails them', () => {
      const codec = lengthField({ lengthSize: 8 });
      const huge = Buffer.alloc(8);
      huge.writeBigUInt64BE(2n ** 64n - 1n);
      const run = runCodec(codec, [huge]);
      expect(run.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TOO_LONG', how: 'declared' });
      expect((run.error as Error).message).toContain('18446744073709551615 bytes');
      const justOver = Buffer.alloc(8);
      justOver.writeBigUInt64LE(2n ** 53n);
      expect((runCodec(lengthField({ lengthSize: 8, byteOrder: 'little' }), [justOver]).error as Error).message).toContain(
        '9007199254740992',
      );
      // a huge negative adjustment brings it back into range, exactly
      const adjusted = lengthField({ lengthSize: 8, lengthAdjustment: -(2 ** 53 - 1) });
      const header = Buffer.alloc(8);
      header.writeBigUInt64BE(2n ** 53n + 1n);
      expect(runCodec(adjusted, [header, bytes(1, 2)]).frames).toEqual(['0102']);
    });

    it('holds at most one header and maxFrameLength bytes', () => {
      const codec = lengthField({ lengthSize: 4, maxFrameLength: 10 });
      const stream = lengthPrefixed(Buffer.alloc(10, 1));
      const run = runCodec(codec, cutAt(stream, [1, 2, 3, 5, 8, 13]));
      expect(run.frames).toEqual(['01'.repeat(10)]);
      expect(run.maxBuffered).toBeLessThanOrEqual(14);
      expect(run.maxBuffered).toBeGreaterThan(0);
    });
  });

  describe('invalid lengths', () => {
    it('fails a length that the adjustment takes below zero', () => {
      const run = runCodec(lengthField({ lengthSize: 4, lengthAdjustment: -4 }), [bytes(0, 0, 0, 3)]);
      expect(run.error).toBeInstanceOf(FrameError);
      expect(run.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' });
      expect((run.error as Error).message).toBe(
        'a length field says 3, which with lengthAdjustment -4 is -1 bytes: no frame is shorter than 0',
      );
    });

    it('fails a varint longer than maxVarintBytes', () => {
      const run = runCodec(lengthField({ lengthSize: 'varint', maxVarintBytes: 4 }), [bytes(0x80, 0x80, 0x80, 0x80, 0x00)]);
      expect(run.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' });
      // the same bytes one at a time
      const split = runCodec(
        lengthField({ lengthSize: 'varint', maxVarintBytes: 4 }),
        cutAt(bytes(0x80, 0x80, 0x80, 0x80, 0x00), [1, 2, 3, 4]),
      );
      expect(split.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' });
    });
  });

  it('fails with ERR_RXTLS_FRAME_TRUNCATED when the stream ends inside a header or a body', () => {
    const codec = lengthField({ lengthSize: 2 });
    expect(runCodec(codec, [bytes(0)]).error).toMatchObject({
      code: 'ERR_RXTLS_FRAME_TRUNCATED',
      message: "the stream ended inside a frame's header (1 bytes of it read): the incomplete frame is not delivered",
    });
    expect(runCodec(codec, [bytes(0, 3, 1)]).error).toMatchObject({
      code: 'ERR_RXTLS_FRAME_TRUNCATED',
      message: 'the stream ended 2 bytes short of a frame whose header declared 3: the incomplete frame is not delivered',
    });
    expect(runCodec(codec, [bytes(0, 3, 1, 2, 3)])).toEqual({ frames: ['010203'], maxBuffered: 0 });
  });

  it('stops right after a frame when emit returns false, holding nothing', () => {
    const decoder = lengthField({ lengthSize: 1 }).decoder();
    const seen: string[] = [];
    const took = decoder.push(bytes(1, 0x41, 1, 0x42, 1, 0x43), (frame) => seen.push(frame.toString()) < 1);
    expect([took, seen, decoder.buffered]).toEqual([2, ['A'], 0]);
    // from a frame gathered across chunks too
    const split = lengthField({ lengthSize: 1 }).decoder();
    expect(split.push(bytes(2, 0x41), () => true)).toBe(2);
    expect(split.push(bytes(0x42, 1, 0x43), () => false)).toBe(1);
    expect(split.buffered).toBe(0);
  });

  it.each<[string, object, string]>([
    ['lengthSize', { lengthSize: 5 }, "must be 1, 2, 3, 4, 8 or 'varint'"],
    ['byteOrder', { byteOrder: 'middle' }, 'must be one of big, little'],
    ['lengthAdjustment', { lengthAdjustment: 1.5 }, 'must be a safe integer'],
    ['lengthOffset', { lengthOffset: -1 }, 'must be an integer from 0 to 1024'],
    ['header', { header: 'drop' }, 'must be one of strip, keep'],
    ['maxFrameLength', { maxFrameLength: -1 }, 'must be a non-negative safe integer'],
    ['maxVarintBytes', { maxVarintBytes: 11 }, 'must be an integer from 1 to 10'],
  ])('refuses a bad %s with an InvalidOptionError naming it', (option, options, rule) => {
    const build = () => lengthField(options);
    expect(build).toThrow(InvalidOptionError);
    expect(build).toThrow(expect.objectContaining({ option, code: 'ERR_RXTLS_INVALID_OPTION' }));
    expect(build).toThrow(rule);
  });
});

describe('lengthField(): state and bounds', () => {
  const u8 = (...values: number[]) => Buffer.from(values);

  it('counts the body it holds as buffered', () => {
    const decoder = lengthField({ lengthSize: 1 }).decoder();
    decoder.push(u8(5, 0x61, 0x62), () => true);
    expect(decoder.buffered).toBe(2);
  });

  it('delivers an empty frame whose split header ends a chunk, at once, and goes on in the same chunk', () => {
    expect(runCodec(lengthField({ lengthSize: 2 }), [u8(0), u8(0)])).toEqual({ frames: [''], maxBuffered: 1 });
    expect(runCodec(lengthField({ lengthSize: 2 }), [u8(0), u8(0, 0, 1, 0x78)]).frames).toEqual(['', '78']);
  });

  it.each<[string, LengthFieldOptions, Buffer[], object]>([
    [
      'a split header declaring too much',
      { lengthSize: 2, maxFrameLength: 10 },
      [u8(0), u8(11)],
      { code: 'ERR_RXTLS_FRAME_TOO_LONG', length: 11 },
    ],
    ['a negative adjusted length', { lengthSize: 2, lengthAdjustment: -5 }, [u8(0), u8(4)], { code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' }],
    [
      'a varint past maxVarintBytes',
      { lengthSize: 'varint', maxVarintBytes: 2 },
      [u8(0x81), u8(0x81, 0x01)],
      { code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' },
    ],
    [
      'a varint past the bound',
      { lengthSize: 'varint', maxFrameLength: 10, lengthAdjustment: 3 },
      [u8(0x7f)],
      { length: 130, message: expect.stringContaining('at least 130') },
    ],
    ['an 8-byte length of 2^32 + 5', { lengthSize: 8, maxFrameLength: 10 }, [u8(0, 0, 0, 1), u8(0, 0, 0, 5)], { length: 2 ** 32 + 5 }],
    ['an 8-byte length past 2^53', { lengthSize: 8, maxFrameLength: 10 }, [u8(0), u8(0x20, 0, 0, 0, 0, 0, 1)], { length: 2 ** 53 + 1 }],
  ])('fails on %s, holding nothing after', (_, options, chunks, error) => {
    const decoder = lengthField(options).decoder();
    let failure: unknown;
    try {
      for (const chunk of chunks) decoder.push(chunk, () => true);
    } catch (e) {
      failure = e;
    }
    expect(failure).toMatchObject(error);
    expect(decoder.buffered).toBe(0);
  });

  it('holds nothing once it failed a stream that ended inside a frame', () => {
    const decoder = lengthField({ lengthSize: 1 }).decoder();
    decoder.push(u8(5, 0x61), () => true);
    expect(() => decoder.end(() => true)).toThrow(expect.objectContaining({ code: 'ERR_RXTLS_FRAME_TRUNCATED' }));
    expect(decoder.buffered).toBe(0);
  });

  it('checks an 8-byte length like the others: an adjusted length below 0 is invalid', () => {
    const run = runCodec(lengthField({ lengthSize: 8, lengthAdjustment: -10 }), [u8(0, 0, 0, 0, 0, 0, 0, 4)]);
    expect(run.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' });
  });
});
