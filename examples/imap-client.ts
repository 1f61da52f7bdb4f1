/**
 * A small IMAP client, composed from rxtls's pieces: `connect` + `lines({ literal })` + a
 * dialogue. It logs in, lists the mailboxes, selects one, fetches the newest message's
 * envelope and body, and logs out.
 *
 *   npx tsx examples/imap-client.ts --host H [--port 993] [--ca-dir DIR] --user U --password-env VAR [--mailbox INBOX]
 *
 * The password is read from the environment variable VAR, never from the command line, and
 * never printed. Exit status: 0 done, 2 certificate check failed, 1 anything else.
 */
import { defer, last, map, mergeMap, throwError, type Observable } from 'rxjs';
import { match, P } from 'ts-pattern';
import { connect, converse, gracefulShutdown, lines, type CaSource, type PeerInfo } from '../lib';
import { CertificateRejected, passwordArgument, portArgument, readArguments, runCommandLine } from './command-line';
import { imapDialogue, ImapError, quoted, type Completion, type Greeting, type NextCommand } from './imap/dialogue';
import { asText, decodeHeader, formatAddresses, parseImap } from './imap/parse';
import { imapLiteral } from './imap/responses';

export interface ImapClientOptions {
  readonly host: string;
  readonly port: number;
  readonly ca?: CaSource;
  readonly user: string;
  readonly password: string;
  readonly mailbox: string;
}

export interface NewestMessage {
  readonly subject: string;
  readonly from: string;
  readonly date: string;
  readonly messageId: string;
  readonly body: string;
}

export interface ImapSummary {
  readonly peer: PeerInfo;
  readonly greeting: string;
  readonly mailboxes: readonly string[];
  readonly mailbox: string;
  readonly exists: number;
  readonly newest?: NewestMessage;
}

const verb = (c: Completion) => c.command.split(' ')[0]?.toUpperCase();

/** What to say next — the protocol, step by step: LOGIN, LIST, SELECT, FETCH, LOGOUT. A failed command is followed by LOGOUT. */
export function imapPlan(options: Pick<ImapClientOptions, 'user' | 'password' | 'mailbox'>): NextCommand {
  return (greeting: Greeting, done) => {
    const previous = done.at(-1);
    if (!previous) return greeting.status === 'PREAUTH' ? 'LIST "" "*"' : `LOGIN ${quoted(options.user)} ${quoted(options.password)}`;
    if (verb(previous) === 'LOGOUT') return undefined;
    if (previous.status !== 'OK') return 'LOGOUT';
    return match(verb(previous))
      .with('LOGIN', () => 'LIST "" "*"')
      .with('LIST', () => `SELECT ${quoted(options.mailbox)}`)
      .with('SELECT', () => fetchOrLogout(previous))
      .otherwise(() => 'LOGOUT');
  };
}

function fetchOrLogout(select: Completion): string {
  const exists = existsOf(select);
  return exists > 0 ? `FETCH ${exists} (ENVELOPE BODY.PEEK[TEXT])` : 'LOGOUT';
}

function existsOf(select: Completion | undefined): number {
  const found = select?.untagged.map((u) => /^(\d+) EXISTS$/i.exec(u.text)).find(Boolean);
  return found ? Number(found[1]) : 0;
}

