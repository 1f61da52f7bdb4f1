/**
 * A small FTPS client (explicit FTPS, RFC 4217), composed from rxtls's pieces: the control
 * connection is `connectStartTls` + `lines()` + a pure dialogue (`AUTH TLS`, `PBSZ 0`,
 * `PROT P`, `TYPE I`); every data connection is TLS on a port known only at run time, verified
 * with the control connection's policy and resuming its TLS session — `connect` to the port the
 * server named (passive), or `connectOver` on the connection the server opened to a port we
 * listen on (active). It lists a directory, downloads and uploads files, byte for byte.
 *
 *   npx tsx examples/ftps-client.ts --host H [--port 21] [--ca FILE] --user U --password-env VAR
 *     [--active] [--no-extended] [--max-tls 1.2] ls [PATH] | get REMOTE LOCAL | put LOCAL REMOTE
 *
 * The password is read from the environment variable VAR, never from the command line, and never
 * printed. Exit status: 0 done, 2 a certificate check failed, 1 anything else.
 */
import type { SecureVersion } from 'node:tls';
import { defer, last, map, mergeMap, throwError, type Observable } from 'rxjs';
import { connectStartTls, converse, gracefulShutdown, lines, type CaSource, type PeerInfo, type VerificationPolicy } from '../lib';
import { CertificateRejected, passwordArgument, portArgument, readArguments, runCommandLine } from './command-line';
import { openData } from './ftps/data-connection';
import { ftpsDialogue, FtpError, type FtpTask, type TaskResult } from './ftps/dialogue';
import { parseListLine, type ListEntry } from './ftps/replies';

export interface FtpsClientOptions {
  readonly host: string;
  readonly port: number;
  readonly ca?: CaSource;
  /** The policy for the control connection and every data connection. Default `strict()`. */
  readonly verify?: VerificationPolicy;
  readonly user: string;
  readonly password: string;
  readonly mode: 'passive' | 'active';
  /** `EPSV`/`EPRT` (default) or `PASV`/`PORT`. */
  readonly extended?: boolean;
  readonly maxVersion?: SecureVersion;
  /** Resume the control session on data connections (default). `false` only to see a server refuse. */
  readonly reuseSession?: boolean;
  readonly tasks: readonly FtpTask[];
  /** Milliseconds for each data connection to arrive and finish its handshake. Default 10 000. */
  readonly dataTimeout?: number;
}

/** A task's result, with a listing parsed. */
export interface FtpsResult extends TaskResult {
  readonly entries?: readonly ListEntry[];
}

export interface FtpsSummary {
  readonly peer: PeerInfo;
  readonly protocol: string;
  readonly results: readonly FtpsResult[];
  /** What was said, `C: `/`S: ` lines, `PASS` redacted, and notices (`-- `). */
  readonly transcript: readonly string[];
}

/** Runs the whole session; emits the summary once the control connection closed, or fails saying which connection failed and why. */
export function runFtpsClient(options: FtpsClientOptions): Observable<FtpsSummary> {
  return defer(() => {
    const results: FtpsResult[] = [];
    const transcript: string[] = [];
    let failure: FtpError | undefined;
    let peer: PeerInfo | undefined;
    let protocol = '';
    const trust = { ...(options.ca !== undefined && { ca: options.ca }), ...(options.verify && { verify: options.verify }) };
    const dataTls = {
      servername: options.host,
      ...trust,
      ...(options.maxVersion && { maxVersion: options.maxVersion }),
      reuseSession: options.reuseSession ?? true,
      timeout: options.dataTimeout ?? 10_000,
    };
    const dialogue = ftpsDialogue(
      {
        user: options.user,
        password: options.password,
        mode: options.mode,
        extended: options.extended ?? true,
        host: options.host,
        tasks: options.tasks,
      },
      (request) => openData(dataTls, request),
      {
        command: (text) => transcript.push(`C: ${text}`),
        reply: (reply) => transcript.push(`S: ${reply.code} ${reply.text}`),
        notice: (text) => transcript.push(`-- ${text}`),
        result: (result) => results.push(withEntries(result)),
        failure: (error) => (failure ??= error),
      },
    );
    return connectStartTls({
      host: options.host,
      port: options.port,
      ...trust,
      ...(options.maxVersion && { maxVersion: options.maxVersion }),
    }).pipe(
      lines(),
      gracefulShutdown(),
      converse(dialogue),
      mergeMap((event) => {
        if (event.type === 'connected') {
          peer = event.peer;
          protocol = event.session.protocol;
        }
        if (event.type === 'certFailed') return throwError(() => new CertificateRejected(event, 'control connection'));
        return event.type === 'closed' ? [event] : [];
      }),
      last(),
      map(() => {
        if (failure) throw failure;
        if (!peer) throw new FtpError('control', 'CLOSED', 'the control connection ended before TLS was established');
        if (results.length !== options.tasks.length)
          throw new FtpError('control', 'CLOSED', `the session ended after ${results.length} of ${options.tasks.length} tasks`);
        return { peer, protocol, results, transcript };
      }),
    );
  });
}

