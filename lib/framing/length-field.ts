import { InvalidOptionError } from '../errors';
import { oneOfOption } from '../util/option-checks';
import { checkOptionsObject, resolveMaxFrameLength, type FrameCodec, type FrameCodecDecoder, type FrameEmit } from './frame-codec';
import { FrameError, FrameTooLongError } from './frame-errors';

/**
 * How many bytes a length field has: 1, 2, 3, 4 or 8, or `'varint'` — 7 bits a byte, least
 * significant group first, the high bit set on every byte but the last (MQTT's "remaining
 * length", protobuf's length-delimited streams).
 *
 * @example
 * ```ts
 * import { lengthField, type LengthSize } from 'rxtls';
 * const mqtt: LengthSize = 'varint';
 * lengthField({ lengthOffset: 1, lengthSize: mqtt, header: 'keep' });
 * ```
 */
export type LengthSize = 1 | 2 | 3 | 4 | 8 | 'varint';

/**
 * How a length field is written: its size, byte order and adjustment. Shared by the
 * {@link lengthField} decoder and the {@link lengthPrefixed} encoder, so that both sides of a
 * protocol can use one description.
 *
 * @example
 * ```ts
 * import { lengthField, lengthPrefixed, type LengthFieldFormat } from 'rxtls';
 * const format: LengthFieldFormat = { lengthSize: 2, byteOrder: 'little' };
 * lengthField(format);
 * lengthPrefixed(Buffer.from('hi'), format); // <02 00 68 69>
 * ```
 */
export interface LengthFieldFormat {
  /** Bytes of the length field, or `'varint'`. Default 4. */
  readonly lengthSize?: LengthSize;
  /** Byte order of a fixed-size length field: `'big'` (network order, the default) or `'little'`. Ignored for `'varint'`. */
  readonly byteOrder?: 'big' | 'little';
  /**
   * Added to the field's value to get the number of bytes that follow the header: `-4` when a
   * 4-byte length counts itself (PostgreSQL), `0` (the default) when it counts only the body.
   */
  readonly lengthAdjustment?: number;
}

/**
 * Options of {@link lengthField}.
 *
 * @example
 * ```ts
 * import { lengthField, type LengthFieldOptions } from 'rxtls';
 * // PostgreSQL: a 1-byte message type, then a 4-byte length that counts itself but not the type.
 * const postgres: LengthFieldOptions = { lengthOffset: 1, lengthSize: 4, lengthAdjustment: -4, header: 'keep' };
 * lengthField(postgres);
 * ```
 */
export interface LengthFieldOptions extends LengthFieldFormat {
  /** Bytes before the length field (a type byte, say); they belong to the header. Default 0. */
  readonly lengthOffset?: number;
  /** `'strip'` the header (offset bytes and length field) from each frame (the default), or `'keep'` it. */
  readonly header?: 'strip' | 'keep';
  /** Longest frame body, in bytes after the header, before {@link FrameTooLongError}. Default {@link DEFAULT_MAX_FRAME_LENGTH} (1 MiB). */
  readonly maxFrameLength?: number;
  /** Longest varint length field, in bytes, before `ERR_RXTLS_FRAME_LENGTH_INVALID`: 4 for MQTT. Default 10 (protobuf's longest). */
  readonly maxVarintBytes?: number;
}

/** A {@link LengthFieldFormat} checked, with its defaults. */
export interface ResolvedLengthFormat {
  readonly lengthSize: LengthSize;
  readonly littleEndian: boolean;
  readonly lengthAdjustment: number;
}

const LENGTH_SIZES: readonly LengthSize[] = [1, 2, 3, 4, 8, 'varint'];

