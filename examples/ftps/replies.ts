/**
 * FTP's reply syntax (RFC 959 §4.2), pure: replies from lines, multi-line replies included, and
 * the addresses of `PASV`/`EPSV` replies and `PORT`/`EPRT` commands.
 */
import { concatMap, defer, type OperatorFunction } from 'rxjs';
import type { StartTlsEvent, TlsEvent } from '../../lib';

/** One reply: its three-digit code and its lines (the first without `NNN-`/`NNN `). */
export interface FtpReply {
  readonly code: number;
  /** The text of every line, joined with `\n`; the code is cut from the first and the last. */
  readonly text: string;
}

/** What the control connection carries, for the dialogue: replies, and the events around them. */
export type ControlInput =
  | { readonly kind: 'reply'; readonly reply: FtpReply }
  | { readonly kind: 'connected'; readonly event: Extract<TlsEvent, { type: 'connected' }> }
  | { readonly kind: 'closed' };

/** Why a reply could not be read. */
export class FtpSyntaxError extends Error {
  override readonly name = 'FtpSyntaxError';
}

/**
 * Lines to replies. `123-first` opens a multi-line reply that only `123 last` (the same code and
 * a space) closes; lines between are part of it whatever they look like. Plaintext and TLS
 * `connected`/`closed` events pass through, so a dialogue sees them in order.
 */
export function ftpReplies(): OperatorFunction<StartTlsEvent | TlsEvent, ControlInput> {
  return (source) =>
    defer(() => {
      let open: { code: string; lines: string[] } | undefined; // per subscription
      return source.pipe(
        concatMap((event): ControlInput[] => {
          if (event.type === 'connected') return [{ kind: 'connected', event }];
          if (event.type === 'closed') return [{ kind: 'closed' }];
          if (event.type !== 'line') return [];
          const text = event.text;
          if (open) {
            if (text.startsWith(`${open.code} `) || text === open.code) {
              const reply = { code: Number(open.code), text: [...open.lines, text.slice(4)].join('\n') };
              open = undefined;
              return [{ kind: 'reply', reply }];
            }
            open.lines.push(text);
            return [];
          }
          const start = /^(\d{3})([ -]?)(.*)$/.exec(text);
          if (!start) throw new FtpSyntaxError(`not an FTP reply: ${JSON.stringify(text.slice(0, 80))}`);
          const [, code = '', separator, rest = ''] = start;
          if (separator === '-') {
            open = { code, lines: [rest] };
            return [];
          }
          return [{ kind: 'reply', reply: { code: Number(code), text: rest } }];
        }),
      );
    });
}

/** The port of an `EPSV` reply: `229 Entering Extended Passive Mode (|||40001|)` (RFC 2428). */
export function parseEpsv(reply: FtpReply): number {
  const match = /\((.)\1\1(\d{1,5})\1\)/.exec(reply.text);
  const port = match ? Number(match[2]) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new FtpSyntaxError(`no port in the EPSV reply: ${reply.code} ${reply.text}`);
  return port;
}

/** The address of a `PASV` reply: `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`. */
export function parsePasv(reply: FtpReply): { readonly host: string; readonly port: number } {
  const match = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(reply.text);
  const numbers = match ? match.slice(1).map(Number) : [];
  if (numbers.length !== 6 || numbers.some((n) => n > 255))
    throw new FtpSyntaxError(`no address in the PASV reply: ${reply.code} ${reply.text}`);
  const [h1, h2, h3, h4, p1 = 0, p2 = 0] = numbers;
  const port = p1 * 256 + p2;
  if (port === 0) throw new FtpSyntaxError(`port 0 in the PASV reply: ${reply.code} ${reply.text}`);
  return { host: `${h1}.${h2}.${h3}.${h4}`, port };
}

/** `EPRT |1|127.0.0.1|40001|` (or `|2|` for IPv6). */
export function eprtCommand(host: string, port: number): string {
  return `EPRT |${host.includes(':') ? 2 : 1}|${host}|${port}|`;
}

/** `PORT 127,0,0,1,156,65` (IPv4 only). */
export function portCommand(host: string, port: number): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) throw new FtpSyntaxError(`PORT needs an IPv4 address, got ${host}`);
  return `PORT ${host.split('.').join(',')},${Math.floor(port / 256)},${port % 256}`;
}

/** One entry of a Unix-style `LIST` line, as vsftpd sends it (vsftpd has no `MLSD`). */
export interface ListEntry {
  readonly name: string;
  readonly kind: 'file' | 'directory' | 'link' | 'other';
  readonly size: number;
  readonly permissions: string;
}

/** Parses `-rw-r--r--    1 104      65534        1000 Dec 02 03:16 name with spaces`. */
export function parseListLine(text: string): ListEntry | undefined {
  const match = /^([-dlcbps])([-rwxsStT]{9})\S*\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\w{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})\s(.+)$/.exec(text);
  if (!match) return undefined;
  const [, type, permissions = '', size = '0', name = ''] = match;
  const kind = type === '-' ? 'file' : type === 'd' ? 'directory' : type === 'l' ? 'link' : 'other';
  return { name: kind === 'link' ? name.replace(/ -> .*$/, '') : name, kind, size: Number(size), permissions };
}
