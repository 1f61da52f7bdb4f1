import * as buffer from 'buffer';
import { DEFAULT_MAX_LINE_LENGTH } from '../defaults';
import { InvalidOptionError } from '../errors';
import { FrameError, LineTooLongError } from './frame-errors';

/**
 * Text encodings a line can be decoded with.
 *
 * @example
 * ```ts
 * import { FrameDecoder, type LineEncoding } from 'rxtls';
 * const encoding: LineEncoding = 'latin1';
 * new FrameDecoder({ encoding });
 * ```
 */
export type LineEncoding = 'utf8' | 'latin1' | 'ascii';

/**
 * How a {@link FrameDecoder} cuts bytes into lines.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from 'rxtls';
 * const records = new FrameDecoder({ delimiter: '\u001e', encoding: 'utf8', maxLength: 1024 });
 * ```
 */
export interface FrameDecoderOptions {
  /** The delimiter between lines. Default `'\n'`. */
  readonly delimiter?: string;
  /** With the `'\n'` delimiter, also strip a `'\r'` before it. Default `true`. */
  readonly stripCR?: boolean;
  /** How line bytes become text. Default `'utf8'`. */
  readonly encoding?: LineEncoding;
  /** Longest line, in bytes without the delimiter, before {@link LineTooLongError}. Default 65 536. */
  readonly maxLength?: number;
}

/**
 * Receives what a {@link FrameDecoder} cuts out of the bytes.
 *
 * @example
 * ```ts
 * import { FrameDecoder, type FrameSink } from 'rxtls';
 * const decoder = new FrameDecoder();
 * const sink: FrameSink = {
 *   line: (text) => {
 *     const size = /\{(\d+)\}$/.exec(text)?.[1];
 *     if (size) decoder.readBytes(Number(size)); // the next bytes are raw
 *   },
 *   bytes: (bytes) => console.log(bytes.length),
 * };
 * decoder.push(Buffer.from('x {3}\r\nabc\r\n'), sink); // logs 3
 * ```
 */
export interface FrameSink {
  /** One complete line, without its delimiter. May call `decoder.readBytes(n)` to switch mode. */
  line(text: string): void;
  /** The `n` raw bytes asked for with `readBytes(n)`. */
  bytes?(bytes: Buffer): void;
}

const LF = 0x0a;
const CR = 13; // char code of '\r'

/**
 * Node's SIMD check that bytes are all ASCII (Node ≥ 18.15); `undefined` in a browser, whose
 * `buffer` package has none, and then every chunk is decoded as UTF-8, which is always right.
 */
const isAscii = (buffer as { isAscii?: (bytes: Uint8Array) => boolean }).isAscii;

/**
 * The pure framing core: bytes in, frames out. In line mode it cuts lines at a delimiter,
 * decoding text correctly even when a multi-byte UTF-8 character is split across chunks; in
 * byte mode (`readBytes(n)`, for IMAP literals or length-prefixed records) it hands over
 * exactly `n` raw bytes, then returns to line mode. Memory is bounded: a partial line never
 * holds more than `maxLength` bytes. Used by the `lines()` operator and by protocol framers.
 *
 * For speed it decodes each chunk's complete lines with one decode call and splits the text
 * (0x0A never occurs inside a multi-byte UTF-8 sequence, so cutting at the last LF is safe).
 *
 * @example
 * ```ts
 * import { FrameDecoder } from 'rxtls';
 * const decoder = new FrameDecoder();
 * const lines: string[] = [];
 * decoder.push(Buffer.from('a1 OK\r\nhal'), { line: (t) => lines.push(t) });
 * decoder.push(Buffer.from('f\n'), { line: (t) => lines.push(t) });
 * console.log(lines); // ['a1 OK', 'half']
 * ```
 */