/** Checks a {@link LengthFieldFormat}; throws {@link InvalidOptionError} naming the option at fault. */
export function resolveLengthFormat(options: LengthFieldFormat): ResolvedLengthFormat {
  checkOptionsObject(options);
  const lengthSize = options.lengthSize ?? 4;
  if (!LENGTH_SIZES.includes(lengthSize)) throw new InvalidOptionError('lengthSize', lengthSize, "must be 1, 2, 3, 4, 8 or 'varint'");
  // Stryker disable next-line StringLiteral: only 'little' is looked at; any other default reads big-endian the same
  const byteOrder = oneOfOption(options, 'byteOrder', ['big', 'little'], 'big');
  const lengthAdjustment = options.lengthAdjustment ?? 0;
  if (!Number.isSafeInteger(lengthAdjustment))
    throw new InvalidOptionError('lengthAdjustment', lengthAdjustment, 'must be a safe integer (bytes, may be negative)');
  return { lengthSize, littleEndian: byteOrder === 'little', lengthAdjustment };
}

/** The largest value a fixed-size length field of `size` bytes holds (8 bytes: beyond any frame). */
export function largestLength(size: 1 | 2 | 3 | 4 | 8): number {
  return size === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size) - 1;
}

/** Smallest 8-byte high word whose value passes `Number.MAX_SAFE_INTEGER` (2**53 = 2**21 * 2**32). */
const UNSAFE_HIGH_WORD = 2 ** 21;
const TWO_TO_32 = 2 ** 32;

interface LengthFieldSettings extends ResolvedLengthFormat {
  readonly lengthOffset: number;
  readonly keepHeader: boolean;
  readonly maxFrameLength: number;
  readonly maxVarintBytes: number;
}

/**
 * Length-field framing, as Netty's `LengthFieldBasedFrameDecoder` and Pekko's
 * `Framing.lengthField`: each frame is a header — `lengthOffset` bytes, then a length field of
 * `lengthSize` bytes (big- or little-endian, or a varint) — and a body of the field's value plus
 * `lengthAdjustment` bytes. Each frame is delivered whole, with or without its header.
 *
 * A body longer than `maxFrameLength` fails with {@link FrameTooLongError} as soon as the
 * header is read, before a byte of the body is buffered (a varint: as soon as the bytes read so
 * far say so); a length below zero after adjustment, or a varint longer than `maxVarintBytes`,
 * fails with a `FrameError` coded `ERR_RXTLS_FRAME_LENGTH_INVALID`. A decoder holds at most one
 * header and `maxFrameLength` bytes. A frame that lies whole inside one chunk is delivered as a
 * view of it, without a copy.
 *
 * Informally: `<00 03 'a' 'b' 'c' 00 00>` → `frame('abc') frame('')` with `lengthSize: 2`.
 *
 * @param options - The header's layout, `header: 'strip' | 'keep'`, `maxFrameLength`, `maxVarintBytes`.
 * @returns A codec for {@link frames}.
 * @throws InvalidOptionError naming the option at fault.
 * @example
 * ```ts
 * import { connect, frames, lengthField } from 'rxtls';
 * connect({ host: 'broker.example.com', port: 9093 })
 *   .pipe(frames(lengthField({ lengthSize: 4 })))
 *   .subscribe((e) => e.type === 'frame' && console.log(e.bytes.length));
 * ```
 * @see {@link lengthPrefixed} for the write side.
 */
export function lengthField(options: LengthFieldOptions = {}): FrameCodec {
  const format = resolveLengthFormat(options);
  const lengthOffset = options.lengthOffset ?? 0;
  if (!Number.isInteger(lengthOffset) || lengthOffset < 0 || lengthOffset > 1024)
    throw new InvalidOptionError('lengthOffset', lengthOffset, 'must be an integer from 0 to 1024 (bytes before the length field)');
  // Stryker disable next-line StringLiteral: only 'keep' is looked at; any other default strips the same
  const keepHeader = oneOfOption(options, 'header', ['strip', 'keep'], 'strip') === 'keep';
  const maxFrameLength = resolveMaxFrameLength(options);
  const maxVarintBytes = options.maxVarintBytes ?? 10;
  if (!Number.isInteger(maxVarintBytes) || maxVarintBytes < 1 || maxVarintBytes > 10)
    throw new InvalidOptionError('maxVarintBytes', maxVarintBytes, 'must be an integer from 1 to 10');
  const settings: LengthFieldSettings = { ...format, lengthOffset, keepHeader, maxFrameLength, maxVarintBytes };
  return { maxFrameLength, decoder: () => new LengthFieldDecoder(settings) };
}

