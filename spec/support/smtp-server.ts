import { EMPTY, mergeMap, tap, type Subscription } from 'rxjs';
import { converse, lines, listenStartTls, type ServerCredentials } from '../../lib';
import { smtpServer } from '../../examples/smtp/server';

/**
 * Starts the SMTP-like STARTTLS server example on an ephemeral port and resolves with the port.
 * Its subscription goes into `subscriptions` for the spec to stop; `heard`, when given,
 * collects every line the server's dialogue sees.
 */
export function startSmtpServer(credentials: ServerCredentials, subscriptions: Subscription[], heard?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    subscriptions.push(
      listenStartTls({ credentials })
        .pipe(
          mergeMap((e) => {
            if (e.type === 'listening') resolve(e.port);
            if (e.type === 'connection') {
              e.events
                .pipe(
                  lines(),
                  tap((x) => x.type === 'line' && heard?.push(x.text)),
                  converse(smtpServer),
                )
                .subscribe({ error: () => undefined });
            }
            return EMPTY;
          }),
        )
        .subscribe({ error: reject }),
    );
  });
}
