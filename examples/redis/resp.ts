/**
 * RESP2, the Redis serialization protocol (https://redis.io/docs/reference/protocol-spec/):
 * commands go out as arrays of bulk strings; replies come back as simple strings (`+OK`),
 * errors (`-ERR …`), integers (`:42`), bulk strings (`$5\r\nhello`, binary-safe, `$-1` for nil)
 * and arrays of any of these (`*2\r\n…`, `*-1` for nil). A reply is lines plus length-prefixed
 * bytes, so a bulk string may hold CRLF and zero bytes.
 *
 * Reading is two small steps: {@link respReplies} is a codec for the `frames` operator that cuts
 * the byte stream into whole replies (in any chunking, bounded), and {@link parseReply} turns one
 * whole reply into a value.
 */

/** An error reply: a value for the command that caused it, not a failure of the connection. */
export class RespError {
  /** The first word, by Redis convention the error's kind: `ERR`, `WRONGTYPE`, `NOAUTH`, `WRONGPASS`, … */
  readonly code: string;
  constructor(readonly message: string) {
    this.code = /^\S+/.exec(message)?.[0] ?? 'ERR';
  }
  toString(): string {
    return `-${this.message}`;
  }
}

/** A reply: simple string, error, integer, bulk string (bytes), nil, or an array of replies. */
export type RespValue = string | RespError | number | Buffer | null | RespValue[];

/** Why the byte stream is not RESP, or a reply exceeded a bound. */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
  constructor(
    /** `MALFORMED` (not RESP) or `TOO_LONG` (a line, bulk string or array beyond its bound). */
    readonly code: 'MALFORMED' | 'TOO_LONG',
    message: string,
  ) {
    super(message);
  }
}

/** One command argument: text (UTF-8) or bytes. */
export type RespArgument = string | Buffer | number;

const CRLF = Buffer.from('\r\n');

/** A command as RESP puts it on the wire: an array of bulk strings. */
export function encodeCommand(args: readonly RespArgument[]): Buffer {
  return encodeCommands([args]);
}

/**
 * Commands, one after the other, in one Buffer: what a pipeline writes at once. Text arguments
 * are gathered into one string and encoded once; bytes are copied as they are.
 */
export function encodeCommands(commands: readonly (readonly RespArgument[])[]): Buffer {
  const parts: Buffer[] = [];
  let text = '';
  for (const args of commands) {
    if (args.length === 0) throw new RangeError('a command needs at least its name');
    text += `*${args.length}\r\n`;
    for (const arg of args) {
      if (Buffer.isBuffer(arg)) {
        parts.push(Buffer.from(`${text}$${arg.length}\r\n`, 'utf8'), arg);
        text = '\r\n';
      } else {
        const value = String(arg);
        text += `$${Buffer.byteLength(value, 'utf8')}\r\n${value}\r\n`;
      }
    }
  }
  if (parts.length === 0) return Buffer.from(text, 'utf8');
  parts.push(Buffer.from(text, 'utf8'));
  return Buffer.concat(parts);
}

/** A reply as a server writes it (for tests, and for anyone writing a RESP server). */
export function encodeReply(value: RespValue): Buffer {
  if (value === null) return Buffer.from('$-1\r\n');
  if (value instanceof RespError) return Buffer.from(`-${value.message}\r\n`, 'utf8');
  if (typeof value === 'string') return Buffer.from(`+${value}\r\n`, 'utf8');
  if (typeof value === 'number') return Buffer.from(`:${value}\r\n`);
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from(`$${value.length}\r\n`), value, CRLF]);
  return Buffer.concat([Buffer.from(`*${value.length}\r\n`), ...value.map(encodeReply)]);
}

/** Bounds of {@link respReplies}. */
export interface RespRepliesOptions {
  /** Largest whole reply, in bytes (all of an array's elements together). Default 64 MiB. */
  readonly maxFrameLength?: number;
  /** Longest header, simple string or error line, in bytes. Default 64 KiB. */
  readonly maxLineLength?: number;
}

/** Redis allows 512 MiB bulk strings; a client rarely wants to hold that much for one reply. */
export const DEFAULT_MAX_REPLY_LENGTH = 64 * 1024 * 1024;
/** A header or status line is short; 64 KiB is far more than Redis ever writes in one. */
export const DEFAULT_MAX_RESP_LINE_LENGTH = 64 * 1024;

const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;
const STAR = 0x2a;
const CR = 0x0d;
const LF = 0x0a;

/** A codec (the shape `frames()` takes): whole RESP2 replies, one frame each. */
export interface RespCodec {
  readonly maxFrameLength: number;
  decoder(): RespReplyDecoder;
}

