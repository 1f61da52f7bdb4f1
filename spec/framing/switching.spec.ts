import { delimited, FrameError, fixedLength, InvalidOptionError, lengthField, switching, type FrameCodec, type FrameEmit } from '../../lib';
import { respLike } from './resp-like-codec';
import { hex, runCodec } from './run-codec';

const afterHello = switching(delimited('\r\n'), (frame) => (frame.toString() === 'HELLO' ? fixedLength(2) : undefined));

describe('switching()', () => {
  it('hands the rest of the chunk after the announcing frame to the next codec', () => {
    expect(runCodec(afterHello, [Buffer.from('hi\r\nHELLO\r\nabcd')]).frames).toEqual([hex('hi'), hex('HELLO'), hex('ab'), hex('cd')]);
  });

  it('switches again when a frame of the later codec asks for it', () => {
    const back = switching(delimited('\n'), (frame) =>
      frame.toString() === 'BIN' ? lengthField({ lengthSize: 1 }) : frame.toString() === 'TXT' ? delimited('\n') : undefined,
    );
    const stream = Buffer.concat([Buffer.from('BIN\n'), Buffer.from([2, 0x68, 0x69, 3]), Buffer.from('TXTline\n')]);
    expect(runCodec(back, [stream]).frames).toEqual([hex('BIN'), hex('hi'), hex('TXT'), hex('line')]);
  });

  it('stops when its consumer says so, even on a frame that switches', () => {
    const decoder = afterHello.decoder();
    expect(decoder.push(Buffer.from('HELLO\r\nabcd'), () => false)).toBe(7);
    const frames: string[] = [];
    expect(decoder.push(Buffer.from('abcd'), (f) => frames.push(f.toString()) > 0)).toBe(4);
    expect(frames).toEqual(['ab', 'cd']);
  });

  it('fails with ERR_RXTLS_FRAME_MISUSE instead of switching at the wrong byte when a decoder cannot stop', () => {
    const resp = switching(respLike(64), (frame) => (frame.toString() === '+BINARY' ? fixedLength(2) : undefined));
    // at the end of a chunk the switch is exact; mid-chunk the decoder cannot stop, and that is reported
    expect(runCodec(resp, [Buffer.from('+BINARY\r\n'), Buffer.from('ab')]).frames).toEqual([hex('+BINARY'), hex('ab')]);
    const run = runCodec(resp, [Buffer.from('+BINARY\r\nab')]);
    expect(run.error).toBeInstanceOf(FrameError);
    expect(run.error).toMatchObject({ code: 'ERR_RXTLS_FRAME_MISUSE' });
  });

  it('passes the end of the stream to the current codec', () => {
    expect(runCodec(afterHello, [Buffer.from('HELLO\r\na')]).error).toMatchObject({ code: 'ERR_RXTLS_FRAME_TRUNCATED' });
  });

  it('holds what its current decoder holds', () => {
    const decoder = afterHello.decoder();
    decoder.push(Buffer.from('HEL'), () => true);
    expect(decoder.buffered).toBe(3);
  });

  /** A decoder that cuts every byte into a frame, minding emit's false or not; when it stops, it says it took `overrun` bytes more. */
  const everyByte = (mindsStop: boolean, overrun = 0): FrameCodec => ({
    decoder: () => ({
      buffered: 0,
      push(chunk: Buffer, emit: FrameEmit) {
        for (let i = 0; i < chunk.length; i++) if (!emit(chunk.subarray(i, i + 1)) && mindsStop) return i + 1 + overrun;
        return chunk.length;
      },
      end() {},
    }),
  });
  const onX = (codec: FrameCodec) => switching(codec, (frame) => (frame.toString() === 'X' ? delimited('\n') : undefined));

  it('switches a decoder that minds emit at the very byte', () => {
    expect(runCodec(onX(everyByte(true)), [Buffer.from('aXb\n')]).frames).toEqual([hex('a'), hex('X'), hex('b')]);
  });

  it('fails with ERR_RXTLS_FRAME_MISUSE when a decoder cuts a frame after the one that switched', () => {
    const run = runCodec(onX(everyByte(false)), [Buffer.from('aXb\n')]);
    expect(run.frames).toEqual([hex('a'), hex('X')]);
    expect(run.error).toMatchObject({
      code: 'ERR_RXTLS_FRAME_MISUSE',
      message:
        "a decoder went on cutting frames after its emit returned false: switching() cannot switch framing at the right byte; make the decoder's push() return when emit returns false",
    });
  });

  it('fails with ERR_RXTLS_FRAME_MISUSE when a decoder says it took more than it was given', () => {
    const run = runCodec(onX(everyByte(true, 1)), [Buffer.from('X')]);
    expect(run.error).toMatchObject({
      code: 'ERR_RXTLS_FRAME_MISUSE',
      message: "a decoder's push() said it took 2 bytes of the 1 it was given",
    });
  });

  it('says how many bytes the decoder held when it could not switch', () => {
    const resp = switching(respLike(64), (frame) => (frame.toString() === '+BINARY' ? fixedLength(2) : undefined));
    expect(runCodec(resp, [Buffer.from('+BINARY\r\nab')]).error).toMatchObject({
      message: 'a decoder still held 2 bytes when its frame asked for a new framing: switching() cannot tell where the new framing starts',
    });
  });

  it('refuses what is not a codec, saying what it wanted', () => {
    expect(() => switching({} as never, () => undefined)).toThrow(InvalidOptionError);
    expect(() => switching(null as never, () => undefined)).toThrow(
      expect.objectContaining({
        option: 'first',
        message: expect.stringMatching(/^option "first" must be a FrameCodec \(an object with decoder\(\)\)/),
      }),
    );
    expect(() => switching(fixedLength(1), 'x' as never)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^option "next" must be a function \(frame\) => FrameCodec \| undefined/) }),
    );
    expect(
      runCodec(
        switching(fixedLength(1), () => ({}) as never),
        [Buffer.from('a')],
      ).error,
    ).toMatchObject({
      message: expect.stringMatching(/^option "next" returned something that is not a FrameCodec \(an object with decoder\(\)\)/),
    });
  });
});
