import fc from 'fast-check';
import { encodeVarint, InvalidOptionError, lengthField, lengthPrefixed, type LengthSize } from '../../lib';
import { runCodec } from './run-codec';

describe('encodeVarint()', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8001'],
    [321, 'c102'],
    [16_383, 'ff7f'],
    [268_435_455, 'ffffff7f'], // MQTT's largest remaining length
  ])('encodes %i as %s', (value, encoded) => expect(encodeVarint(value).toString('hex')).toBe(encoded));

  it('refuses what is not a non-negative safe integer', () => {
    expect(() => encodeVarint(-1)).toThrow(expect.objectContaining({ option: 'value' }));
    expect(() => encodeVarint(2 ** 53)).toThrow(InvalidOptionError);
  });
});

describe('lengthPrefixed()', () => {
  it('writes the length in the format lengthField reads back', () => {
    const sizes: LengthSize[] = [1, 2, 3, 4, 8, 'varint'];
    fc.assert(
      fc.property(
        fc.constantFrom(...sizes),
        fc.constantFrom<'big' | 'little'>('big', 'little'),
        fc.integer({ min: -8, max: 8 }),
        fc.uint8Array({ minLength: 8, maxLength: 200 }),
        (lengthSize, byteOrder, lengthAdjustment, body) => {
          const format = { lengthSize, byteOrder, lengthAdjustment };
          const run = runCodec(lengthField({ ...format, maxFrameLength: 300 }), [lengthPrefixed(body, format)]);
          expect(run.frames).toEqual([Buffer.from(body).toString('hex')]);
        },
      ),
    );
  });

  it('writes 4-byte big-endian lengths by default, and varints as MQTT does', () => {
    expect(lengthPrefixed(Buffer.from('hi')).toString('hex')).toBe('000000026869');
    expect(lengthPrefixed(Buffer.alloc(321), { lengthSize: 'varint' }).subarray(0, 2).toString('hex')).toBe('c102');
    expect(lengthPrefixed(Buffer.from('hi'), { lengthSize: 4, lengthAdjustment: -4 }).toString('hex')).toBe('000000066869');
  });

  it('refuses a body too long for its field or too short for the adjustment', () => {
    expect(() => lengthPrefixed(Buffer.alloc(256), { lengthSize: 1 })).toThrow('are too long for a 1-byte length field (at most 255)');
    expect(lengthPrefixed(Buffer.alloc(255), { lengthSize: 1 })[0]).toBe(255);
    expect(() => lengthPrefixed(Buffer.alloc(1), { lengthSize: 1, lengthAdjustment: 2 })).toThrow(
      expect.objectContaining({ option: 'bytes' }),
    );
    expect(() => lengthPrefixed('text' as never)).toThrow(expect.objectContaining({ option: 'bytes' }));
    expect(() => lengthPrefixed(Buffer.alloc(1), { lengthSize: 7 as never })).toThrow(expect.objectContaining({ option: 'lengthSize' }));
  });
});
