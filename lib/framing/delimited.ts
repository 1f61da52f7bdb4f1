import { InvalidOptionError } from '../errors';
import { booleanOption, oneOfOption } from '../util/option-checks';
import { checkOptionsObject, resolveMaxFrameLength, type FrameCodec, type FrameCodecDecoder, type FrameEmit } from './frame-codec';
import { FrameError, FrameTooLongError } from './frame-errors';

/**
 * Options of {@link delimited}.
 *
 * @example
 * ```ts
 * import { delimited, type DelimitedOptions } from 'rxtls';
 * const options: DelimitedOptions = { maxFrameLength: 4096, includeDelimiter: true, partial: 'emit' };
 * delimited('\0', options);
 * ```
 */
export interface DelimitedOptions {
  /** Longest frame, in bytes without its delimiter, before {@link FrameTooLongError}. Default {@link DEFAULT_MAX_FRAME_LENGTH} (1 MiB). */
  readonly maxFrameLength?: number;
  /** Deliver each frame with its delimiter at the end. Default `false`: stripped. */
  readonly includeDelimiter?: boolean;
  /**
   * Bytes after the last delimiter when the stream ends: `'fail'` with `ERR_RXTLS_FRAME_TRUNCATED`
   * (the default: for a binary protocol an unterminated frame is a truncated one), or `'emit'`
   * them as a last frame (as `lines()` does with a last line).
   */
  readonly partial?: 'fail' | 'emit';
}

/**
 * Delimiter framing over bytes, as Netty's `DelimiterBasedFrameDecoder` and Pekko's
 * `Framing.delimiter`: a frame ends at each occurrence of `delimiter`, any non-empty byte
 * sequence (a string is taken as UTF-8), found even when it is split across chunks. Frames are
 * bytes, not text: use `lines()` for text.
 *
 * A frame longer than `maxFrameLength` fails with {@link FrameTooLongError} as soon as that many
 * bytes (and a delimiter's worth more, which might have been its start) arrived without a
 * delimiter; a decoder holds at most `maxFrameLength` plus a delimiter's length of bytes. Frames
 * that lie whole in one chunk are views of it, without a copy.
 *
 * Informally: `<a 0 b c 0>` → `frame(a) frame(bc)` with `delimited('\0')`.
 *
 * @param delimiter - The bytes that end a frame.
 * @param options - `maxFrameLength`, `includeDelimiter`, `partial`.
 * @returns A codec for {@link frames}.
 * @throws InvalidOptionError naming the option at fault.
 * @example
 * ```ts
 * import { connect, delimited, frames } from 'rxtls';
 * // STOMP ends each frame with a NUL byte.
 * connect({ host: 'stomp.example.com', port: 61614 })
 *   .pipe(frames(delimited(new Uint8Array([0]))))
 *   .subscribe((e) => e.type === 'frame' && console.log(e.bytes.toString()));
 * ```
 */
export function delimited(delimiter: string | Uint8Array, options: DelimitedOptions = {}): FrameCodec {
  checkOptionsObject(options);
  if (!(typeof delimiter === 'string' || delimiter instanceof Uint8Array) || delimiter.length === 0)
    throw new InvalidOptionError('delimiter', delimiter, 'must be a non-empty string or Uint8Array');
  // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: Buffer.from() reads a string as UTF-8 and ignores an encoding given with bytes
  const bytes = typeof delimiter === 'string' ? Buffer.from(delimiter, 'utf8') : Buffer.from(delimiter);
  const maxFrameLength = resolveMaxFrameLength(options);
  const includeDelimiter = booleanOption(options, 'includeDelimiter', false);
  // Stryker disable next-line StringLiteral: only 'emit' is looked at; any other default fails the same
  const emitPartial = oneOfOption(options, 'partial', ['fail', 'emit'], 'fail') === 'emit';
  return { maxFrameLength, decoder: () => new DelimitedDecoder(bytes, maxFrameLength, includeDelimiter, emitPartial) };
}

/** The decoder of {@link delimited}: one per connection. */
class DelimitedDecoder implements FrameCodecDecoder {
  /** Copies of the frame so far. */
  private parts: Buffer[] = [];
  private held = 0;
  /** The delimiter as a byte value when it is one byte (the faster `indexOf`), else -1. */
  private readonly single: number;

  constructor(
    private readonly delimiter: Buffer,
    private readonly maxFrameLength: number,
    private readonly includeDelimiter: boolean,
    private readonly emitPartial: boolean,
  ) {
    // Stryker disable next-line ConditionalExpression: -1 takes the multi-byte search, which finds the same byte more slowly
    this.single = delimiter.length === 1 ? (delimiter[0] as number) : -1;
  }

