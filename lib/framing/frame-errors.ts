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
export class LineTooLongError extends Error {
  /** The error class, for logs. */
  override readonly name = 'LineTooLongError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_LINE_TOO_LONG';
  constructor(
    /** The `maxLength` in force, in bytes. */
    readonly limit: number,
    /** Bytes of the line seen when the limit was passed. */
    readonly seen: number,
  ) {
    super(`line exceeds maxLength: ${seen} bytes seen without a delimiter, limit ${limit}`);
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
export class LiteralTooLongError extends Error {
  /** The error class, for logs. */
  override readonly name = 'LiteralTooLongError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_LITERAL_TOO_LONG';
  constructor(
    /** The `maxLiteralLength` in force, in bytes. */
    readonly limit: number,
    /** The size the line announced. */
    readonly announced: number,
  ) {
    super(`literal of ${announced} bytes exceeds maxLiteralLength ${limit}`);
  }
}
