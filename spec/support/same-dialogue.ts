import { filter, map } from 'rxjs';
import { end, line, type Dialogue, type LineEvent, type WebSocketEvent } from '../../lib';

/**
 * The scenario of spec/websocket/same-dialogue.spec.ts (and of the runtime smoke's gateway row):
 * a small IMAP-like exchange, the server's side a pure function of each line it hears.
 */
export const GREETING = '* OK [CAPABILITY IMAP4rev1] ready';

/** What the server answers to one line. */
export function respond(text: string): string[] {
  const [tag, command] = text.split(' ');
  if (command === 'CAPABILITY') return ['* CAPABILITY IMAP4rev1 LITERAL+ — ünïcode', `${tag} OK CAPABILITY completed`];
  if (command === 'LOGOUT') return ['* BYE logging out', `${tag} OK LOGOUT completed`];
  return [`${tag ?? '*'} BAD unknown command`];
}

/** The client's dialogue, written once: greeting → CAPABILITY → LOGOUT → end. */
export const client: Dialogue<WebSocketEvent | LineEvent> = (events$) =>
  events$.pipe(
    filter((e) => e.type === 'line'),
    map((e) => {
      if (e.text === GREETING) return line('a1 CAPABILITY');
      if (e.text.startsWith('a1 OK')) return line('a2 LOGOUT');
      if (e.text.startsWith('a2 OK')) return end();
      return undefined;
    }),
    filter((out) => out !== undefined),
  );

/** The lines the client hears, over any transport. */
export const EXPECTED = [
  GREETING,
  '* CAPABILITY IMAP4rev1 LITERAL+ — ünïcode',
  'a1 OK CAPABILITY completed',
  '* BYE logging out',
  'a2 OK LOGOUT completed',
];
