/**
 * A tiny SMTP-like server dialogue that offers STARTTLS (RFC 3207): enough of SMTP for a client
 * — ours, or `openssl s_client -starttls smtp` — to say EHLO, upgrade, say EHLO again and QUIT.
 * Before the upgrade it accepts only EHLO/HELO, STARTTLS and QUIT.
 */
import { Observable } from 'rxjs';
import { match, P } from 'ts-pattern';
import { end, line, startTls, type Dialogue, type Outbound, type StartTlsEvent, type LineEvent } from '../../lib';

export const SMTP_HOST = 'smtp.rxtls.test';

export const smtpServer: Dialogue<StartTlsEvent | LineEvent> = (events$) =>
  new Observable<Outbound>((out) => {
    let secure = false;
    return events$.subscribe((event) =>
      match(event)
        .with({ type: 'plaintext' }, () => out.next(line(`220 ${SMTP_HOST} ESMTP rxtls`)))
        .with({ type: 'connected' }, () => (secure = true))
        .with({ type: 'line' }, ({ text }) => {
          const verb = text.split(' ')[0]?.toUpperCase() ?? '';
          match({ verb, secure })
            .with({ verb: P.union('EHLO', 'HELO') }, () => {
              if (secure) out.next(line(`250 ${SMTP_HOST} at your service, securely`));
              else {
                out.next(line(`250-${SMTP_HOST}`));
                out.next(line('250 STARTTLS'));
              }
            })
            .with({ verb: 'STARTTLS', secure: false }, () => {
              out.next(line('220 2.0.0 Ready to start TLS'));
              out.next(startTls());
            })
            .with({ verb: 'QUIT' }, () => {
              out.next(line('221 2.0.0 Bye'));
              out.next(end());
              out.complete();
            })
            .with({ secure: false }, () => out.next(line('530 5.7.0 Must issue a STARTTLS command first')))
            .otherwise(() => out.next(line('250 OK')));
        })
        .with({ type: P.union('data', 'certFailed', 'closed') }, () => undefined)
        .exhaustive(),
    );
  });
