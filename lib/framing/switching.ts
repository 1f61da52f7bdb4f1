import { InvalidOptionError } from '../errors';
import type { FrameCodec, FrameCodecDecoder, FrameEmit } from './frame-codec';
import { FrameError } from './frame-errors';

/**
 * Changes framing mid-stream: frames are cut with `first` until `next(frame)` returns a codec;
 * the bytes right after that frame — the rest of its chunk included — are cut with the new one,
 * and so on (`next` is asked after every frame, whichever codec cut it). For protocols that speak
 * lines first and frames afterwards: a text handshake, then a binary phase.
 *
 * Consistent however the bytes are chunked: a switch happens exactly at the end of the frame
 * that asked for it, never a byte early or late. For that, each decoder must stop when its
 * `emit` returns `false` (the built-in ones do, see {@link FrameCodecDecoder}); one that does not,
 * or that still holds bytes after the frame, fails the stream with `ERR_RXTLS_FRAME_MISUSE`
 * instead of switching at the wrong byte.
 *
 * `next` is a function of the frame alone, called for each subscription's frames: keep it pure.
 *
 * Informally: `"BINARY\r\n" <00 02 'h' 'i'>` → `frame('BINARY') frame('hi')` with
 * `switching(delimited('\r\n'), (f) => (f.toString() === 'BINARY' ? lengthField({ lengthSize: 2 }) : undefined))`.
 *
 * @param first - The framing the stream begins with.
 * @param next - Given each frame, the framing of what follows it, or `undefined` to keep the current one.
 * @returns A codec for {@link frames}.
 * @example
 * ```ts
 * import { connect, delimited, frames, lengthField, switching } from 'rxtls';
 * const binaryAfterHello = switching(delimited('\r\n'), (frame) =>
 *   frame.toString() === 'HELLO BINARY' ? lengthField({ lengthSize: 4 }) : undefined,
 * );
 * connect({ host: 'service.example.com', port: 7000 })
 *   .pipe(frames(binaryAfterHello))
 *   .subscribe((e) => e.type === 'frame' && console.log(e.bytes));
 * ```
 */
export function switching(first: FrameCodec, next: (frame: Buffer) => FrameCodec | undefined): FrameCodec {
  if (typeof first?.decoder !== 'function') throw new InvalidOptionError('first', first, 'must be a FrameCodec (an object with decoder())');
  if (typeof next !== 'function') throw new InvalidOptionError('next', next, 'must be a function (frame) => FrameCodec | undefined');
  return { decoder: () => new SwitchingDecoder(first.decoder(), next) };
}

/** The decoder of {@link switching}: one per connection. */
class SwitchingDecoder implements FrameCodecDecoder {
  /** The codec asked for by the last frame, until its decoder takes over. */
  private pending: FrameCodec | undefined;
  /** The consumer asked the current decoder to stop: set by every frame, read only after one. */
  // Stryker disable next-line BooleanLiteral: every frame sets it before push() reads it
  private stopped = false;
  // Stryker disable next-line ArrowFunction,BooleanLiteral: push() and end() set it before a decoder can call it
  private outer: FrameEmit = () => true;
  /** One emit for the decoders, made once: it passes each frame on, then asks `next`. */
  private readonly inner: FrameEmit = (frame) => {
    if (this.pending !== undefined)
      throw new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        "a decoder went on cutting frames after its emit returned false: switching() cannot switch framing at the right byte; make the decoder's push() return when emit returns false",
      );
    const goOn = this.outer(frame);
    const codec = this.next(frame);
    if (codec !== undefined) {
      if (typeof codec.decoder !== 'function')
        throw new InvalidOptionError('next', codec, 'returned something that is not a FrameCodec (an object with decoder())');
      this.pending = codec;
    }
    this.stopped = !goOn;
    return goOn && codec === undefined;
  };

  constructor(
    private current: FrameCodecDecoder,
    private readonly next: (frame: Buffer) => FrameCodec | undefined,
  ) {}

  get buffered(): number {
    return this.current.buffered;
  }

  push(chunk: Buffer, emit: FrameEmit): number {
    this.outer = emit;
    let pos = 0;
    for (;;) {
      // Stryker disable next-line ConditionalExpression: subarray(0) holds the same bytes; the test saves a view
      const rest = pos === 0 ? chunk : chunk.subarray(pos);
      const took = this.current.push(rest, this.inner);
      if (took > rest.length)
        throw new FrameError('ERR_RXTLS_FRAME_MISUSE', `a decoder's push() said it took ${took} bytes of the ${rest.length} it was given`);
      pos += took;
      if (this.pending !== undefined) {
        if (this.current.buffered !== 0)
          throw new FrameError(
            'ERR_RXTLS_FRAME_MISUSE',
            `a decoder still held ${this.current.buffered} bytes when its frame asked for a new framing: switching() cannot tell where the new framing starts`,
          );
        this.current = this.pending.decoder();
        this.pending = undefined;
      } else return pos;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: at the end, the next decoder takes 0 bytes of an empty rest and the loop returns the same
      if (this.stopped || pos >= chunk.length) return pos;
    }
  }

  end(emit: FrameEmit): void {
    this.outer = emit;
    this.current.end(this.inner);
  }
}
