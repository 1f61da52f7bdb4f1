import { Observable } from 'rxjs';
import { TransportError } from '../errors';
import type { LineEvent, StartTlsEvent } from '../events';
import type { Dialogue } from '../operators/converse';
import { line, startTls, type Outbound } from '../outbound';

/** Protocols whose STARTTLS the command knows. */
export type StartTlsProtocol = 'smtp' | 'imap' | 'pop3' | 'ftp';

/** One step: the reply awaited (matched on the last line of a reply) and what to send then. */
interface Step {
  readonly expect: RegExp;
  readonly then: Outbound;
}

const STEPS: Record<StartTlsProtocol, readonly Step[]> = {
  // RFC 3207: greeting, EHLO, STARTTLS, 220
  smtp: [
    { expect: /^220 /, then: line('EHLO rxtls') },
    { expect: /^250 /, then: line('STARTTLS') },
    { expect: /^220 /, then: startTls() },
  ],
  // RFC 3501 §6.2.1
  imap: [
    { expect: /^\* (OK|PREAUTH)/i, then: line('s1 STARTTLS') },
    { expect: /^s1 OK/i, then: startTls() },
  ],
  // RFC 2595 §4
  pop3: [
    { expect: /^\+OK/, then: line('STLS') },
    { expect: /^\+OK/, then: startTls() },
  ],
  // RFC 4217 §4
  ftp: [
    { expect: /^220 /, then: line('AUTH TLS') },
    { expect: /^234 /, then: startTls() },
  ],
};

/** The protocols `--starttls` accepts, in the order the help lists them. */
export const STARTTLS_PROTOCOLS = Object.keys(STEPS) as readonly StartTlsProtocol[];

/** Whether `name` is a protocol `--starttls` accepts. */
export function isStartTlsProtocol(name: string): name is StartTlsProtocol {
  return (STARTTLS_PROTOCOLS as readonly string[]).includes(name);
}

/**
 * The plaintext part of a protocol, up to and including `startTls()`: it answers each expected
 * reply with the next command, fails on anything else, and completes once the upgrade began.
 */
export function starttlsPreamble(protocol: StartTlsProtocol, target: { host: string; port: number }): Dialogue<StartTlsEvent | LineEvent> {
  const steps = STEPS[protocol];
  return (events$) =>
    new Observable<Outbound>((out) => {
      let at = 0;
      return events$.subscribe((event) => {
        if (event.type !== 'line' || at >= steps.length) return;
        if (/^\d{3}-/.test(event.text)) return; // more lines of a multi-line reply follow
        const step = steps[at] as Step;
        if (!step.expect.test(event.text))
          return out.error(
            new TransportError(
              'ERR_RXTLS_STARTTLS_REFUSED',
              target.host,
              target.port,
              `${protocol} STARTTLS: unexpected reply "${event.text}"`,
            ),
          );
        at += 1;
        out.next(step.then);
        if (at === steps.length) out.complete();
      });
    });
}
