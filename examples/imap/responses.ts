/**
 * IMAP responses (RFC 3501 §7) assembled from `lines({ literal })` events: a response whose
 * line ends in `{N}` continues, after N raw bytes, on the next line.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { match, P } from 'ts-pattern';
import type { TlsEvent } from '../../lib';

export type ImapStatus = 'OK' | 'NO' | 'BAD';

export type ImapResponse =
  | { readonly kind: 'untagged'; readonly text: string; readonly literals: readonly Buffer[] }
  | { readonly kind: 'continuation'; readonly text: string }
  | { readonly kind: 'tagged'; readonly tag: string; readonly status: ImapStatus; readonly text: string }
  | { readonly kind: 'closed' };

/** For `lines({ literal })`: the size of the literal a response line announces, if it does. */
export function imapLiteral(text: string): number | undefined {
  const announced = /\{(\d+)\}$/.exec(text);
  return announced ? Number(announced[1]) : undefined;
}

/** `line` events (with their literals) → whole IMAP responses; `closed` → `{ kind: 'closed' }`. */
export function imapResponses(): OperatorFunction<TlsEvent, ImapResponse> {
  return (source) =>
    new Observable<ImapResponse>((subscriber) => {
      let text = '';
      let literals: Buffer[] = [];
      return source.subscribe({
        next(event) {
          if (event.type === 'closed') return subscriber.next({ kind: 'closed' });
          if (event.type !== 'line') return;
          text += event.text;
          if (event.literal) {
            literals.push(event.literal);
            return; // the response goes on after the literal
          }
          const whole = text;
          const parts = literals;
          text = '';
          literals = [];
          subscriber.next(classify(whole, parts));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

function classify(text: string, literals: readonly Buffer[]): ImapResponse {
  return match(/^(\S+)(?: (.*))?$/.exec(text)?.slice(1) ?? ['', ''])
    .with(['*', P._], ([, rest]) => ({ kind: 'untagged' as const, text: rest ?? '', literals }))
    .with(['+', P._], ([, rest]) => ({ kind: 'continuation' as const, text: rest ?? '' }))
    .otherwise(([tag, rest = '']) => {
      const status = /^(OK|NO|BAD)\b ?(.*)$/i.exec(rest);
      // A tagged line without a status is a protocol violation; BAD says so honestly.
      return status
        ? { kind: 'tagged' as const, tag: tag ?? '', status: (status[1] ?? 'BAD').toUpperCase() as ImapStatus, text: status[2] ?? '' }
        : { kind: 'tagged' as const, tag: tag ?? '', status: 'BAD' as const, text: `malformed response: ${text}` };
    });
}
