import { lines, connect, type ConnectOptions } from '../../lib';

/** What one connection made of its session: resumed or not, the server's first line if waited for, and the ticket to come back with. */
export interface Visit {
  readonly resumed: boolean;
  readonly greeting: string | undefined;
  readonly ticket: Buffer | undefined;
}

/**
 * One connection, held open until it is `connected` (or has the server's first line, with
 * `greeting`) and the server's session ticket came — TLS 1.3 sends it after the handshake, so
 * a connection closed at once would never get it — or a second (a resumed one: 200 ms) passed
 * without one, or the server ended the connection.
 */
export function visit(options: ConnectOptions, { greeting = false } = {}): Promise<Visit> {
  return new Promise((resolve, reject) => {
    let resumed = false;
    let line: string | undefined;
    let ticket: () => Buffer | undefined = () => undefined;
    let poll: NodeJS.Timeout | undefined;
    const done = () => {
      clearInterval(poll);
      subscription.unsubscribe();
      resolve({ resumed, greeting: line, ticket: ticket() });
    };
    const subscription = connect(options)
      .pipe(lines())
      .subscribe({
        next: (e) => {
          if (e.type === 'connected') {
            resumed = e.session.resumed;
            ticket = () => e.session.ticket();
          }
          if (e.type === 'line') line ??= e.text;
          if (poll !== undefined || (greeting ? line === undefined : e.type !== 'connected')) return;
          const since = Date.now();
          poll = setInterval(() => {
            // A resumed session may get no new ticket: its old one still resumes.
            if (ticket() !== undefined || Date.now() - since >= (resumed ? 200 : 1000)) done();
          }, 10);
        },
        error: reject,
        // A server that ends the connection after its greeting: its ticket came before its end, or never.
        complete: () => (poll === undefined ? reject(new Error('the connection ended before it was connected')) : done()),
      });
  });
}
