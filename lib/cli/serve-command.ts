import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EMPTY, NEVER, concat, filter, map, of } from 'rxjs';
import { serve } from '../server/serve';
import type { Dialogue } from '../operators/converse';
import { line } from '../outbound';
import { isPort, portRule } from '../util/option-checks';
import { CLI_DEFAULTS } from './cli-defaults';
import { explain } from '../diagnostics/explain';
import { explanation, styleFor } from './output';
import { certAndKey, UsageError, type CliCommand } from './command';
import { ticketKeysFlag, TICKET_KEYS_USAGE, workersFlag, WORKERS_USAGE } from './fleet-flags';
import { isWorker, runPrimary, stopOnSignals } from './workers';

/** What `rxtls serve` was asked for. */
export interface ServeCommand {
  readonly port: number;
  readonly host: string;
  readonly cert?: string;
  readonly key?: string;
  readonly selfSigned: boolean;
  readonly echo: boolean;
  readonly greeting?: string;
  readonly keylog?: string;
  readonly ticketKeys?: string;
  readonly workers: number;
}

/** `rxtls serve --help`. */
export const SERVE_USAGE = `usage: rxtls serve --port N (--cert FILE --key FILE | --self-signed) [--echo] [--greeting TEXT] [--host ADDRESS]

  --port N               port to listen on (0: any free one)
  --host ADDRESS         address to listen on (default ${CLI_DEFAULTS.serveHost}: this machine only)
  --greeting TEXT        a line sent to every client first; {pid} in it is the serving process's id
  --echo                 send every line back
  --keylog FILE          append every connection's TLS secrets to FILE (mode 0600), for Wireshark;
                         anyone who reads it can decrypt the connections (loud warning)
${TICKET_KEYS_USAGE}
${WORKERS_USAGE}`;

/** Reads the arguments of `rxtls serve`; throws naming the one at fault. */
export function parseServeArgs(args: readonly string[]): ServeCommand {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'self-signed': { type: 'boolean' },
      echo: { type: 'boolean' },
      greeting: { type: 'string' },
      keylog: { type: 'string' },
      'ticket-keys': { type: 'string' },
      workers: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`serve takes no HOST, got "${positionals.join(' ')}"`);
  if (values.port === undefined) throw new UsageError(`--port N is required (0 for any free port)`);
  const port = /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
  if (!isPort(port, 0)) throw new UsageError(`--port ${portRule(0)}, got "${values.port}"`);
  const selfSigned = values['self-signed'] === true;
  if (selfSigned === (values.cert !== undefined)) throw new UsageError('give either --cert FILE --key FILE or --self-signed');
  certAndKey(values);
  const workers = workersFlag(values.workers);
  if (workers > 1 && selfSigned)
    throw new UsageError('--workers needs --cert FILE --key FILE: with --self-signed each worker would make its own certificate');
  return {
    port,
    host: values.host ?? CLI_DEFAULTS.serveHost,
    selfSigned,
    echo: values.echo === true,
    workers,
    ...(values.cert !== undefined && { cert: values.cert, key: values.key }),
    ...(values.greeting !== undefined && { greeting: values.greeting }),
    ...(values.keylog !== undefined && { keylog: values.keylog }),
    ...(values['ticket-keys'] !== undefined && { ticketKeys: values['ticket-keys'] }),
  };
}

/** Runs `rxtls serve` until interrupted; resolves to the exit status only on failure. */
export async function runServe(options: ServeCommand, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  if (options.workers > 1 && !isWorker()) return runPrimary('serve', options.workers, stdout, stderr);
  const credentials = options.selfSigned
    ? // Loaded only here: certificate generation is not part of the library's own start-up.
      await (await import('../certificates/generate-certificates')).selfSigned({ names: ['localhost', '127.0.0.1'] })
    : { cert: readFileSync(options.cert ?? ''), key: readFileSync(options.key ?? '') };
  if (options.selfSigned && 'fingerprint256' in credentials)
    stdout.write(`self-signed certificate, fingerprint ${credentials.fingerprint256}, pin ${credentials.spkiPin}\n`);
  // Greet, then echo — or just hold the connection until the client leaves.
  const dialogue: Dialogue = (events$) =>
    concat(
      options.greeting === undefined ? EMPTY : of(line(options.greeting.replaceAll('{pid}', String(process.pid)))),
      options.echo
        ? events$.pipe(
            filter((e) => e.type === 'line'),
            map((e) => line(e.text)),
          )
        : NEVER,
    );
  return new Promise((resolve) => {
    const style = styleFor(stderr, process.env);
    const keylog = options.keylog === undefined ? {} : { keylog: options.keylog };
    const ticketKeys = ticketKeysFlag(options.ticketKeys, stderr);
    const server = serve({ port: options.port, host: options.host, credentials, ...keylog, ...ticketKeys }, dialogue).subscribe({
      next: (e) => {
        if (e.type === 'listening') stdout.write(`${isWorker() ? `worker pid ${process.pid}: ` : ''}listening on ${e.host}:${e.port}\n`);
        if (e.type === 'clientError')
          stderr.write(
            `dropped a client${e.remoteAddress ? ` from ${e.remoteAddress}` : ''}: ${e.code}\n${explanation(explain({ code: e.code, reason: e.message }), style)}\n`,
          );
        if (e.type === 'connectionFailed')
          stderr.write(`cut off a client from ${e.remoteAddress}: ${e.error.message}\n${explanation(explain(e.error), style)}\n`);
      },
      error: (error: Error) => {
        stderr.write(`rxtls: ${error.message}\n${explanation(explain(error), style)}\n`);
        resolve(1);
      },
    });
    stopOnSignals(() => server.unsubscribe());
  });
}

/** `rxtls serve --port N`. */
export const serveCommand: CliCommand<ServeCommand> = { usage: SERVE_USAGE, parse: parseServeArgs, run: runServe };