/** The decoder of {@link lengthField}: one per connection. */
class LengthFieldDecoder implements FrameCodecDecoder {
  private readonly settings: LengthFieldSettings;
  /** The longest header: where a header split across chunks is gathered. */
  private readonly header: Buffer;
  private headerHeld = 0;
  /** Copies of the frame so far (header included when it is kept), while its body is read. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private inBody = false;
  /** Body bytes still to come. */
  private wanted = 0;
  /** Body length of the frame whose header was read last. */
  private frameLength = 0;

  constructor(settings: LengthFieldSettings) {
    this.settings = settings;
    // Stryker disable next-line ConditionalExpression: a larger header buffer holds the same header; only its first bytes are read
    const size = settings.lengthSize === 'varint' ? settings.maxVarintBytes : settings.lengthSize;
    this.header = Buffer.alloc(settings.lengthOffset + size);
  }

  get buffered(): number {
    return this.headerHeld + this.partsLength;
  }

  push(chunk: Buffer, emit: FrameEmit): number {
    const n = chunk.length;
    const keep = this.settings.keepHeader;
    let pos = 0;
    while (pos < n) {
      if (this.inBody) {
        const take = Math.min(this.wanted, n - pos);
        // Copy: holding a view would pin the whole chunk in memory.
        this.parts.push(Buffer.from(chunk.subarray(pos, pos + take)));
        this.partsLength += take;
        this.wanted -= take;
        pos += take;
        if (this.wanted === 0 && !emit(this.takeFrame())) return pos;
        continue;
      }
      // Stryker disable next-line ConditionalExpression,BlockStatement: the split-header path below reads a whole header the same, with a copy
      if (this.headerHeld === 0) {
        // The fast path: the header, and often the whole frame, lie in this chunk.
        const h = this.readHeader(chunk, pos, n);
        if (h === 0) {
          chunk.copy(this.header, 0, pos, n);
          this.headerHeld = n - pos;
          return n;
        }
        const total = h + this.frameLength;
        if (n - pos >= total) {
          const frame = chunk.subarray(keep ? pos : pos + h, pos + total);
          pos += total;
          if (!emit(frame)) return pos;
          continue;
        }
        if (keep) this.hold(Buffer.from(chunk.subarray(pos, pos + h)));
        this.inBody = true;
        this.wanted = this.frameLength;
        pos += h;
        continue;
      }
      // A header split across chunks: gather it, then go on as above.
      const held = this.headerHeld;
      // Stryker disable next-line MethodExpression,ArithmeticOperator: copy() stops at the end of the chunk and of the header anyway
      const copied = chunk.copy(this.header, held, pos, Math.min(n, pos + this.header.length - held));
      const h = this.readHeader(this.header, 0, held + copied);
      if (h === 0) {
        this.headerHeld = held + copied;
        return n;
      }
      pos += h - held;
      this.headerHeld = 0;
      if (keep) this.hold(Buffer.from(this.header.subarray(0, h)));
      this.inBody = true;
      this.wanted = this.frameLength;
      if (this.wanted === 0 && !emit(this.takeFrame())) return pos;
    }
    return n;
  }

  end(): void {
    if (!this.inBody && this.headerHeld === 0) return;
    const detail = this.inBody
      ? `${this.wanted} bytes short of a frame whose header declared ${this.frameLength}`
      : `inside a frame's header (${this.headerHeld} bytes of it read)`;
    this.reset();
    throw new FrameError('ERR_RXTLS_FRAME_TRUNCATED', `the stream ended ${detail}: the incomplete frame is not delivered`);
  }

  private hold(part: Buffer): void {
    this.parts.push(part);
    this.partsLength += part.length;
  }

  private takeFrame(): Buffer {
    const parts = this.parts;
    // Stryker disable next-line ConditionalExpression: concat() of one part copies the same bytes
    const frame = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    this.inBody = false;
    return frame;
  }

