import { Observable, type OperatorFunction } from 'rxjs';
import type { TlsEvent } from '../events';
import { FrameDecoder, type FrameDecoderOptions } from '../framing/frame-decoder';

/** Options of {@link lines}. */
export interface LinesOptions extends FrameDecoderOptions {
  /** What to do with an unterminated last line when the stream ends: `'emit'` it (default) or `'drop'` it. */
  readonly partial?: 'emit' | 'drop';
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
 * Failing the stream is the choice of Akka Streams' `Framing.delimiter` and fs2; Netty's
 * `LineBasedFrameDecoder` instead discards the long line and keeps the channel open. For a
 * line protocol a line that long is a broken or hostile peer, and resynchronising on the next
 * newline would interpret attacker-chosen bytes as commands, so rxtls fails.
 *
 * @example
 * ```ts
 * import { connect, lines } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 })
 *   .pipe(lines({ maxLength: 8192 }))
 *   .subscribe((e) => e.type === 'line' && console.log(e.text));
 * ```
 * @see FrameDecoder
 */
export function lines(options: LinesOptions = {}): OperatorFunction<TlsEvent, TlsEvent> {
  const emitPartial = options.partial !== 'drop';
  // Check the options once, when the pipeline is built.
  void new FrameDecoder(options);
  return (source) =>
    new Observable<TlsEvent>((subscriber) => {
      const decoder = new FrameDecoder(options);
      const sink = { line: (text: string) => subscriber.next({ type: 'line', text }) };
      const flush = () => {
        const rest = decoder.end();
        if (rest !== undefined && emitPartial) subscriber.next({ type: 'line', text: rest });
      };
      return source.subscribe({
        next(event) {
          if (event.type === 'data') {
            try {
              decoder.push(event.bytes, sink);
            } catch (error) {
              subscriber.error(error);
            }
            return;
          }
          if (event.type === 'closed') flush();
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          flush();
          subscriber.complete();
        },
      });
    });
}
