/**
 * What a dialogue emits to be written: raw text (UTF-8), raw bytes, a line (the line ending is
 * appended), or the command to end the connection gracefully.
 *
 * @example
 * ```ts
 * import { line, end, type Outbound } from 'rxtls';
 * const logout: Outbound[] = [line('a9 LOGOUT'), end()];
 * ```
 * @module
 */

/** A line of text; `converse` appends its `lineEnding` (default CRLF). */
export interface OutboundLine {
  /** The discriminant: match on it. */
  readonly type: 'line';
  /** The text, without its line ending. */
  readonly text: string;
}

/** Flush what is queued, send close_notify, and let the peer close. */
export interface OutboundEnd {
  /** The discriminant: match on it. */
  readonly type: 'end';
}

/** Upgrade a plaintext connection to TLS now (STARTTLS), after the protocol's go-ahead. */
export interface OutboundStartTls {
  /** The discriminant. */
  readonly type: 'startTls';
}

/** Anything a dialogue may emit. */
export type Outbound = string | Uint8Array | OutboundLine | OutboundEnd | OutboundStartTls;

/** A line to send; the line ending is appended when it is written. */
export function line(text: string): OutboundLine {
  return { type: 'line', text };
}

/** The command to end the connection gracefully. */
export function end(): OutboundEnd {
  return END;
}

const END: OutboundEnd = { type: 'end' };

/** The command to start TLS on a plaintext connection, once the peer said go ahead. */
export function startTls(): OutboundStartTls {
  return START_TLS;
}

const START_TLS: OutboundStartTls = { type: 'startTls' };