function withEntries(result: TaskResult): FtpsResult {
  if (result.task.kind !== 'list' || !result.body) return result;
  const entries = result.body
    .toString('utf8')
    .split(/\r?\n/)
    .flatMap((text) => {
      const entry = parseListLine(text);
      return entry ? [entry] : [];
    });
  return { ...result, entries };
}

/** The summary, as printed. */
export function formatSummary(summary: FtpsSummary): string {
  const out = [`Connected to ${summary.peer.subject} (verified, ${summary.protocol}; pin ${summary.peer.spkiPin})`];
  for (const r of summary.results) {
    const how = `${r.resumed ? 'resumed' : 'new'} TLS session`;
    if (r.entries) {
      out.push(`${r.command}: ${r.entries.length} entries (${how})`);
      for (const e of r.entries) out.push(`  ${e.kind === 'directory' ? 'd' : '-'} ${String(e.size).padStart(10)} ${e.name}`);
    } else out.push(`${r.command}: ${r.bytes} bytes, sha256 ${r.sha256} (${how})`);
  }
  return out.join('\n');
}

const USAGE =
  'usage: npx tsx examples/ftps-client.ts --host H [--port 21] [--ca FILE] --user U --password-env VAR [--active] [--no-extended] [--max-tls 1.2] ls [PATH] | get REMOTE LOCAL | put LOCAL REMOTE';

/** Reads the command line; the password comes from the environment variable it names. */
export function parseFtpsArguments(argv: readonly string[], env: NodeJS.ProcessEnv): FtpsClientOptions {
  const {
    values,
    switches: flags,
    rest,
  } = readArguments(argv, {
    values: ['--host', '--port', '--ca', '--user', '--password-env', '--max-tls'],
    switches: ['--active', '--no-extended'],
    rest: true,
    usage: USAGE,
  });
  const [verb, a, b, ...extra] = rest;
  let task: FtpTask;
  if (verb === 'ls' && b === undefined) task = { kind: 'list', ...(a !== undefined && { path: a }) };
  else if (verb === 'get' && a && b && extra.length === 0) task = { kind: 'get', remote: a, local: b };
  else if (verb === 'put' && a && b && extra.length === 0) task = { kind: 'put', local: a, remote: b };
  else throw new Error(`say what to do: ls [PATH], get REMOTE LOCAL or put LOCAL REMOTE\n${USAGE}`);
  const host = values.get('--host');
  const user = values.get('--user');
  const password = passwordArgument(values, env);
  if (!host || !user || password === undefined) throw new Error(`--host, --user and --password-env are required\n${USAGE}`);
  const port = portArgument(values, 21, USAGE);
  const maxTls = values.get('--max-tls');
  if (maxTls !== undefined && maxTls !== '1.2' && maxTls !== '1.3') throw new Error(`--max-tls must be 1.2 or 1.3, got ${maxTls}`);
  const ca = values.get('--ca');
  return {
    host,
    port,
    user,
    password,
    mode: flags.has('--active') ? 'active' : 'passive',
    extended: !flags.has('--no-extended'),
    tasks: [task],
    ...(ca !== undefined && { ca }),
    ...(maxTls !== undefined && { maxVersion: `TLSv${maxTls}` as SecureVersion }),
  };
}

if (require.main === module) {
  runCommandLine(() => runFtpsClient(parseFtpsArguments(process.argv.slice(2), process.env)).pipe(map(formatSummary)));
}
