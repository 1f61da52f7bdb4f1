import { InvalidOptionError } from '../errors';
import { largestLength, resolveLengthFormat, type LengthFieldFormat } from './length-field';

/**
 * Encodes a non-negative integer as a varint: 7 bits a byte, least significant group first, the
 * high bit set on every byte but the last — MQTT's "remaining length" and protobuf's lengths.
 *
 * @param value - A non-negative safe integer.
 * @returns Its varint bytes (1 for 0–127, 2 up to 16 383, …).
 * @throws InvalidOptionError naming `value` when it is not a non-negative safe integer.
 * @example
 * ```ts
 * import { encodeVarint } from 'rxtls';
 * console.log(encodeVarint(321)); // <Buffer c1 02>
 * ```
 */
export function encodeVarint(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOptionError('value', value, 'must be a non-negative safe integer');
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/**
 * Prefixes `bytes` with their length, the write side of {@link lengthField}: a length field of
 * `lengthSize` bytes (big-endian by default, or a varint) holding `bytes.length -
 * lengthAdjustment`, then the bytes, in one Buffer. What it returns is an `Outbound` a dialogue
 * can emit as it is (a `Uint8Array`), so frames are written as easily as lines.
 *
 * @param bytes - The body of the frame.
 * @param format - `lengthSize` (default 4), `byteOrder`, `lengthAdjustment`, as given to `lengthField`.
 * @returns The header and the body.
 * @throws InvalidOptionError naming the option at fault, or `bytes` when the length does not fit the field.
 * @example
 * ```ts
 * import { converse, frames, lengthField, lengthPrefixed } from 'rxtls';
 * import { filter, map } from 'rxjs';
 * // Echo each frame back, framed the same way.
 * const echo = frames(lengthField({ lengthSize: 2 }));
 * const reply = converse((events$) =>
 *   events$.pipe(
 *     filter((e) => e.type === 'frame'),
 *     map((e) => lengthPrefixed(e.bytes, { lengthSize: 2 })),
 *   ),
 * );
 * console.log(lengthPrefixed(Buffer.from('hi'), { lengthSize: 2 })); // <Buffer 00 02 68 69>
 * ```
 */
export function lengthPrefixed(bytes: Uint8Array, format: LengthFieldFormat = {}): Buffer {
  if (!(bytes instanceof Uint8Array)) throw new InvalidOptionError('bytes', bytes, 'must be a Uint8Array (a Buffer)');
  const { lengthSize, littleEndian, lengthAdjustment } = resolveLengthFormat(format);
  const value = bytes.length - lengthAdjustment;
  if (value < 0)
    throw new InvalidOptionError(
      'bytes',
      bytes.length,
      `are too short for lengthAdjustment ${lengthAdjustment}: the length field would be ${value}`,
    );
  if (lengthSize === 'varint') {
    const header = encodeVarint(value);
    return Buffer.concat([header, bytes], header.length + bytes.length);
  }
  if (value > largestLength(lengthSize))
    throw new InvalidOptionError(
      'bytes',
      bytes.length,
      `are too long for a ${lengthSize}-byte length field (at most ${largestLength(lengthSize)})`,
    );
  const frame = Buffer.allocUnsafe(lengthSize + bytes.length);
  if (lengthSize === 8) {
    const big = BigInt(value);
    if (littleEndian) frame.writeBigUInt64LE(big, 0);
    else frame.writeBigUInt64BE(big, 0);
  } else if (littleEndian) frame.writeUIntLE(value, 0, lengthSize);
  else frame.writeUIntBE(value, 0, lengthSize);
  frame.set(bytes, lengthSize);
  return frame;
}