  get buffered(): number {
    return this.held;
  }

  push(chunk: Buffer, emit: FrameEmit): number {
    const dl = this.delimiter.length;
    let pos = 0;
    if (this.held > 0) {
      const end = this.delimiterEnd(chunk);
      if (end === -1) return this.hold(chunk, 0);
      // The frame: the held bytes and the chunk up to the delimiter, which may have begun in the held bytes.
      const length = this.held + end - dl;
      this.check(length);
      const parts = this.parts;
      parts.push(chunk.subarray(0, end));
      const joined = Buffer.concat(parts);
      this.parts = [];
      this.held = 0;
      pos = end;
      if (!emit(this.includeDelimiter ? joined : joined.subarray(0, length))) return pos;
    }
    for (;;) {
      // Stryker disable next-line ConditionalExpression: the multi-byte search finds a one-byte delimiter too, more slowly
      const at = this.single === -1 ? chunk.indexOf(this.delimiter, pos) : chunk.indexOf(this.single, pos);
      if (at === -1) break;
      this.check(at - pos);
      const frame = chunk.subarray(pos, this.includeDelimiter ? at + dl : at);
      pos = at + dl;
      if (!emit(frame)) return pos;
    }
    return this.hold(chunk, pos);
  }

  end(emit: FrameEmit): void {
    if (this.held === 0) return;
    const held = this.held;
    const frame = Buffer.concat(this.parts, held);
    // Stryker disable next-line ArrayDeclaration: frees the copies; nothing reads them after end()
    this.parts = [];
    this.held = 0;
    if (this.emitPartial) {
      emit(frame);
      return;
    }
    throw new FrameError(
      'ERR_RXTLS_FRAME_TRUNCATED',
      `the stream ended ${held} bytes into a frame, before its delimiter: the incomplete frame is not delivered (delimited({ partial: 'emit' }) delivers it)`,
    );
  }

  /**
   * Where, in `chunk`, the first delimiter that ends in it ends (exclusive), when frame bytes are
   * held — it may have begun among them; -1 when there is none.
   */
  private delimiterEnd(chunk: Buffer): number {
    const dl = this.delimiter.length;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: for one byte the bridge is empty and finds nothing
    if (dl > 1) {
      // A delimiter straddling the boundary: the held tail and the chunk's head, dl - 1 bytes each at most.
      // Stryker disable next-line MethodExpression,ArithmeticOperator: more of the held bytes holds no delimiter, so finds the same
      const tail = this.tail(Math.min(dl - 1, this.held));
      // Stryker disable next-line ArithmeticOperator: more of the chunk finds the same first delimiter, a straddling one starting first
      const bridge = Buffer.concat([tail, chunk.subarray(0, dl - 1)]);
      const at = bridge.indexOf(this.delimiter);
      if (at !== -1) return at + dl - tail.length;
    }
    // Stryker disable next-line ConditionalExpression: the multi-byte search finds a one-byte delimiter too, more slowly
    const at = this.single === -1 ? chunk.indexOf(this.delimiter) : chunk.indexOf(this.single);
    return at === -1 ? -1 : at + dl;
  }

  /** The last `count` held bytes. */
  private tail(count: number): Buffer {
    const last = this.parts[this.parts.length - 1] as Buffer;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: joining all parts gives the same tail, at a copy's cost
    if (last.length >= count) return last.subarray(last.length - count);
    return Buffer.concat(this.parts, this.held).subarray(this.held - count);
  }

  /** Holds `chunk[pos, end)`, failing once the frame is certainly past the bound. */
  private hold(chunk: Buffer, pos: number): number {
    const rest = chunk.length - pos;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty rest adds an empty part and no bytes
    if (rest > 0) {
      // Up to dl - 1 held bytes might still turn out to be the start of a delimiter.
      const seen = this.held + rest;
      if (seen > this.maxFrameLength + this.delimiter.length - 1) this.check(seen);
      // Copy: holding a view would pin the whole chunk in memory.
      this.parts.push(Buffer.from(chunk.subarray(pos)));
      this.held = seen;
    }
    return chunk.length;
  }

  private check(length: number): void {
    if (length <= this.maxFrameLength) return;
    // Stryker disable next-line ArrayDeclaration: frees the copies; nothing reads them after the failure
    this.parts = [];
    this.held = 0;
    throw new FrameTooLongError(this.maxFrameLength, length, 'seen');
  }
}
