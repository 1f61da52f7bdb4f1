/**
 * Which protocol a port speaks when it answers in plaintext, read from its first line, and
 * whether its capabilities offer STARTTLS: the pure part of `rxtls doctor`'s plaintext probe.
 * @module
 */
import type { PlaintextProtocol } from './doctor-findings';

/** What to send to learn whether a protocol offers STARTTLS, and how its answer says so (RFC 3501, 3207, 2595, 4217). */
export const CAPABILITY_QUERIES: Readonly<Record<Exclude<PlaintextProtocol, 'http'>, { readonly ask: string; readonly offers: RegExp }>> = {
  imap: { ask: 'd1 CAPABILITY', offers: /\bSTARTTLS\b/i },
  smtp: { ask: 'EHLO rxtls-doctor', offers: /^250[ -]STARTTLS\b/im },
  pop3: { ask: 'CAPA', offers: /^STLS\b/im },
  ftp: { ask: 'FEAT', offers: /^\s*AUTH\b.*\bTLS\b/im },
};

/**
 * The protocol of a plaintext greeting (or of the reply to an HTTP request), from its first
 * line: IMAP `* OK`, POP3 `+OK`, an HTTP status line; `220` is SMTP when it says so (ESMTP,
 * SMTP, mail) and FTP otherwise.
 *
 * @param firstLine The first line the port sent.
 * @returns The protocol, or `undefined` for none of those.
 *
 * @example
 * ```ts
 * import { protocolOfGreeting } from './plaintext-greeting';
 * protocolOfGreeting('* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.'); // 'imap'
 * ```
 */
export function protocolOfGreeting(firstLine: string): PlaintextProtocol | undefined {
  if (/^\* (OK|PREAUTH|BYE)\b/i.test(firstLine)) return 'imap';
  if (/^\+OK\b/.test(firstLine)) return 'pop3';
  if (/^HTTP\/\d(\.\d)? \d{3}\b/.test(firstLine)) return 'http';
  if (/^220[ -]/.test(firstLine)) return /\b(E?SMTP|mail|postfix|exim|sendmail)\b/i.test(firstLine) ? 'smtp' : 'ftp';
  return undefined;
}

/**
 * Whether a protocol offers STARTTLS, from its greeting and its answer to {@link CAPABILITY_QUERIES}.
 *
 * @example
 * ```ts
 * import { offersStartTls } from './plaintext-greeting';
 * offersStartTls('smtp', '220 mx ESMTP\r\n250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n'); // true
 * ```
 */
export function offersStartTls(protocol: PlaintextProtocol, text: string): boolean {
  return protocol !== 'http' && CAPABILITY_QUERIES[protocol].offers.test(text);
}

/** A line shown in a diagnosis: printable ASCII, at most 80 characters. */
export function shortened(line: string): string {
  const printable = line.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}
