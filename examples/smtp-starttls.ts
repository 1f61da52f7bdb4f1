/**
 * An SMTP client that upgrades in band: it reads the greeting, says EHLO, upgrades with
 * STARTTLS (refusing to go on in plaintext if the server does not offer it), verifies the
 * server, says EHLO again and QUITs, printing the conversation.
 *
 *   npx tsx examples/smtp-starttls.ts --host H [--port 587] [--ca FILE|DIR]
 *
 * Exit status: 0 done, 2 certificate check failed, 1 anything else.
 */
import { Observable } from 'rxjs';
import { match, P } from 'ts-pattern';
import {
  connectStartTls,
  converse,
  lines,
  line,
  startTls,
  type CaSource,
  type Dialogue,
  type Outbound,
  type StartTlsEvent,
  type LineEvent,
} from '../lib';

/** An SMTP reply that ends the conversation. */
export class SmtpError extends Error {
  override readonly name = 'SmtpError';
}

/**
 * The client's half, as a dialogue over `lines()`: every step waits for the last line of the
 * server's reply (`250 …`, not `250-…`). `transcript` receives each line said and heard.
 */
export function smtpClient(name: string, transcript: (entry: string) => void = () => undefined): Dialogue<StartTlsEvent | LineEvent> {
  return (events$) =>
    new Observable<Outbound>((out) => {
      let stage: 'greeting' | 'ehlo' | 'starttls' | 'upgrading' | 'secure-ehlo' | 'quit' = 'greeting';
      let offersStartTls = false;
      const say = (text: string) => {
        transcript(`C: ${text}`);
        out.next(line(text));
      };
      return events$.subscribe((event) =>
        match(event)
          .with({ type: 'connected' }, ({ peer, session }) => {
            transcript(`-- TLS: ${session.protocol}, ${session.cipher}, verified ${peer.subject}`);
            stage = 'secure-ehlo';
            say(`EHLO ${name}`);
          })
          .with({ type: 'line' }, ({ text }) => {
            transcript(`S: ${text}`);
            if (stage === 'ehlo' && /^250[- ]STARTTLS\b/i.test(text)) offersStartTls = true;
            if (text[3] === '-') return; // more lines of this reply follow
            const code = Number(text.slice(0, 3));
            if (!(code >= 200 && code < 400)) return out.error(new SmtpError(`the server answered ${text}`));
            match(stage)
              .with('greeting', () => {
                stage = 'ehlo';
                say(`EHLO ${name}`);
              })
              .with('ehlo', () => {
                if (!offersStartTls) return out.error(new SmtpError('the server does not offer STARTTLS; not going on in plaintext'));
                stage = 'starttls';
                say('STARTTLS');
              })
              .with('starttls', () => {
                stage = 'upgrading';
                out.next(startTls());
              })
              .with('secure-ehlo', () => {
                stage = 'quit';
                say('QUIT');
              })
              .with('quit', () => out.complete())
              .with('upgrading', () => out.error(new SmtpError(`unexpected plaintext during the upgrade: ${text}`)))
              .exhaustive();
          })
          .with({ type: P.union('plaintext', 'data', 'certFailed', 'closed') }, () => undefined)
          .exhaustive(),
      );
    });
}

/** Runs the conversation; resolves to the exit status, printing as it goes. */
export function runSmtpClient(
  options: { host: string; port: number; ca?: CaSource },
  print: (line: string) => void = console.log,
): Promise<number> {
  return new Promise((resolve) => {
    let status = 1;
    connectStartTls({ host: options.host, port: options.port, ...(options.ca !== undefined && { ca: options.ca }) })
      .pipe(lines(), converse(smtpClient('client.rxtls.test', print)))
      .subscribe({
        next: (event) => {
          if (event.type === 'certFailed') {
            print(`Certificate check failed: ${event.reason}`);
            status = 2;
          }
          if (event.type === 'closed' && status !== 2) status = event.clean ? 0 : 1;
        },
        error: (error: Error) => {
          print(`Error: ${error.message}`);
          resolve(1);
        },
        complete: () => resolve(status),
      });
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const at = args.indexOf(flag);
    return at === -1 ? undefined : args[at + 1];
  };
  const host = value('--host');
  const port = Number(value('--port') ?? '587');
  const ca = value('--ca');
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    console.error('usage: npx tsx examples/smtp-starttls.ts --host H [--port 587] [--ca FILE|DIR]');
    process.exitCode = 1;
  } else {
    void runSmtpClient({ host, port, ...(ca !== undefined && { ca }) }).then((status) => (process.exitCode = status));
  }
}
