import {
  FrameDecoder,
  FrameError,
  FrameTooLongError,
  type FrameCodec,
  type FrameCodecDecoder,
  type FrameEmit,
  type FrameSink,
} from '../../lib';

/**
 * A codec written by a user against the documented interface, mixing lines and counted bytes as
 * RESP does: a line is a frame (`+OK`), and a line `$N` announces N bytes and a CRLF, whose N
 * bytes are the next frame. Built on FrameDecoder's line and byte modes. It cannot stop
 * mid-chunk (FrameDecoder gives no offset), so it always takes the whole chunk.
 */
export function respLike(maxFrameLength: number): FrameCodec {
  return { maxFrameLength, decoder: () => new RespLikeDecoder(maxFrameLength) };
}

class RespLikeDecoder implements FrameCodecDecoder {
  private readonly decoder: FrameDecoder;
  private emit: FrameEmit = () => true;
  private readonly sink: FrameSink;

  constructor(maxFrameLength: number) {
    this.decoder = new FrameDecoder({ encoding: 'latin1', maxLength: maxFrameLength });
    this.sink = {
      line: (text) => {
        if (!text.startsWith('$')) return void this.emit(Buffer.from(text, 'latin1'));
        const size = Number(text.slice(1));
        if (!Number.isInteger(size) || size < 0) throw new FrameError('ERR_RXTLS_FRAME_LENGTH_INVALID', `bad bulk length ${text}`);
        if (size > maxFrameLength) throw new FrameTooLongError(maxFrameLength, size, 'declared');
        this.decoder.readBytes(size + 2);
      },
      bytes: (bytes) => {
        if (bytes[bytes.length - 2] !== 13 || bytes[bytes.length - 1] !== 10)
          throw new FrameError('ERR_RXTLS_FRAME_LENGTH_INVALID', 'bulk not followed by CRLF');
        this.emit(bytes.subarray(0, bytes.length - 2));
      },
    };
  }

  get buffered(): number {
    return this.decoder.buffered;
  }

  push(chunk: Buffer, emit: FrameEmit): number {
    this.emit = emit;
    this.decoder.push(chunk, this.sink);
    return chunk.length;
  }

  end(): void {
    const rest = this.decoder.end();
    if (rest !== undefined) throw new FrameError('ERR_RXTLS_FRAME_TRUNCATED', `the stream ended inside a line (${rest.length} bytes)`);
  }
}