/**
 * The framing of RESP2 replies, for `frames(respReplies())`: each frame is one whole reply —
 * a status line, or a bulk string with its bytes, or an array with all its elements — ready for
 * {@link parseReply}. Lines and length-prefixed bytes mixed, in any chunking, never re-read: the
 * decoder counts the values still owed (an array of n owes n more) and skips bulk bytes by their
 * length. Bounded: a reply over `maxFrameLength` bytes, or a line over `maxLineLength`, fails
 * with a {@link RespProtocolError} (`TOO_LONG`) as soon as it is known, before its bytes are held.
 */
export function respReplies(options: RespRepliesOptions = {}): RespCodec {
  const maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_REPLY_LENGTH;
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_RESP_LINE_LENGTH;
  if (!Number.isSafeInteger(maxFrameLength) || maxFrameLength < 1)
    throw new RangeError(`maxFrameLength must be a positive integer, got ${maxFrameLength}`);
  if (!Number.isSafeInteger(maxLineLength) || maxLineLength < 1)
    throw new RangeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
  return { maxFrameLength, decoder: () => new RespReplyDecoder(maxFrameLength, maxLineLength) };
}

/** The per-connection state of {@link respReplies}. */
export class RespReplyDecoder {
  /** Pieces of the reply begun in earlier chunks (views, not copies). */
  private pieces: Buffer[] = [];
  /** Bytes in `pieces`. */
  private held = 0;
  /** Values the current reply still owes: 0 between replies. */
  private owed = 0;
  /** Bulk bytes (and their CRLF) still to pass over. */
  private skip = 0;
  /** The start of a header line that the last chunk cut, kept to be read whole. */
  private line: Buffer | undefined;

  constructor(
    private readonly maxFrameLength: number,
    private readonly maxLineLength: number,
  ) {}

  get buffered(): number {
    return this.held;
  }

  /** Cuts `chunk` into whole replies; returns how much of it it took (all, unless `emit` said stop). */
  push(chunk: Buffer, emit: (frame: Buffer) => boolean): number {
    let start = 0; // where the current reply began in this chunk
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - at);
        this.skip -= n;
        at += n;
        if (this.skip > 0) break;
        if (chunk[at - 1] !== LF || (n >= 2 ? chunk[at - 2] : this.lastHeldByte()) !== CR)
          throw new RespProtocolError('MALFORMED', 'a bulk string is not followed by CRLF');
        this.owed--;
      } else {
        const lf = chunk.indexOf(LF, at);
        if (lf === -1) {
          if (this.lineLength(end - at) > this.maxLineLength + 2) throw this.lineTooLong();
          this.line = this.line ? Buffer.concat([this.line, chunk.subarray(at)]) : chunk.subarray(at);
          break;
        }
        let line = chunk;
        let lineStart = at;
        if (this.line) {
          line = Buffer.concat([this.line, chunk.subarray(at, lf + 1)]);
          lineStart = 0;
          this.line = undefined;
        }
        const lineEnd = line === chunk ? lf : line.length - 1; // the LF
        if (lineEnd - lineStart > this.maxLineLength + 1) throw this.lineTooLong();
        at = lf + 1;
        this.header(line, lineStart, lineEnd);
      }
      if (this.held + (at - start) > this.maxFrameLength) throw this.frameTooLong(this.held + (at - start));
      if (this.owed === 0 && this.skip === 0 && this.line === undefined) {
        const frame = this.held === 0 ? chunk.subarray(start, at) : Buffer.concat([...this.pieces, chunk.subarray(start, at)]);
        this.pieces = [];
        this.held = 0;
        start = at;
        if (!emit(frame)) return at;
      }
    }
    if (start < end) {
      this.pieces.push(chunk.subarray(start, end));
      this.held += end - start;
      if (this.held > this.maxFrameLength) throw this.frameTooLong(this.held);
    }
    return end;
  }

  /** Reads one header line `line[from, lf)` (the LF at `lf`): what it owes next. */
  private header(line: Buffer, from: number, lf: number): void {
    if (line[lf - 1] !== CR) throw new RespProtocolError('MALFORMED', 'a RESP line must end in CRLF, not a bare LF');
    const type = line[from] as number;
    if (this.owed === 0) this.owed = 1;
    switch (type) {
      case PLUS:
      case MINUS:
        this.owed--;
        return;
      case COLON:
        readInteger(line, from + 1, lf - 1, 'an integer reply');
        this.owed--;
        return;
      case DOLLAR: {
        const length = readInteger(line, from + 1, lf - 1, 'a bulk string length');
        if (length === -1) {
          this.owed--;
          return;
        }
        if (length < 0) throw new RespProtocolError('MALFORMED', `a bulk string length of ${length}`);
        if (length > this.maxFrameLength) throw this.frameTooLong(length);
        this.skip = length + 2; // `owed` goes down once the bytes and their CRLF are passed
        return;
      }
      case STAR: {
        const length = readInteger(line, from + 1, lf - 1, 'an array length');
        if (length < -1) throw new RespProtocolError('MALFORMED', `an array length of ${length}`);
        // Each element is at least 3 bytes ("+\r\n"): a count beyond that cannot fit the bound.
        if (length > this.maxFrameLength / 3) throw this.frameTooLong(length * 3);
        this.owed += Math.max(length, 0) - 1;
        return;
      }
      default:
        throw new RespProtocolError(
          'MALFORMED',
          `a reply cannot start with byte 0x${type.toString(16)} (${JSON.stringify(String.fromCharCode(type))})`,
        );
    }
  }

  private lastHeldByte(): number | undefined {
    const last = this.pieces[this.pieces.length - 1];
    return last?.[last.length - 1];
  }

  private lineLength(more: number): number {
    return (this.line?.length ?? 0) + more;
  }

  private lineTooLong(): RespProtocolError {
    this.reset();
    return new RespProtocolError('TOO_LONG', `a RESP line is over maxLineLength (${this.maxLineLength} bytes)`);
  }

  private frameTooLong(length: number): RespProtocolError {
    this.reset();
    return new RespProtocolError('TOO_LONG', `a reply of ${length}+ bytes is over maxFrameLength (${this.maxFrameLength} bytes)`);
  }

  private reset(): void {
    this.pieces = [];
    this.held = 0;
    this.owed = 0;
    this.skip = 0;
    this.line = undefined;
  }

  /** The stream ended: throws `MALFORMED` when it ended inside a reply. */
  end(): void {
    if (this.owed > 0 || this.skip > 0 || this.line !== undefined || this.held > 0) {
      const held = this.held;
      this.reset();
      throw new RespProtocolError('MALFORMED', `the stream ended inside a reply (${held} bytes of it held)`);
    }
  }
}

