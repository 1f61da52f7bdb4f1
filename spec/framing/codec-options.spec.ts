import { encodeVarint, fixedLength, FrameTooLongError, InvalidOptionError, lengthField, lengthPrefixed } from '../../lib';
import { largestLength } from '../../lib/framing/length-field';
import { runCodec } from './run-codec';

/** The option checks of the binary codecs and the write side, with the exact words a user reads. */
const refusal = (build: () => unknown): InvalidOptionError => {
  try {
    build();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error('accepted');
};
const says = (build: () => unknown, option: string, problem: string) => {
  const error = refusal(build);
  expect(error.option).toBe(option);
  expect(error.message.startsWith(`option "${option}" ${problem} (got `)).toBe(true);
};

describe('fixedLength() options', () => {
  it('refuses options that are not an object, and says what a frame length must be', () => {
    says(() => fixedLength(4, null as never), 'options', 'must be an object');
    says(() => fixedLength(0), 'frameLength', 'must be a positive integer (bytes)');
    says(() => fixedLength(10, { maxFrameLength: 5 }), 'frameLength', 'must be at most maxFrameLength (5)');
    expect(fixedLength(5, { maxFrameLength: 5 }).maxFrameLength).toBe(5);
  });
});

describe('lengthField() options', () => {
  it('refuses options that are not an object', () => {
    says(() => lengthField(7 as never), 'options', 'must be an object');
  });

  it('takes a lengthOffset from 0 to 1024', () => {
    expect(() => lengthField({ lengthOffset: 1024 })).not.toThrow();
    says(() => lengthField({ lengthOffset: 1025 }), 'lengthOffset', 'must be an integer from 0 to 1024 (bytes before the length field)');
    says(() => lengthField({ lengthOffset: -1 }), 'lengthOffset', 'must be an integer from 0 to 1024 (bytes before the length field)');
  });

  it.each([0, 11, 1.5])('refuses maxVarintBytes %d, and takes 1 and 10', (maxVarintBytes) => {
    says(() => lengthField({ lengthSize: 'varint', maxVarintBytes }), 'maxVarintBytes', 'must be an integer from 1 to 10');
    expect(() => lengthField({ lengthSize: 'varint', maxVarintBytes: 1 })).not.toThrow();
    expect(() => lengthField({ lengthSize: 'varint', maxVarintBytes: 10 })).not.toThrow();
  });

  it('says a varint longer than maxVarintBytes is not this framing', () => {
    const run = runCodec(lengthField({ lengthSize: 'varint', maxVarintBytes: 2 }), [Buffer.from([0x80, 0x80, 0x01])]);
    expect(run.error).toMatchObject({
      code: 'ERR_RXTLS_FRAME_LENGTH_INVALID',
      message: 'a varint length field is longer than maxVarintBytes (2): the peer is not speaking this framing',
    });
  });

  it('an 8-byte length field holds any safe length', () => {
    expect(largestLength(8)).toBe(Number.MAX_SAFE_INTEGER);
    expect(largestLength(3)).toBe(0xffffff);
  });
});

describe('the write side', () => {
  it('says what it refuses', () => {
    says(() => encodeVarint(-1), 'value', 'must be a non-negative safe integer');
    says(() => lengthPrefixed('text' as never), 'bytes', 'must be a Uint8Array (a Buffer)');
    says(
      () => lengthPrefixed(Buffer.alloc(1), { lengthAdjustment: 2 }),
      'bytes',
      'are too short for lengthAdjustment 2: the length field would be -1',
    );
    says(() => lengthPrefixed(Buffer.alloc(256), { lengthSize: 1 }), 'bytes', 'are too long for a 1-byte length field (at most 255)');
  });
});

describe('FrameTooLongError', () => {
  it('is named for logs', () => {
    expect(new FrameTooLongError(4, 5, 'seen').name).toBe('FrameTooLongError');
  });
});