  private reset(): void {
    // Stryker disable next-line ArrayDeclaration: frees the copies; buffered is partsLength
    this.parts = [];
    this.partsLength = 0;
    this.headerHeld = 0;
    // Stryker disable next-line BooleanLiteral: reset() comes before a throw, after which the decoder is not used
    this.inBody = false;
    this.wanted = 0;
  }

  /**
   * Reads a header from `buffer[start, end)`: returns its length and sets `frameLength`, or
   * returns 0 when it is not complete yet. Throws, having dropped what was held, for a length
   * out of bounds.
   */
  private readHeader(buffer: Buffer, start: number, end: number): number {
    const { lengthOffset, lengthSize, littleEndian } = this.settings;
    const at = start + lengthOffset;
    if (lengthSize === 'varint') return this.readVarint(buffer, at, end) - start;
    if (end - at < lengthSize) return 0;
    let declared: number;
    switch (lengthSize) {
      case 1:
        declared = buffer[at] as number;
        break;
      case 2:
        declared = littleEndian ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at);
        break;
      case 3:
        declared = littleEndian ? buffer.readUIntLE(at, 3) : buffer.readUIntBE(at, 3);
        break;
      case 4:
        declared = littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
        break;
      case 8: {
        const high = littleEndian ? buffer.readUInt32LE(at + 4) : buffer.readUInt32BE(at);
        const low = littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at + 4);
        if (high >= UNSAFE_HIGH_WORD)
          // Stryker disable next-line ArithmeticOperator: returned only for a length within bounds, which from 2^53 on takes a lengthAdjustment near -2^53
          return this.checkBigLength(littleEndian ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at), at + 8 - start);
        declared = high * TWO_TO_32 + low;
        break;
      }
    }
    this.checkLength(declared);
    return at + lengthSize - start;
  }

  /** Reads a varint at `at`: returns where it ends, or `start`'s offset (so 0 overall) when incomplete. */
  private readVarint(buffer: Buffer, at: number, end: number): number {
    const { maxVarintBytes, lengthAdjustment, maxFrameLength, lengthOffset } = this.settings;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxVarintBytes; i++) {
      if (at + i >= end) return at - lengthOffset;
      const byte = buffer[at + i] as number;
      value += (byte & 0x7f) * scale;
      // The value only grows with more bytes: fail as soon as it is past the bound.
      if (value + lengthAdjustment > maxFrameLength) {
        this.reset();
        throw new FrameTooLongError(maxFrameLength, value + lengthAdjustment, 'declared', `at least ${value + lengthAdjustment}`);
      }
      if ((byte & 0x80) === 0) {
        this.checkLength(value);
        return at + i + 1;
      }
      scale *= 128;
    }
    this.reset();
    throw new FrameError(
      'ERR_RXTLS_FRAME_LENGTH_INVALID',
      `a varint length field is longer than maxVarintBytes (${maxVarintBytes}): the peer is not speaking this framing`,
    );
  }

  private checkLength(declared: number): void {
    const { lengthAdjustment, maxFrameLength } = this.settings;
    const length = declared + lengthAdjustment;
    if (length < 0) {
      this.reset();
      throw new FrameError(
        'ERR_RXTLS_FRAME_LENGTH_INVALID',
        `a length field says ${declared}, which with lengthAdjustment ${lengthAdjustment} is ${length} bytes: no frame is shorter than 0`,
      );
    }
    if (length > maxFrameLength) {
      this.reset();
      throw new FrameTooLongError(maxFrameLength, length, 'declared');
    }
    this.frameLength = length;
  }

  /** An 8-byte length beyond `Number.MAX_SAFE_INTEGER`, checked exactly. */
  private checkBigLength(declared: bigint, headerLength: number): number {
    const { lengthAdjustment, maxFrameLength } = this.settings;
    const length = declared + BigInt(lengthAdjustment);
    // Stryker disable next-line EqualityOperator: exactly maxFrameLength from 2^53 on takes a lengthAdjustment near -2^53
    if (length > BigInt(maxFrameLength)) {
      this.reset();
      throw new FrameTooLongError(maxFrameLength, Number(length), 'declared', String(length));
    }
    this.frameLength = Number(length);
    return headerLength;
  }
}
