import { Observable } from 'rxjs';
import type { LineEvent, PlaintextWriter, TransportEvent } from '../events';
import { DEFAULT_MAX_LITERAL_LENGTH } from '../defaults';
import { InvalidOptionError } from '../errors';
import { FrameDecoder, type FrameDecoderOptions } from '../framing/frame-decoder';
import { LiteralTooLongError } from '../framing/frame-errors';

/**
 * Thrown inside the decoder's loop to stop it mid-chunk — when STARTTLS began, or the consumer
 * left — and drop the rest of the chunk; never escapes.
 */
class ChunkCut extends Error {}
// Stryker disable next-line StringLiteral: the message is never seen; the error is only compared by identity
const CUT = new ChunkCut('the rest of the chunk is dropped');

/**
 * Options of {@link lines}.
 *
 * @example
 * ```ts
 * import { lines, type LinesOptions } from 'rxtls';
 * const announced = (text: string) => /\{(\d+)\}$/.exec(text)?.[1];
 * const imap: LinesOptions = { maxLength: 8192, literal: (text) => (announced(text) === undefined ? undefined : Number(announced(text))) };
 * lines(imap);
 * ```
 */
export interface LinesOptions extends FrameDecoderOptions {
  /** What to do with an unterminated last line when the stream ends: `'emit'` it (default) or `'drop'` it. */
  readonly partial?: 'emit' | 'drop';
  /**
   * Recognises a line that announces a literal: return its size in bytes, or `undefined`. The
   * next that many bytes are read raw — CRLF and all — and delivered as the line's `literal`.
   * For IMAP: `(text) => /\{(\d+)\}$/.exec(text)?.[1]` (as a number).
   */
  readonly literal?: (text: string) => number | undefined;
  /** Largest literal accepted, in bytes, before {@link LiteralTooLongError}. Default 16 MiB. */
  readonly maxLiteralLength?: number;
  /**
   * Pass each `data` event on, just before the lines framed from it, instead of consuming it.
   * Default `false`: `data` in, `line` out. For when a consumer after `lines()` needs the raw
   * bytes too — a dialogue that hashes or logs what it answers, a `serve()` dialogue — see
   * {@link lines}.
   */
  readonly keepData?: boolean;
}

/**
 * Frames `data` into `line` events; every other event passes through, in order. Splits on
 * `\n` (stripping a `\r` before it) or on a custom `delimiter`, decodes UTF-8 (or latin1/ascii)
 * correctly across chunk and TLS-record boundaries, and delivers an unterminated last line
 * before `closed`. A line longer than `maxLength` bytes (default 64 KiB) fails the stream with
 * {@link LineTooLongError}, which tears the connection down: a peer that sends a gigabyte
 * without a newline costs at most `maxLength` bytes of buffer.
 *
 * Informally: `data("a\r\nb") data("c\n") closed` → `line("a") line("bc") closed`.
 *
 * With `literal`, a line that announces N raw bytes (IMAP's `{N}`) switches the decoder to byte
 * mode: the N bytes, CRLF and all, arrive as that line's `literal`, then line mode resumes.
 *
 * Raw bytes and lines together: for a side effect on the raw traffic — logging it, hashing it —
 * `tap` before `lines()` is enough: `tap((e) => e.type === 'data' && hash.update(e.bytes))`.
 * `keepData: true` is for when the bytes must reach something after `lines()`, which a `tap`
 * cannot serve: a dialogue that needs them in its own `events$`, or `serve()`, which builds the
 * pipeline itself so that nothing can be put before its `lines()`. Each `data` event then comes
 * just before the lines framed from it, so when a line arrives, every byte up to its end has
 * been seen; consumers that handle both must not count the same bytes twice.
 *
 * Failing the stream is the choice of Akka Streams' `Framing.delimiter` and fs2; Netty's
 * `LineBasedFrameDecoder` instead discards the long line and keeps the channel open. For a
 * line protocol a line that long is a broken or hostile peer, and resynchronising on the next
 * newline would interpret attacker-chosen bytes as commands, so rxtls fails.
 *
 * @param options - Framing (`delimiter`, `encoding`, `maxLength`), `partial`, `literal`, `keepData`.
 * @returns An operator that frames `data` into `line` events.
 * @example
 * ```ts
 * import { connect, lines } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 })
 *   .pipe(lines({ maxLength: 8192 }))
 *   .subscribe((e) => e.type === 'line' && console.log(e.text));
 * ```
 * @example
 * ```ts
 * import { createHash } from 'node:crypto';
 * import { mergeMap } from 'rxjs';
 * import { line, serve } from 'rxtls';
 *
 * // Answer QUIT with the SHA-256 of every byte the client sent, exactly as it sent them.
 * serve({ port: 7000, credentials: { cert, key }, lines: { keepData: true } }, (events$) => {
 *   const hash = createHash('sha256');
 *   return events$.pipe(
 *     mergeMap((e) => {
 *       if (e.type === 'data') hash.update(e.bytes);
 *       return e.type === 'line' && e.text === 'QUIT' ? [line(hash.digest('hex'))] : [];
 *     }),
 *   );
 * }).subscribe();
 * ```
 * @see {@link FrameDecoder}
 */