/** The integer in `data[start, end)`, without making a string on the common path. */
function readInteger(data: Buffer, start: number, end: number, what: string): number {
  let at = start;
  const negative = data[at] === MINUS;
  if (negative) at++;
  if (at === end || end - at > 15) return slowInteger(data.toString('latin1', start, end), what);
  let n = 0;
  for (; at < end; at++) {
    const digit = (data[at] as number) - 0x30;
    if (digit < 0 || digit > 9) return slowInteger(data.toString('latin1', start, end), what);
    n = n * 10 + digit;
  }
  return negative && n !== 0 ? -n : n;
}

function slowInteger(text: string, what: string): number {
  if (!/^-?\d+$/.test(text))
    throw new RespProtocolError('MALFORMED', `${what} must be an integer, got ${JSON.stringify(text.slice(0, 40))}`);
  // Integers past 2^53 lose precision as numbers; Redis rarely sends one.
  return Number(text);
}

/**
 * One whole reply (a frame of {@link respReplies}) as a value: a simple string as `string`, an
 * error as {@link RespError}, an integer as `number`, a bulk string as a `Buffer` (a view of the
 * frame), nil as `null`, an array as an array. Throws `MALFORMED` when the frame is not exactly
 * one reply.
 */
export function parseReply(frame: Buffer): RespValue {
  const [value, end] = parseAt(frame, 0);
  if (end !== frame.length) throw new RespProtocolError('MALFORMED', `${frame.length - end} bytes after a whole reply`);
  return value;
}

function parseAt(frame: Buffer, at: number): [RespValue, number] {
  const lf = frame.indexOf(LF, at);
  if (lf === -1 || frame[lf - 1] !== CR) throw new RespProtocolError('MALFORMED', 'a reply ends inside its first line');
  const next = lf + 1;
  switch (frame[at]) {
    case PLUS:
      return [frame.toString('utf8', at + 1, lf - 1), next];
    case MINUS:
      return [new RespError(frame.toString('utf8', at + 1, lf - 1)), next];
    case COLON:
      return [readInteger(frame, at + 1, lf - 1, 'an integer reply'), next];
    case DOLLAR: {
      const length = readInteger(frame, at + 1, lf - 1, 'a bulk string length');
      if (length === -1) return [null, next];
      if (length < 0 || next + length + 2 > frame.length || frame[next + length] !== CR || frame[next + length + 1] !== LF)
        throw new RespProtocolError('MALFORMED', `a ${length}-byte bulk string that the frame does not hold`);
      return [frame.subarray(next, next + length), next + length + 2];
    }
    case STAR: {
      const length = readInteger(frame, at + 1, lf - 1, 'an array length');
      if (length === -1) return [null, next];
      if (length < 0) throw new RespProtocolError('MALFORMED', `an array length of ${length}`);
      const items: RespValue[] = [];
      let position = next;
      for (let i = 0; i < length; i++) {
        const [item, after] = parseAt(frame, position);
        items.push(item);
        position = after;
      }
      return [items, position];
    }
    default:
      throw new RespProtocolError('MALFORMED', `a reply cannot start with byte 0x${(frame[at] ?? 0).toString(16)}`);
  }
}
