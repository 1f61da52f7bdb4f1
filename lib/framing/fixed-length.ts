import { InvalidOptionError } from '../errors';
import { checkOptionsObject, resolveMaxFrameLength, type FrameCodec, type FrameCodecDecoder, type FrameEmit } from './frame-codec';
import { FrameError } from './frame-errors';

/**
 * Options of {@link fixedLength}.
 *
 * @example
 * ```ts
 * import { fixedLength, type FixedLengthOptions } from 'rxtls';
 * const options: FixedLengthOptions = { maxFrameLength: 4096 };
 * fixedLength(512, options);
 * ```
 */
export interface FixedLengthOptions {
  /** The bound `frameLength` must respect, in bytes. Default {@link DEFAULT_MAX_FRAME_LENGTH} (1 MiB). */
  readonly maxFrameLength?: number;
}

/**
 * Fixed-length framing, as Netty's `FixedLengthFrameDecoder`: every frame is exactly
 * `frameLength` bytes, however the bytes were chunked. A decoder holds less than one frame; the
 * stream ending inside one fails with `ERR_RXTLS_FRAME_TRUNCATED`. A `frameLength` above
 * `maxFrameLength` is refused when the codec is built.
 *
 * Informally: `<a b c d e f>` → `frame(abc) frame(def)` with `fixedLength(3)`.
 *
 * @param frameLength - Bytes of each frame, at least 1.
 * @param options - `maxFrameLength`.
 * @returns A codec for {@link frames}.
 * @throws InvalidOptionError naming `frameLength` or `maxFrameLength`.
 * @example
 * ```ts
 * import { connect, fixedLength, frames } from 'rxtls';
 * connect({ host: 'sensor.example.com', port: 7000 })
 *   .pipe(frames(fixedLength(16)))
 *   .subscribe((e) => e.type === 'frame' && console.log(e.bytes.readFloatBE(0)));
 * ```
 */
export function fixedLength(frameLength: number, options: FixedLengthOptions = {}): FrameCodec {
  checkOptionsObject(options);
  const maxFrameLength = resolveMaxFrameLength(options);
  if (!Number.isSafeInteger(frameLength) || frameLength < 1)
    throw new InvalidOptionError('frameLength', frameLength, 'must be a positive integer (bytes)');
  if (frameLength > maxFrameLength)
    throw new InvalidOptionError('frameLength', frameLength, `must be at most maxFrameLength (${maxFrameLength})`);
  return { maxFrameLength, decoder: () => new FixedLengthDecoder(frameLength) };
}

/** The decoder of {@link fixedLength}: one per connection. */
class FixedLengthDecoder implements FrameCodecDecoder {
  private parts: Buffer[] = [];
  private held = 0;

  constructor(private readonly frameLength: number) {}

  get buffered(): number {
    return this.held;
  }

  push(chunk: Buffer, emit: FrameEmit): number {
    const size = this.frameLength;
    const n = chunk.length;
    let pos = 0;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with nothing held, this path cuts the same frame, as a copy
    if (this.held > 0) {
      const take = Math.min(size - this.held, n);
      this.parts.push(chunk.subarray(0, take));
      this.held += take;
      pos = take;
      if (this.held < size) {
        // Copy what is held: a view would pin the chunk.
        this.parts[this.parts.length - 1] = Buffer.from(chunk.subarray(0, take));
        return n;
      }
      const frame = Buffer.concat(this.parts, size);
      this.parts = [];
      this.held = 0;
      if (!emit(frame)) return pos;
    }
    // Whole frames of this chunk, as views of it.
    for (; n - pos >= size; pos += size) if (!emit(chunk.subarray(pos, pos + size))) return pos + size;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty rest adds an empty part and no bytes
    if (pos < n) {
      this.parts.push(Buffer.from(chunk.subarray(pos)));
      this.held = n - pos;
    }
    return n;
  }

  end(): void {
    if (this.held === 0) return;
    const held = this.held;
    // Stryker disable next-line ArrayDeclaration: frees the copies; nothing reads them after end()
    this.parts = [];
    this.held = 0;
    throw new FrameError(
      'ERR_RXTLS_FRAME_TRUNCATED',
      `the stream ended ${this.frameLength - held} bytes short of a ${this.frameLength}-byte frame: the incomplete frame is not delivered`,
    );
  }
}
