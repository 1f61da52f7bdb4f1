/**
 * The article's client: connect to an IMAP server over TLS, verify it, print its greeting.
 *
 *   npx tsx examples/imap-greeting.ts HOST [PORT] [--ca-dir DIR]
 *
 * PORT defaults to 993 (IMAPS). Without --ca-dir the peer is verified against Node's bundled
 * root store (Mozilla's, the same list as Debian's ca-certificates); `--ca-dir /etc/ssl/certs`
 * uses the system's directory, as the article's `setPathToCACertDir` did.
 * Exit status: 0 greeting received, 2 certificate check failed, 1 anything else.
 */
import { filter, map, takeWhile, type Observable } from 'rxjs';
import { match } from 'ts-pattern';
import { connect, gracefulShutdown, lines, type CaSource } from '../lib';

/** What the client reports, one line each, as the article's qDebug calls did. */
export type GreetingReport =
  { kind: 'connected' } | { kind: 'greeting'; text: string } | { kind: 'certFailed'; reason: string } | { kind: 'closed' };

/** Connects, waits for the first line, then closes gracefully. */
export function readGreeting(options: { host: string; port: number; ca?: CaSource }): Observable<GreetingReport> {
  return connect(options).pipe(
    gracefulShutdown(), // leaving after the greeting sends close_notify instead of dropping the socket
    lines({ encoding: 'latin1' }),
    takeWhile((event) => event.type !== 'line', true), // up to and including the greeting
    map((event): GreetingReport | undefined =>
      match(event)
        .with({ type: 'connected' }, (): GreetingReport => ({ kind: 'connected' }))
        .with({ type: 'line' }, ({ text }): GreetingReport => ({ kind: 'greeting', text }))
        .with({ type: 'certFailed' }, ({ reason }): GreetingReport => ({ kind: 'certFailed', reason }))
        .with({ type: 'closed' }, (): GreetingReport => ({ kind: 'closed' }))
        .with({ type: 'data' }, () => undefined)
        .exhaustive(),
    ),
    filter((report): report is GreetingReport => report !== undefined),
  );
}

/** The article's wording for each report; `undefined` for what it did not print. */
export function describeReport(report: GreetingReport): string | undefined {
  return match(report)
    .with({ kind: 'connected' }, () => 'Connected; now waiting for the greeting')
    .with({ kind: 'greeting' }, ({ text }) => `Received: ${text}`)
    .with({ kind: 'certFailed' }, ({ reason }) => `Certificate check failed: ${reason}`)
    .with({ kind: 'closed' }, () => undefined)
    .exhaustive();
}

/** Runs the client and prints as the article did; resolves to the exit status. */
export function runGreetingClient(options: { host: string; port: number; ca?: CaSource }, print = console.log): Promise<number> {
  return new Promise((resolve) => {
    let status = 1;
    readGreeting(options).subscribe({
      next: (report) => {
        const line = describeReport(report);
        if (line !== undefined) print(line);
        if (report.kind === 'greeting') status = 0;
        if (report.kind === 'certFailed') status = 2;
      },
      error: (error: Error) => {
        print(`Connection failed: ${error.message}`);
        resolve(1);
      },
      complete: () => resolve(status),
    });
  });
}

function parseArguments(argv: readonly string[]): { host: string; port: number; ca?: string } {
  const usage = 'usage: npx tsx examples/imap-greeting.ts HOST [PORT] [--ca-dir DIR]';
  const positional: string[] = [];
  let ca: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--ca-dir') {
      ca = argv[++i];
      if (!ca) throw new Error(`--ca-dir needs a directory\n${usage}`);
    } else if (arg === '--help' || arg === '-h') {
      throw new Error(usage);
    } else {
      positional.push(arg);
    }
  }
  const [host, portText = '993'] = positional;
  if (!host || positional.length > 2) throw new Error(usage);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be 1-65535, got ${portText}\n${usage}`);
  return ca === undefined ? { host, port } : { host, port, ca };
}

if (require.main === module) {
  try {
    const options = parseArguments(process.argv.slice(2));
    void runGreetingClient(options).then((status) => {
      process.exitCode = status;
    });
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
