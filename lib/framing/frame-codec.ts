import { DEFAULT_MAX_FRAME_LENGTH } from '../defaults';
import { InvalidOptionError } from '../errors';

/**
 * Receives each frame a {@link FrameCodecDecoder} cuts, in order. Returns `true` to go on, or
 * `false` to make the decoder stop right after this frame: `push()` then returns at once with the
 * offset just past the frame, holding nothing. `frames()` returns `false` once its subscriber is
 * gone; {@link switching} returns `false` to hand the rest of the chunk to the next codec.
 *
 * @example
 * ```ts
 * import type { FrameEmit } from 'rxtls';
 * const frames: Buffer[] = [];
 * const collect: FrameEmit = (frame) => frames.push(frame) < 100; // stop after 100 frames
 * ```
 */
export type FrameEmit = (frame: Buffer) => boolean;

/**
 * The per-connection state of a {@link FrameCodec}: bytes in, frames out. What a decoder must
 * guarantee (the built-in ones do, and `frames()` relies on it):
 *
 * - **Chunking does not matter.** The same bytes cut into chunks anywhere give the same frames.
 * - **Bounded.** It holds at most its codec's `maxFrameLength` plus one header (or delimiter)
 *   of bytes, and says how many in `buffered`; past the bound it throws (a
 *   `FrameTooLongError`), having dropped what it held, as soon as it knows — for a length field,
 *   when the header is read, before any of the body.
 * - **Honest about the end.** `end()` throws a `FrameError` with code `ERR_RXTLS_FRAME_TRUNCATED`
 *   when the stream stopped inside a frame: an incomplete frame is never delivered.
 * - **Stoppable.** When `emit` returns `false`, `push()` returns at once with the offset just
 *   past that frame, holding nothing; otherwise it takes the whole chunk and returns its length.
 * - **Errors are `FrameError`s** (or `InvalidOptionError` for options), so `frames()` fails the
 *   stream with a code the catalogue documents.
 *
 * A frame may be a view (`subarray`) of the chunk: the chunk is not reused after `push()`.
 *
 * @example
 * ```ts
 * import type { FrameCodec, FrameCodecDecoder, FrameEmit } from 'rxtls';
 *
 * // Frames of one byte each: the simplest decoder there is.
 * class ByteDecoder implements FrameCodecDecoder {
 *   readonly buffered = 0;
 *   push(chunk: Buffer, emit: FrameEmit): number {
 *     for (let i = 0; i < chunk.length; i++) if (!emit(chunk.subarray(i, i + 1))) return i + 1;
 *     return chunk.length;
 *   }
 *   end(): void {}
 * }
 * const bytes: FrameCodec = { maxFrameLength: 1, decoder: () => new ByteDecoder() };
 * ```
 */
export interface FrameCodecDecoder {
  /**
   * Cuts `chunk` into frames, calling `emit` for each complete one, in order, and keeps an
   * incomplete one for the next chunk. Returns how many bytes of `chunk` it took: all of them,
   * or fewer when `emit` returned `false`.
   */
  push(chunk: Buffer, emit: FrameEmit): number;
  /** The stream ended. Throws a `FrameError` (`ERR_RXTLS_FRAME_TRUNCATED`) when it ended inside a frame; may emit a last frame. */
  end(emit: FrameEmit): void;
  /** Bytes held for an incomplete frame, header included. */
  readonly buffered: number;
}

/**
 * A framing: a description (its options, checked when it is built) from which `frames()` makes
 * a fresh {@link FrameCodecDecoder} for each subscription, so connections never share state.
 * Built-in: {@link lengthField}, {@link fixedLength}, {@link delimited}, and {@link switching}
 * to change framing mid-stream. Write your own for any other framing (see
 * docs/binary-protocols.md).
 *
 * @example
 * ```ts
 * import { frames, lengthField, type FrameCodec } from 'rxtls';
 * const kafkaLike: FrameCodec = lengthField({ lengthSize: 4, maxFrameLength: 1024 * 1024 });
 * frames(kafkaLike);
 * ```
 */
export interface FrameCodec {
  /** The longest frame it delivers, in bytes without a stripped header or delimiter, when it has one bound (`switching()` has none of its own). */
  readonly maxFrameLength?: number;
  /** A new decoder with nothing held. */
  decoder(): FrameCodecDecoder;
}

/** `options.maxFrameLength` checked, or the default. */
export function resolveMaxFrameLength(options: { readonly maxFrameLength?: number }): number {
  const maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
  if (!Number.isSafeInteger(maxFrameLength) || maxFrameLength < 0)
    throw new InvalidOptionError('maxFrameLength', maxFrameLength, 'must be a non-negative safe integer (bytes)');
  return maxFrameLength;
}

/** `options` is an object (or absent). */
export function checkOptionsObject(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'must be an object');
}
