import { Observable } from 'rxjs';
import { InvalidOptionError } from '../errors';
import type { DataEvent, FrameEvent, PlaintextWriter, TransportEvent } from '../events';
import type { FrameCodec, FrameEmit } from '../framing/frame-codec';
import { booleanOption } from '../util/option-checks';

/** Thrown inside the decoder's loop to stop it when STARTTLS began mid-chunk; never escapes. */
class UpgradeCut extends Error {}
// Stryker disable next-line StringLiteral: the message is never seen; the error is only compared by identity
const UPGRADE_CUT = new UpgradeCut('plaintext after STARTTLS is discarded');

/**
 * Options of {@link frames}.
 *
 * @example
 * ```ts
 * import { frames, lengthField, type FramesOptions } from 'rxtls';
 * const options: FramesOptions = { keepData: true };
 * frames(lengthField(), options);
 * ```
 */
export interface FramesOptions {
  /**
   * Pass each `data` event on, just before the frames cut from it, instead of consuming it.
   * Default `false`: `data` in, `frame` out (as `lines({ keepData })`).
   */
  readonly keepData?: boolean;
}

/**
 * Cuts `data` into `frame` events with a codec; every other event passes through, in order.
 * The codec says where frames end — {@link lengthField} (a length header, fixed-size or varint),
 * {@link fixedLength}, {@link delimited} (any byte sequence), {@link switching} (one framing,
 * then another), or your own {@link FrameCodec} — and each subscription gets a fresh decoder.
 *
 * Bounded as `lines()` is: a frame longer than the codec's `maxFrameLength` (default 1 MiB) fails
 * the stream with {@link FrameTooLongError}, which tears the connection down — for a length
 * field as soon as its header is read, so a peer that announces 4 GiB costs nothing. A stream
 * that ends inside a frame fails with `ERR_RXTLS_FRAME_TRUNCATED` instead of `closed`: an
 * incomplete frame is never delivered. Failing, rather than skipping the bad frame as Netty's
 * decoders can, is deliberate: after a length that cannot be trusted there is no telling where
 * the next frame starts, and guessing would read attacker-chosen bytes as protocol.
 *
 * A new TLS layer (`connected` after STARTTLS) resets the decoder, and once a STARTTLS upgrade
 * began no plaintext frame is delivered, as with `lines()`.
 *
 * Informally: `data(<00 02 'h'>) data(<'i' 00 00>) closed` → `frame('hi') frame('') closed`
 * with `lengthField({ lengthSize: 2 })`.
 *
 * @param codec - The framing.
 * @param options - `keepData`.
 * @returns An operator that cuts `data` into `frame` events.
 * @example
 * ```ts
 * import { connect, converse, frames, lengthField, lengthPrefixed } from 'rxtls';
 * import { filter, map, take } from 'rxjs';
 *
 * // Send one length-prefixed request, read one length-prefixed answer.
 * connect({ host: 'service.example.com', port: 7000 })
 *   .pipe(
 *     frames(lengthField({ lengthSize: 4, maxFrameLength: 64 * 1024 })),
 *     converse((events$) =>
 *       events$.pipe(
 *         filter((e) => e.type === 'connected' || e.type === 'frame'),
 *         take(2),
 *         map((e) => (e.type === 'connected' ? lengthPrefixed(Buffer.from('PING')) : lengthPrefixed(Buffer.from('BYE')))),
 *       ),
 *     ),
 *   )
 *   .subscribe((e) => e.type === 'frame' && console.log(e.bytes.toString()));
 * ```
 * @see {@link lines} for text.
 * @see {@link lengthPrefixed} for the write side.
 */
export function frames(
  codec: FrameCodec,
  options?: FramesOptions & { readonly keepData?: false },
): <E extends TransportEvent>(source: Observable<E>) => Observable<Exclude<E, DataEvent> | FrameEvent>;
export function frames(
  codec: FrameCodec,
  options: FramesOptions,
): <E extends TransportEvent>(source: Observable<E>) => Observable<E | FrameEvent>;
export function frames(
  codec: FrameCodec,
  options: FramesOptions = {},
): <E extends TransportEvent>(source: Observable<E>) => Observable<E | FrameEvent> {
  if (typeof codec?.decoder !== 'function') throw new InvalidOptionError('codec', codec, 'must be a FrameCodec (an object with decoder())');
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'must be an object');
  const keepData = booleanOption(options, 'keepData', false);
  return <E extends TransportEvent>(source: Observable<E>) =>
    new Observable<E | FrameEvent>((subscriber) => {
      let decoder = codec.decoder();
      // On a STARTTLS connection, the plaintext writer: once it is upgrading, no plaintext frame
      // may be delivered, not even the rest of the chunk that held the go-ahead (CVE-2011-0411).
      let plain: PlaintextWriter | undefined;
      const emit: FrameEmit = (bytes) => {
        // Stryker disable next-line BooleanLiteral: reached only by a codec that ignored the false before, and would ignore this one
        if (subscriber.closed) return false;
        if (plain !== undefined && plain.upgrading) throw UPGRADE_CUT;
        subscriber.next({ type: 'frame', bytes });
        return !subscriber.closed;
      };
      const flush = () => {
        try {
          decoder.end(emit);
        } catch (error) {
          // the stream ended inside a frame: what arrived is not a whole frame
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
              decoder.push(event.bytes, emit);
            } catch (error) {
              if (error === UPGRADE_CUT) decoder = codec.decoder();
              else subscriber.error(error);
            }
            return;
          }
          if (event.type === 'plaintext') plain = event.writer;
          if (event.type === 'connected') {
            // A new TLS layer: nothing received before it may be framed with what follows.
            plain = undefined;
            decoder = codec.decoder();
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
