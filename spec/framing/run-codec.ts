import type { FrameCodec } from '../../lib';

/** What a codec made of some chunks: the frames (copied), the error if one was thrown, and the most it ever held. */
export interface CodecRun {
  readonly frames: string[];
  readonly error?: unknown;
  readonly maxBuffered: number;
}

/** Feeds `chunks` to a fresh decoder of `codec`, then ends it; frames as hex, so that tests compare bytes. */
export function runCodec(codec: FrameCodec, chunks: readonly Uint8Array[], { end = true } = {}): CodecRun {
  const decoder = codec.decoder();
  const frames: string[] = [];
  let maxBuffered = 0;
  const emit = (frame: Buffer) => frames.push(frame.toString('hex')) > 0;
  try {
    for (const chunk of chunks) {
      const took = decoder.push(Buffer.from(chunk), emit);
      if (took !== chunk.length) throw new Error(`push took ${took} of ${chunk.length} bytes though emit never said stop`);
      maxBuffered = Math.max(maxBuffered, decoder.buffered);
    }
    if (end) decoder.end(emit);
  } catch (error) {
    return { frames, error, maxBuffered };
  }
  return { frames, maxBuffered };
}

/** `bytes` cut at `cuts` (sorted or not, duplicates and out-of-range ones ignored). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

/** Hex of a string's UTF-8 bytes, for expected frames. */
export const hex = (text: string | Uint8Array): string => Buffer.from(text as string).toString('hex');