export class FrameDecoder {
  private readonly delimiter: Buffer;
  private readonly newline: boolean;
  private readonly stripCR: boolean;
  private readonly encoding: LineEncoding;
  /** Longest line in bytes, without its delimiter. */
  readonly maxLength: number;
  /** Bytes of an incomplete line (line mode) or of an incomplete byte frame (byte mode). */
  private pending: Buffer[] = [];
  /** Bytes held, in `pending` or `heldText`. */
  private pendingLength = 0;
  /**
   * An incomplete line of whole characters, already decoded (pure ASCII, or any latin1/ascii
   * bytes), held as text instead of bytes: its line then costs no copy and no second decode.
   * Never set together with `pending`.
   */
  private heldText = '';
  /** Bytes still wanted in byte mode; 0 in line mode. */
  private wanted = 0;
  /** The size of the byte frame being read, for messages. */
  private frameLength = 0;
  /** Set when the sink switched to byte mode while a chunk was being cut into lines. */
  // Stryker disable next-line BooleanLiteral: push() clears it before any cutter reads it
  private switched = false;
  /** `readBytes(0)` was called: an empty byte frame is owed. */
  private emptyFrameDue = false;

  constructor(options: FrameDecoderOptions = {}) {
    const delimiter = options.delimiter ?? '\n';
    if (typeof delimiter !== 'string' || delimiter.length === 0)
      throw new InvalidOptionError('delimiter', delimiter, 'must be a non-empty string');
    const encoding = options.encoding ?? 'utf8';
    if (!['utf8', 'latin1', 'ascii'].includes(encoding))
      throw new InvalidOptionError('encoding', encoding, "must be 'utf8', 'latin1' or 'ascii'");
    const maxLength = options.maxLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 1)
      throw new InvalidOptionError('maxLength', maxLength, 'must be a positive integer (bytes)');
    // Node encodes a string as 'ascii' the way it does as 'latin1': one byte a character.
    this.delimiter = Buffer.from(delimiter, encoding);
    this.newline = delimiter === '\n';
    this.stripCR = this.newline && options.stripCR !== false;
    this.encoding = encoding;
    this.maxLength = maxLength;
  }

  /** Bytes held for an incomplete frame. Never more than `maxLength` in line mode. */
  get buffered(): number {
    return this.pendingLength;
  }

  /** Whether the decoder is in byte mode (waiting for the rest of a `readBytes(n)`). */
  get readingBytes(): boolean {
    return this.wanted > 0;
  }

  /**
   * Switches to byte mode: the next `n` bytes go to `sink.bytes` as one Buffer, then line mode
   * resumes. Call it from `sink.line` (the rest of the current chunk is then read as bytes) or
   * between pushes. `n = 0` delivers an empty Buffer at once. Throws a {@link FrameError}
   * (`ERR_RXTLS_FRAME_MISUSE`) while a byte frame is still being read or a line is half read.
   */
  readBytes(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new InvalidOptionError('readBytes', n, 'must be a non-negative integer');
    if (this.wanted > 0)
      throw new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        `cannot start a ${n}-byte frame: ${this.wanted} bytes of the current ${this.frameLength}-byte frame are still to come; ask for the next one once sink.bytes() received this one`,
      );
    if (this.pendingLength > 0)
      throw new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        `cannot start a ${n}-byte frame in the middle of a line (${this.pendingLength} bytes of it buffered); ask for it from sink.line(), right after the line that announces it`,
      );
    this.wanted = n;
    this.frameLength = n;
    this.emptyFrameDue = n === 0;
    this.switched = true;
  }

  /** Cuts `chunk` into frames, calling `sink` for each. Throws {@link LineTooLongError}, or a {@link FrameError} for a sink without `bytes()`. */
  push(chunk: Buffer, sink: FrameSink): void {
    let offset = 0;
    for (;;) {
      if (this.emptyFrameDue) {
        this.emptyFrameDue = false;
        this.deliverBytes(Buffer.alloc(0), sink);
        continue;
      }
      if (offset >= chunk.length) return;
      // Stryker disable next-line BooleanLiteral: left set, the cutters return after each line and this loop calls them again: the same frames
      this.switched = false;
      if (this.wanted > 0) offset = this.takeBytes(chunk, offset, sink);
      else offset = this.newline ? this.takeNewlineLines(chunk, offset, sink) : this.takeDelimitedLines(chunk, offset, sink);
    }
  }

  /**
   * Ends the input: returns the incomplete last line (decoded, `\r` stripped), or `undefined`
   * when there is none. Throws a {@link FrameError} (`ERR_RXTLS_FRAME_TRUNCATED`) when the
   * input ended in the middle of a byte frame (an announced literal).
   */
  end(): string | undefined {
    if (this.wanted > 0 || this.emptyFrameDue) {
      const missing = this.wanted;
      const length = this.frameLength;
      this.reset();
      throw new FrameError(
        'ERR_RXTLS_FRAME_TRUNCATED',
        `the stream ended ${missing} bytes short of a ${length}-byte literal it announced: the peer closed in the middle of it, so the incomplete literal is not delivered`,
      );
    }
    if (this.pendingLength === 0) return undefined;
    if (this.pending.length === 0) return this.finish(this.takeHeldText());
    const rest = this.takePending();
    return this.finish(rest.toString(this.encoding));
  }

  /** Drops whatever is buffered. */
  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
    this.heldText = '';
    this.wanted = 0;
    this.frameLength = 0;
    // Stryker disable next-line BooleanLiteral: push() clears it before any cutter reads it
    this.switched = false;
    this.emptyFrameDue = false;
  }

  private deliverBytes(frame: Buffer, sink: FrameSink): void {
    if (!sink.bytes)
      throw new FrameError(
        'ERR_RXTLS_FRAME_MISUSE',
        `a ${frame.length}-byte frame is ready but the sink has no bytes() handler: a FrameSink that asks for byte frames must have bytes(frame) to receive them`,
      );
    sink.bytes(frame);
  }

  private takeBytes(chunk: Buffer, offset: number, sink: FrameSink): number {
    // push() calls this only with bytes wanted and bytes left, so take >= 1.
    const take = Math.min(this.wanted, chunk.length - offset);
    this.pending.push(chunk.subarray(offset, offset + take));
    this.pendingLength += take;
    this.wanted -= take;
    if (this.wanted === 0) this.deliverBytes(this.takePending(), sink);
    return offset + take;
  }

  /**
   * Fast path for `'\n'`: one decode for all complete lines of the chunk, as latin1 when the
   * chunk is ASCII (the same text, decoded faster), then one `indexOf` and one slice a line.
   */
  private takeNewlineLines(chunk: Buffer, start: number, sink: FrameSink): number {
    const last = chunk.lastIndexOf(LF);
    if (last < start) return this.holdLine(chunk, start);
    // latin1 decodes ASCII bytes to the same text as utf8 does, without utf8's validation.
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,OptionalChaining: ASCII decodes the same in each LineEncoding, and isAscii exists on every Node rxtls supports
    const encoding = this.encoding === 'utf8' && isAscii?.(chunk) ? 'latin1' : this.encoding;
    let offset = start;
    let prefix = '';
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with nothing held, either branch below cuts the first line the same
    if (this.pendingLength > 0) {
      // Lines are measured in raw bytes: only held bytes and a region longer than maxLength together can hold a long one.
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: the other path measures and decodes the first line itself, delivering the same
      if (this.pending.length === 0 && this.pendingLength + last - start <= this.maxLength) {
        // Held text is whole characters: it simply starts the first line of the region.
        prefix = this.takeHeldText();
      } else {
        // Held bytes may end inside a UTF-8 character: decode them with the rest of their line.
        const lf = chunk.indexOf(LF, start);
        // The held bytes were measured when they were held: a line of only them needs no check.
        // Stryker disable next-line ArithmeticOperator: held bytes are followed by a chunk read from its start (start is 0)
        if (lf > start) this.checkLine(this.pendingLength + lf - start, chunk[lf - 1] === CR);
        const head =
          this.pending.length > 0 ? this.takeHeldBytes(chunk, start, lf) : this.takeHeldText() + chunk.toString(encoding, start, lf);
        sink.line(this.finish(head));
        offset = lf + 1;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: returning at a line boundary is safe: push() calls again from there
        if (this.switched || offset > last) return offset;
      }
    }
    const text = chunk.toString(encoding, offset, last);
    const stripCR = this.stripCR;
    let from = 0;
    if (prefix !== '') {
      const lf = text.indexOf('\n');
      // finish() strips a CR wherever it is: at the end of the held text, or of the text after it.
      sink.line(this.finish(prefix + (lf === -1 ? text : text.slice(0, lf))));
      if (lf === -1) return last + 1;
      from = lf + 1;
      // Stryker disable next-line ConditionalExpression: returning at a line boundary is safe: push() calls again from there
      if (this.switched) return this.byteOffset(chunk, offset, last, text, from);
    }
    // Lines are measured in raw bytes, each just before it is delivered (bytes after a literal's
    // announcement are the literal's, not a line); only a region longer than maxLength can hold a long one.
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: `true`, `>=`, `+` only measure more lines
    const measure = last - offset > this.maxLength;
    // As many UTF-16 units as bytes means one byte a unit (see byteOffset): a line's length is its size.
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: `false` measures each line's bytes instead, to the same sizes
    const oneToOne = text.length === last - offset;
    let byteFrom = offset;
    for (;;) {
      const lf = text.indexOf('\n', from);
      let end = lf === -1 ? text.length : lf;
      // The character before a line is the LF that ended the previous one, so an empty line has no CR to strip.
      if (stripCR && text.charCodeAt(end - 1) === CR) end -= 1;
      // Stryker disable next-line ConditionalExpression: `true` only measures more lines
      if (measure) {
        // Stryker disable next-line ConditionalExpression: measuring the bytes gives the same size
        if (oneToOne) this.checkLine(end - from, false);
        else byteFrom = this.measureBytes(chunk, byteFrom);
      }
      // One slice a line: this loop is the hot path of lines().
      // Stryker disable next-line ConditionalExpression: `false` slices the whole text, which gives the same string
      sink.line(from === 0 && end === text.length ? text : text.slice(from, end));
      if (lf === -1) break;
      from = lf + 1;
      // Stryker disable next-line ConditionalExpression: returning at a line boundary is safe: push() calls again from there
      if (this.switched) return this.byteOffset(chunk, offset, last, text, from);
    }
    // The rest, if any, is held (or read as bytes) in push()'s next round.
    return last + 1;
  }

  /**
   * Where the character at `from` of `text` (decoded from `chunk[offset, last)`) starts in the
   * chunk, for a sink that switched to byte mode mid-chunk; `from` follows an LF.
   */
  private byteOffset(chunk: Buffer, offset: number, last: number, text: string, from: number): number {
    // A UTF-8 character of several bytes decodes to fewer UTF-16 units, an invalid byte to one
    // U+FFFD: as many units as bytes means one byte a unit.
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: counting the LFs finds the same offset
    if (text.length === last - offset) return offset + from;
    // Otherwise count the LFs passed: each is one byte, and one '\n' of the text.
    let at = offset - 1;
    for (let seen = text.indexOf('\n'); seen !== -1 && seen < from; seen = text.indexOf('\n', seen + 1)) at = chunk.indexOf(LF, at + 1);
    return at + 1;
  }

  /** The held bytes and `chunk[start, end)` as the text of one line. */
  private takeHeldBytes(chunk: Buffer, start: number, end: number): string {
    this.pending.push(chunk.subarray(start, end));
    return this.takePending().toString(this.encoding);
  }

  private takeHeldText(): string {
    const text = this.heldText;
    this.heldText = '';
    this.pendingLength = 0;
    return text;
  }

  /** Holds the incomplete line at the end of `chunk`: as text when it is whole characters, else as bytes. */
  private holdLine(chunk: Buffer, offset: number): number {
    const rest = chunk.length - offset;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: `true`, `>=` hold nothing for 0 bytes: no frame changes
    if (rest > 0) {
      // A partial line may end in the CR of a CRLF still to come: allow that one byte.
      this.checkLine(this.pendingLength + rest, this.stripCR && chunk[chunk.length - 1] === CR);
      // Stryker disable next-line ConditionalExpression,BlockStatement: held as bytes, the line decodes to the same text later
      if (this.pending.length === 0) {
        // A fresh string: a slice of the chunk's text would pin the whole chunk's text in memory.
        const tail = chunk.toString(this.encoding, offset);
        // As many UTF-16 units as bytes and no U+FFFD: ASCII, which a later byte cannot change.
        // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral,BlockStatement: held as bytes, the line decodes to the same text later
        if (this.encoding !== 'utf8' || (tail.length === rest && !tail.includes('\uFFFD'))) {
          this.heldText += tail;
          this.pendingLength += rest;
          return chunk.length;
        }
        // Whole characters so far, which the held bytes continue.
        // Stryker disable next-line ConditionalExpression,StringLiteral: an empty part adds nothing, and held text here is ASCII, the same bytes in UTF-8
        if (this.heldText !== '') this.pending.push(Buffer.from(this.heldText, 'latin1'));
        this.heldText = '';
      }
      // Copy: holding a view would pin the whole chunk in memory.
      this.pending.push(Buffer.from(chunk.subarray(offset)));
      this.pendingLength += rest;
    }
    return chunk.length;
  }

  /** General path for any delimiter: byte-level search, one decode per line. */
  private takeDelimitedLines(chunk: Buffer, start: number, sink: FrameSink): number {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: `true`, `>=` join nothing held: a copy of the chunk, cut the same
    if (this.pendingLength > 0) {
      // The delimiter may straddle the boundary: search the held bytes joined with this chunk.
      const held = this.pendingLength;
      const buffer = Buffer.concat([...this.pending, chunk.subarray(start)]);
      this.pending = [];
      this.pendingLength = 0;
      // The held bytes contain no whole delimiter, so the first cut ends inside this chunk.
      return start + this.cutDelimited(buffer, 0, sink) - held;
    }
    return this.cutDelimited(chunk, start, sink);
  }

  private cutDelimited(buffer: Buffer, start: number, sink: FrameSink): number {
    let offset = start;
    for (;;) {
      const at = buffer.indexOf(this.delimiter, offset);
      if (at === -1) return this.hold(buffer, offset);
      // Stryker disable next-line BooleanLiteral: only a '\n' delimiter strips a CR, and it never comes here
      this.checkLine(at - offset, false);
      sink.line(buffer.toString(this.encoding, offset, at));
      offset = at + this.delimiter.length;
      // Stryker disable next-line ConditionalExpression: returning at a line boundary is safe: push() calls again from there
      if (this.switched) return offset;
    }
  }

  private hold(chunk: Buffer, offset: number): number {
    const rest = chunk.length - offset;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: `true`, `>=` hold an empty Buffer of 0 bytes: no frame changes
    if (rest > 0) {
      // Only a '\n' delimiter strips a CR, and it never comes here: no byte is allowed for one.
      // Stryker disable next-line BooleanLiteral: checkLine() looks at it only when stripping CRs
      this.checkLine(this.pendingLength + rest, false);
      // Copy: holding a view would pin the whole chunk in memory.
      this.pending.push(Buffer.from(chunk.subarray(offset)));
      this.pendingLength += rest;
    }
    return chunk.length;
  }

  private takePending(): Buffer {
    // Stryker disable next-line ConditionalExpression: concatenating one Buffer copies it; the bytes are the same
    const joined = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLength = 0;
    return joined;
  }

  private finish(line: string): string {
    return this.stripCR && line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
  }

  /** Fails when a line of `bytes` raw bytes (including a CR that will be stripped) is too long. */
  private checkLine(bytes: number, endsWithCR: boolean): void {
    const length = this.stripCR && endsWithCR ? bytes - 1 : bytes;
    if (length > this.maxLength) {
      this.reset();
      throw new LineTooLongError(this.maxLength, length);
    }
  }

  /** Measures the line of `chunk` that starts at `start` in raw bytes; returns where the next one starts. */
  private measureBytes(chunk: Buffer, start: number): number {
    // Only lines before the chunk's last LF are measured here, so there is always an LF to find.
    const end = chunk.indexOf(LF, start);
    // An empty line is 0 bytes whatever precedes it, so chunk[start - 1] may be read as its "CR".
    this.checkLine(end - start, chunk[end - 1] === CR);
    return end + 1;
  }
}
