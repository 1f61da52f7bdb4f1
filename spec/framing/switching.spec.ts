import { delimited, FrameError, fixedLength, InvalidOptionError, lengthField, switching } from '../../lib';
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

  it('refuses what is not a codec', () => {
    expect(() => switching({} as never, () => undefined)).toThrow(expect.objectContaining({ option: 'first' }));
    expect(() => switching(fixedLength(1), 'x' as never)).toThrow(InvalidOptionError);
    expect(
      runCodec(
        switching(fixedLength(1), () => ({}) as never),
        [Buffer.from('a')],
      ).error,
    ).toMatchObject({ option: 'next' });
  });
});