/** The first command that failed, as an error that says which and why. */
export function failureOf(done: readonly Completion[]): ImapError | undefined {
  const failed = done.find((c) => c.status !== 'OK' && verb(c) !== 'LOGOUT');
  if (!failed) return undefined;
  const code = /^\[(AUTHENTICATIONFAILED|AUTHORIZATIONFAILED|NONEXISTENT|[A-Z-]+)/.exec(failed.text)?.[1] ?? failed.status;
  const what = verb(failed) === 'LOGIN' ? 'login failed' : `${failed.command} failed`;
  return new ImapError(code, `${what}: ${failed.tag} ${failed.status} ${failed.text}`);
}

/** Reads the summary out of the completions. */
export function summarize(peer: PeerInfo, greeting: Greeting, done: readonly Completion[], mailbox: string): ImapSummary {
  const byVerb = (v: string) => done.find((c) => verb(c) === v);
  const mailboxes = (byVerb('LIST')?.untagged ?? []).flatMap((u) => {
    const parsed = parseImap(u.text, u.literals);
    return parsed[0] === 'LIST' ? [asText(parsed[3]) ?? String(parsed[3])] : [];
  });
  const fetched = byVerb('FETCH')?.untagged.find((u) => / FETCH /i.test(` ${u.text}`));
  return {
    peer,
    greeting: greeting.text,
    mailboxes,
    mailbox,
    exists: existsOf(byVerb('SELECT')),
    ...(fetched && { newest: newestFrom(parseImap(fetched.text, fetched.literals)) }),
  };
}

function newestFrom(parsed: ReturnType<typeof parseImap>): NewestMessage {
  const items = (parsed[2] ?? []) as ReturnType<typeof parseImap>;
  const item = (name: string) => {
    const at = items.findIndex((v) => typeof v === 'string' && v.toUpperCase() === name);
    return at === -1 ? undefined : items[at + 1];
  };
  const envelope = (item('ENVELOPE') ?? []) as ReturnType<typeof parseImap>;
  return {
    date: asText(envelope[0]) ?? '',
    subject: decodeHeader(asText(envelope[1]) ?? ''),
    from: formatAddresses(envelope[2]),
    messageId: asText(envelope[9]) ?? '',
    body: asText(item('BODY[TEXT]')) ?? '',
  };
}

/** Runs the whole session; emits the summary once the connection closed, or fails with why. */
export function runImapClient(options: ImapClientOptions): Observable<ImapSummary> {
  return defer(() => {
    const done: Completion[] = [];
    let greeting: Greeting | undefined;
    let failure: ImapError | undefined;
    let peer: PeerInfo | undefined;
    const dialogue = imapDialogue(imapPlan(options), {
      greeting: (g) => (greeting = g),
      completion: (c) => done.push(c),
      failure: (e) => (failure = e),
    });
    return connect({ host: options.host, port: options.port, ...(options.ca !== undefined && { ca: options.ca }) }).pipe(
      gracefulShutdown(),
      lines({ literal: imapLiteral }),
      converse(dialogue),
      mergeMap((event) =>
        match(event)
          .with({ type: 'connected' }, ({ peer: p }) => ((peer = p), []))
          .with({ type: 'certFailed' }, (failed) => throwError(() => new CertificateRejected(failed)))
          .with({ type: 'closed' }, () => [event])
          .with({ type: P.union('data', 'line') }, () => [])
          .exhaustive(),
      ),
      last(),
      map(() => {
        const problem = failure ?? failureOf(done);
        if (problem) throw problem;
        if (!peer || !greeting) throw new ImapError('CLOSED', 'the connection ended before the greeting');
        return summarize(peer, greeting, done, options.mailbox);
      }),
    );
  });
}

/** The summary, as printed. */
export function formatSummary(summary: ImapSummary): string {
  const lines = [
    `Connected to ${summary.peer.subject} (verified; pin ${summary.peer.spkiPin})`,
    `Greeting: ${summary.greeting}`,
    `Mailboxes: ${summary.mailboxes.join(', ') || '(none)'}`,
    `${summary.mailbox}: ${summary.exists} message${summary.exists === 1 ? '' : 's'}`,
  ];
  if (summary.newest) {
    const m = summary.newest;
    lines.push(
      `Newest: "${m.subject}" from ${m.from}`,
      `Date: ${m.date}`,
      `Message-ID: ${m.messageId}`,
      '',
      m.body.replace(/\r\n/g, '\n').trimEnd(),
    );
  }
  return lines.join('\n');
}

const USAGE = 'usage: npx tsx examples/imap-client.ts --host H [--port 993] [--ca-dir DIR] --user U --password-env VAR [--mailbox INBOX]';

/** Reads the command line; the password comes from the environment variable it names. */
export function parseImapArguments(argv: readonly string[], env: NodeJS.ProcessEnv): ImapClientOptions {
  const { values } = readArguments(argv, {
    values: ['--host', '--port', '--ca-dir', '--user', '--password-env', '--mailbox'],
    usage: USAGE,
  });
  const host = values.get('--host');
  const user = values.get('--user');
  const password = passwordArgument(values, env);
  if (!host || !user || password === undefined) throw new Error(`--host, --user and --password-env are required\n${USAGE}`);
  const port = portArgument(values, 993, USAGE);
  const ca = values.get('--ca-dir');
  return { host, port, user, password, mailbox: values.get('--mailbox') ?? 'INBOX', ...(ca !== undefined && { ca }) };
}

if (require.main === module) {
  runCommandLine(() => runImapClient(parseImapArguments(process.argv.slice(2), process.env)).pipe(map(formatSummary)));
}
