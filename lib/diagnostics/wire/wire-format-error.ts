/**
 * The one error the readers of TLS handshake bytes throw: whatever the bytes are, a reader
 * either gives what it read or throws this, naming the structure and the field at fault.
 * @module
 */
import type { RxtlsErrorCode } from '../../errors';

/**
 * Bytes that are not the TLS structure they should be: a length that runs past what remains,
 * a field with a value no sender may use, a record that does not decrypt. `what` names the
 * structure (`record`, `Certificate`, …); the message the field.
 *
 * @example
 * ```ts
 * import { WireFormatError } from './wire-format-error';
 * const error = new WireFormatError('Certificate', 'certificate_list runs past the message (12 bytes left)');
 * console.log(error.code, error.message); // ERR_RXTLS_WIRE_MALFORMED Certificate: certificate_list runs past …
 * ```
 */
export class WireFormatError extends Error {
  /** The error class, for logs. */
  override readonly name = 'WireFormatError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_WIRE_MALFORMED' satisfies RxtlsErrorCode;
  constructor(
    /** The structure that did not parse. */
    readonly what: string,
    problem: string,
  ) {
    super(`${what}: ${problem}`);
  }
}
