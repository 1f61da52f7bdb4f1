/**
 * A cursor over bytes that checks every length against what remains: the only way the wire
 * readers take bytes, so none of them can read out of bounds or trust a length field.
 * @module
 */
import { WireFormatError } from './wire-format-error';

/**
 * Reads big-endian integers and length-prefixed vectors (RFC 8446 §3) from a Buffer; throws
 * {@link WireFormatError} on anything that runs past the end.
 *
 * @example
 * ```ts
 * import { ByteReader } from './byte-reader';
 * const reader = new ByteReader(Buffer.from([0, 3, 1, 2, 3]), 'example');
 * const items = reader.vector(2, 'items'); // the 3 bytes after the 2-byte length
 * console.log(items.rest(), reader.remaining); // <Buffer 01 02 03> 0
 * ```
 */
export class ByteReader {
  private at = 0;

  constructor(
    private readonly bytes: Buffer,
    /** The structure read, for the errors' words. */
    readonly what: string,
  ) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.at;
  }

  /** The next `length` bytes (a view, not a copy). */
  take(length: number, field: string): Buffer {
    if (length > this.remaining) throw new WireFormatError(this.what, `${field} needs ${length} bytes, ${this.remaining} left`);
    const taken = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return taken;
  }

  /** An unsigned integer of 1 to 3 bytes, big-endian. */
  uint(size: 1 | 2 | 3, field: string): number {
    const bytes = this.take(size, field);
    return bytes.readUIntBE(0, size);
  }

  /** A vector with a `size`-byte length prefix, as a reader of its own, its length within `min`..`max`. */
  vector(size: 1 | 2 | 3, field: string, min = 0, max = 2 ** (8 * size) - 1): ByteReader {
    const length = this.uint(size, `${field} length`);
    if (length < min || length > max) throw new WireFormatError(this.what, `${field} is ${length} bytes, outside ${min}..${max}`);
    if (length > this.remaining)
      throw new WireFormatError(this.what, `${field} runs past the end (${length} bytes, ${this.remaining} left)`);
    return new ByteReader(this.take(length, field), this.what);
  }

  /** Everything not read yet. */
  rest(): Buffer {
    return this.take(this.remaining, 'rest');
  }

  /** Checks that nothing is left. */
  end(field: string): void {
    if (this.remaining !== 0) throw new WireFormatError(this.what, `${this.remaining} bytes after ${field}`);
  }
}
