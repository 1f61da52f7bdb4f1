import type { FrameDecoder, FrameSink } from '../../lib';

/** A sink that reads `{N}` literals as N raw bytes, like an IMAP client, collecting lines and literals into `out`. */
export function literalSink(decoder: FrameDecoder, out: Array<string | Buffer>): FrameSink {
  return {
    line: (text) => {
      out.push(text);
      const size = /\{(\d+)\}$/.exec(text)?.[1];
      if (size !== undefined) decoder.readBytes(Number(size));
    },
    bytes: (bytes) => out.push(Buffer.from(bytes)),
  };
}
