import type { BinaryFrameErrorCode, FrameErrorCode } from '../errors';

/**
 * The stream could not be cut into frames: a line or literal past its bound, the input ending
 * inside an announced literal, or a {@link FrameDecoder} asked for bytes it cannot give. The
 * stream fails with it (and the connection is torn down). `code` tells which
 * ({@link FrameErrorCode}); {@link LineTooLongError} and {@link LiteralTooLongError} are
 * FrameErrors too, so one `instanceof FrameError` catches every framing failure.
 *
 * @example
 * ```ts
 * import { connect, FrameError, lines } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 })
 *   .pipe(lines({ literal: (text) => Number(/\{(\d+)\}$/.exec(text)?.[1] ?? NaN) || undefined }))
 *   .subscribe({ error: (e) => e instanceof FrameError && console.error(e.code, e.message) }); // ERR_RXTLS_FRAME_TRUNCATED …
 * ```
 */
export class FrameError extends Error {
  /** The error class, for logs. */
  override readonly name: string = 'FrameError';
  constructor(
    /** A stable code to match on. */
    readonly code: FrameErrorCode | BinaryFrameErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A line grew past `maxLength` bytes without a delimiter. The stream fails with it (and the
 * connection is torn down) rather than buffering without bound.
 *
 * @example
 * ```ts
 * import { LineTooLongError } from 'rxtls';
 * const error = new LineTooLongError(65536, 70000);
 * console.log(error.message); // line exceeds maxLength: 70000 bytes seen without a delimiter, limit 65536
 * ```
 */
export class LineTooLongError extends FrameError {
  /** The error class, for logs. */
  override readonly name = 'LineTooLongError';
  /** A stable code to match on. */
  declare readonly code: 'ERR_RXTLS_LINE_TOO_LONG';
  constructor(
    /** The `maxLength` in force, in bytes. */
    readonly limit: number,
    /** Bytes of the line seen when the limit was passed. */
    readonly seen: number,
  ) {
    super('ERR_RXTLS_LINE_TOO_LONG', `line exceeds maxLength: ${seen} bytes seen without a delimiter, limit ${limit}`);
  }
}

/**
 * A line announced a literal (`lines({ literal })`) larger than `maxLiteralLength` bytes. The
 * stream fails with it rather than buffering the literal.
 *
 * @example
 * ```ts
 * import { LiteralTooLongError } from 'rxtls';
 * console.log(new LiteralTooLongError(1024, 5000).message); // literal of 5000 bytes exceeds maxLiteralLength 1024
 * ```
 */
export class LiteralTooLongError extends FrameError {
  /** The error class, for logs. */
  override readonly name = 'LiteralTooLongError';
  /** A stable code to match on. */
  declare readonly code: 'ERR_RXTLS_LITERAL_TOO_LONG';
  constructor(
    /** The `maxLiteralLength` in force, in bytes. */
    readonly limit: number,
    /** The size the line announced. */
    readonly announced: number,
  ) {
    super('ERR_RXTLS_LITERAL_TOO_LONG', `literal of ${announced} bytes exceeds maxLiteralLength ${limit}`);
  }
}

/**
 * A frame is longer than its codec's `maxFrameLength`: a length field declared more (checked as
 * soon as the header is read, before any of the body is buffered), or a delimited frame grew past
 * it without a delimiter. The stream fails with it (and the connection is torn down) rather than
 * buffering without bound.
 *
 * @example
 * ```ts
 * import { FrameTooLongError } from 'rxtls';
 * const error = new FrameTooLongError(1024, 5000, 'declared');
 * console.log(error.message); // frame exceeds maxFrameLength: its header declares 5000 bytes, limit 1024
 * ```
 */
export class FrameTooLongError extends FrameError {
  /** The error class, for logs. */
  override readonly name = 'FrameTooLongError';
  /** A stable code to match on. */
  declare readonly code: 'ERR_RXTLS_FRAME_TOO_LONG';
  constructor(
    /** The `maxFrameLength` in force, in bytes. */
    readonly limit: number,
    /**
     * The frame's length in bytes: what its header declared (after `lengthAdjustment`), or the
     * bytes seen without a delimiter. A declared length beyond `Number.MAX_SAFE_INTEGER` is
     * rounded here; the message has it exactly.
     */
    readonly length: number,
    /** `'declared'` by a length field, or `'seen'` without a delimiter. */
    readonly how: 'declared' | 'seen',
    exact: string = String(length),
  ) {
    super(
      'ERR_RXTLS_FRAME_TOO_LONG',
      how === 'declared'
        ? `frame exceeds maxFrameLength: its header declares ${exact} bytes, limit ${limit}`
        : `frame exceeds maxFrameLength: ${exact} bytes seen without a delimiter, limit ${limit}`,
    );
  }
}