export function lines(options: LinesOptions = {}): <E extends TransportEvent>(source: Observable<E>) => Observable<E | LineEvent> {
  const emitPartial = options.partial !== 'drop';
  const { literal, keepData = false } = options;
  const maxLiteralLength = options.maxLiteralLength ?? DEFAULT_MAX_LITERAL_LENGTH;
  // Check the options once, when the pipeline is built.
  new FrameDecoder(options);
  if (literal !== undefined && typeof literal !== 'function')
    throw new InvalidOptionError('literal', literal, 'must be a function (text) => number | undefined');
  if (!Number.isInteger(maxLiteralLength) || maxLiteralLength < 0)
    throw new InvalidOptionError('maxLiteralLength', maxLiteralLength, 'must be a non-negative integer (bytes)');
  if (typeof keepData !== 'boolean') throw new InvalidOptionError('keepData', keepData, 'must be true or false');
  return <E extends TransportEvent>(source: Observable<E>) =>
    new Observable<E | LineEvent>((subscriber) => {
      const decoder = new FrameDecoder(options);
      let announcing: string | undefined;
      // On a STARTTLS connection, the plaintext writer: once it is upgrading, no plaintext line may
      // be delivered, not even the rest of the chunk that held the go-ahead (CVE-2011-0411).
      let plain: PlaintextWriter | undefined;
      const emit = (text: string) => {
        if (plain !== undefined && plain.upgrading) throw CUT;
        subscriber.next({ type: 'line', text });
        // A consumer that left (take(1)) gets no more work done for it: the rest of the chunk is dropped.
        if (subscriber.closed) throw CUT;
      };
      const sink = literal
        ? {
            line: (text: string) => {
              const size = literal(text);
              if (size === undefined) return emit(text);
              if (!Number.isInteger(size) || size < 0)
                throw new InvalidOptionError('literal', size, `returned an invalid size for the line ${JSON.stringify(text.slice(0, 80))}`);
              if (size > maxLiteralLength) throw new LiteralTooLongError(maxLiteralLength, size);
              announcing = text;
              decoder.readBytes(size);
            },
            bytes: (bytes: Buffer) => {
              if (plain !== undefined && plain.upgrading) throw CUT;
              // Stryker disable next-line StringLiteral: bytes only follow the literal line that set `announcing`
              subscriber.next({ type: 'line', text: announcing ?? '', literal: bytes });
              if (subscriber.closed) throw CUT;
            },
          }
        : { line: emit };
      const flush = () => {
        try {
          const rest = decoder.end();
          if (rest !== undefined && emitPartial) subscriber.next({ type: 'line', text: rest });
        } catch (error) {
          // the stream ended inside an announced literal: what arrived is not a whole frame
          subscriber.error(error);
        }
      };
      return source.subscribe({
        next(event) {
          // A synchronous source may go on after the consumer left, before its teardown is known.
          if (subscriber.closed) return;
          if (event.type === 'data') {
            if (keepData) subscriber.next(event);
            try {
              decoder.push(event.bytes, sink);
            } catch (error) {
              // Stryker disable next-line CallExpression: the decoder hands a frame over only after taking it out of its buffer, so the cut leaves it empty; this is defence
              if (error === CUT) decoder.reset();
              else subscriber.error(error);
            }
            return;
          }
          if (event.type === 'plaintext') plain = event.writer;
          if (event.type === 'connected') {
            // A new TLS layer: nothing received before it may be framed with what follows.
            plain = undefined;
            decoder.reset();
          }
          if (event.type === 'closed') flush();
          if (!subscriber.closed) subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          flush();
          if (!subscriber.closed) subscriber.complete();
        },
      });
    });
}
