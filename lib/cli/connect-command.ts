import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { EMPTY, Observable, concat, filter, from, ignoreElements, map, merge, mergeMap, startWith, switchMap, take, timer } from 'rxjs';
import { readFileSync } from 'node:fs';
import { connect } from '../client/connect';
import type { LineEvent, StartTlsEvent, TlsEvent } from '../events';
import { converse, type Dialogue } from '../operators/converse';
import { lines } from '../operators/lines';
import { line, type Outbound } from '../outbound';
import { allOf } from '../policies/combinators';
import { fingerprint } from '../policies/fingerprint';
import { insecureAcceptAnyCertificate } from '../policies/insecure';
import { pin } from '../policies/pin';
import type { VerificationPolicy } from '../policies/policy';
import { strict } from '../policies/strict';
import { trustOnFirstUse } from '../policies/trust-on-first-use';
import { connectStartTls } from '../client/connect-starttls';
import { explain } from '../diagnostics/explain';
import { explanation, json, problems, styleFor, summary } from './output';
import { isStartTlsProtocol, starttlsPreamble, STARTTLS_PROTOCOLS, type StartTlsProtocol } from './starttls-preambles';
import { parseTarget, type Target } from '../util/host-port';
import { CLI_DEFAULTS, defaultPortFor } from './cli-defaults';
import { certAndKey, secondsFlag, UsageError, type CliCommand } from './command';

const implicitTls = STARTTLS_PROTOCOLS.map((p) => `${p} ${CLI_DEFAULTS.protocols[p].implicitTls}`).join(', ');
const starttlsPorts = STARTTLS_PROTOCOLS.map((p) => `${p} ${CLI_DEFAULTS.protocols[p].starttls}`).join(', ');

/** `rxtls connect --help`. */
export const CONNECT_USAGE = `usage: rxtls connect HOST[:PORT] [options]   (port ${CLI_DEFAULTS.port} by default)

  --ca FILE|DIR          trust these CAs instead of Node's root store
  --pin sha256/…         also require this SPKI pin (repeatable)
  --fingerprint SHA256   accept exactly this leaf certificate, even self-signed
  --tofu FILE            trust on first use, recording keys in FILE
  --servername NAME      SNI name and the name verified (default: HOST)
  --alpn PROTO           offer this ALPN protocol (repeatable)
  --cert FILE --key FILE client certificate
  --starttls PROTO       upgrade in band first: ${STARTTLS_PROTOCOLS.join(', ')}
                         (default ports ${starttlsPorts}; their implicit-TLS ports, without
                         --starttls: ${implicitTls})
  --timeout SECONDS      connect and handshake timeout (default ${CLI_DEFAULTS.connectTimeoutMs / 1000} and ${CLI_DEFAULTS.handshakeTimeoutMs / 1000})
  --send LINE            send these lines, print what comes back until --idle seconds of silence (repeatable)
  --idle SECONDS         with --send, how long to wait for more (default ${CLI_DEFAULTS.idleSeconds})
  --json                 one JSON event per line on stdout
  --insecure             accept ANY certificate (loud warning)
  --proxy URL|env        tunnel through an HTTP (http://[user:pass@]host:port) or SOCKS5
                         (socks5h://…, socks5://…) proxy; "env" reads HTTPS_PROXY / ALL_PROXY
                         and NO_PROXY; TLS stays end to end to HOST
  --keylog FILE          append the TLS secrets to FILE (mode 0600), for Wireshark; anyone who
                         reads it can decrypt the connection (loud warning)

exit status: 0 connected and closed, 2 certificate verification failed, 1 network or usage error`;

/** The options of `rxtls connect`, parsed. */
export interface ConnectCommand {
  readonly target: Target;
  readonly ca?: string;
  readonly pins: readonly string[];
  readonly fingerprint?: string;
  readonly tofu?: string;
  readonly servername?: string;
  readonly alpn: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly starttls?: StartTlsProtocol;
  readonly timeoutSeconds?: number;
  readonly send: readonly string[];
  readonly idleSeconds: number;
  readonly json: boolean;
  readonly insecure: boolean;
  readonly keylog?: string;
  readonly proxy?: string;
}

/** Reads the arguments of `rxtls connect`; throws naming the one at fault. */
export function parseConnectArgs(args: readonly string[]): ConnectCommand {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ca: { type: 'string' },
      pin: { type: 'string', multiple: true },
      fingerprint: { type: 'string' },
      tofu: { type: 'string' },
      servername: { type: 'string' },
      alpn: { type: 'string', multiple: true },
      cert: { type: 'string' },
      key: { type: 'string' },
      starttls: { type: 'string' },
      timeout: { type: 'string' },
      send: { type: 'string', multiple: true },
      idle: { type: 'string' },
      json: { type: 'boolean' },
      insecure: { type: 'boolean' },
      keylog: { type: 'string' },
      proxy: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('connect takes exactly one HOST[:PORT]');
  const { starttls } = values;
  if (starttls !== undefined && !isStartTlsProtocol(starttls))
    throw new UsageError(`--starttls must be one of ${STARTTLS_PROTOCOLS.join(', ')}, got "${starttls}"`);
  certAndKey(values);
  return {
    target: parseTarget(positionals[0], { defaultPort: defaultPortFor(starttls) }),
    pins: values.pin ?? [],
    alpn: values.alpn ?? [],
    send: values.send ?? [],
    idleSeconds: secondsFlag('idle', values.idle, CLI_DEFAULTS.idleSeconds),
    json: values.json === true,
    insecure: values.insecure === true,
    ...(values.ca !== undefined && { ca: values.ca }),
    ...(values.keylog !== undefined && { keylog: values.keylog }),
    ...(values.proxy !== undefined && { proxy: values.proxy }),
    ...(values.fingerprint !== undefined && { fingerprint: values.fingerprint }),
    ...(values.tofu !== undefined && { tofu: values.tofu }),
    ...(values.servername !== undefined && { servername: values.servername }),
    ...(values.cert !== undefined && { cert: values.cert, key: values.key }),
    ...(starttls !== undefined && { starttls }),
    ...(values.timeout !== undefined && { timeoutSeconds: secondsFlag('timeout', values.timeout, 0) }),
  };
}

/** The policy the flags ask for: strict by default; pins on top of it; the rest instead of it. */
export function policyOf(command: ConnectCommand): VerificationPolicy {
  if (command.insecure) return insecureAcceptAnyCertificate();
  if (command.fingerprint) return fingerprint(command.fingerprint);
  if (command.tofu) return trustOnFirstUse(command.tofu);
  const base = strict(command.ca === undefined ? {} : { ca: command.ca });
  return command.pins.length > 0 ? allOf(base, pin(...command.pins)) : base;
}

/** Lines typed (or piped) on standard input; completes at end of input (Ctrl-D). */
function stdinLines(): Observable<string> {
  return new Observable<string>((subscriber) => {
    const reader = createInterface({ input: process.stdin, crlfDelay: Infinity });
    reader.on('line', (text) => subscriber.next(text));
    reader.on('close', () => subscriber.complete());
    return () => reader.close();
  });
}

/**
 * What the command says once connected: `--send` lines, then silence for `--idle` seconds ends
 * it; otherwise standard input, until it ends.
 */
function userDialogue(command: ConnectCommand): Dialogue<StartTlsEvent | LineEvent> {
  return (events$) => {
    const verified$ = events$.pipe(
      filter((e) => e.type === 'connected'),
      take(1),
    );
    const said$: Observable<Outbound> =
      command.send.length > 0
        ? concat(
            from(command.send.map((text) => line(text))),
            events$.pipe(
              filter((e) => e.type === 'line'),
              startWith(undefined),
              switchMap(() => timer(command.idleSeconds * 1000)),
              take(1),
              ignoreElements(),
            ),
          )
        : stdinLines().pipe(map((text) => line(text)));
    const preamble$ = command.starttls ? starttlsPreamble(command.starttls, command.target)(events$) : EMPTY;
    return merge(preamble$ as Observable<Outbound>, verified$.pipe(mergeMap(() => said$)));
  };
}

/** Runs `rxtls connect`; resolves to the exit status. */
export function runConnect(command: ConnectCommand, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  const style = styleFor(stdout, process.env);
  const { host, port } = command.target;
  const options = {
    host,
    port,
    verify: policyOf(command),
    ...(command.servername !== undefined && { servername: command.servername }),
    ...(command.keylog !== undefined && { keylog: command.keylog }),
    ...(command.proxy !== undefined && { proxy: command.proxy }),
    ...(command.alpn.length > 0 && { alpn: command.alpn }),
    ...(command.cert !== undefined && { cert: readFileSync(command.cert), key: readFileSync(command.key ?? command.cert) }),
    ...(command.timeoutSeconds !== undefined && {
      connectTimeout: Math.ceil(command.timeoutSeconds * 1000),
      handshakeTimeout: Math.ceil(command.timeoutSeconds * 1000),
    }),
  };
  const events$: Observable<StartTlsEvent> = command.starttls ? connectStartTls(options) : connect(options);
  const print = (text: string) => stdout.write(`${text}\n`);
  return new Promise((resolve) => {
    let status = 1;
    events$.pipe(lines(), converse(userDialogue(command))).subscribe({
      next: (event: StartTlsEvent | LineEvent) => {
        if (command.json) {
          // The write and read sides are functions, not facts: left out of the JSON.
          const { writer, reader, ...rest } = event as TlsEvent & { writer?: unknown; reader?: unknown };
          if (event.type === 'certFailed') print(json({ ...rest, target: `${host}:${port}`, explanation: explain(event) }));
          else if (event.type !== 'data') print(json({ ...rest, target: `${host}:${port}` }));
        }
        switch (event.type) {
          case 'connected':
            status = 0;
            if (!command.json) print(summary(`${host}:${port}`, event.peer, event.session, style));
            break;
          case 'line':
            if (!command.json) print(event.text);
            break;
          case 'certFailed':
            status = 2;
            if (!command.json) stderr.write(`${problems(event.errors, style)}\n${explanation(explain(event), style)}\n`);
            break;
          case 'closed':
            if (status === 0 && !event.clean)
              stderr.write(
                `note: the connection was not closed cleanly${event.error ? `: ${event.error.message}\n${explanation(explain(event.error), style)}` : ''}\n`,
              );
            break;
          default:
            break;
        }
      },
      error: (error: Error & { code?: string }) => {
        stderr.write(`rxtls: ${error.message}\n${explanation(explain(error), style)}\n`);
        resolve(1);
      },
      complete: () => resolve(status),
    });
  });
}

/** `rxtls connect HOST[:PORT]`. */
export const connectCommand: CliCommand<ConnectCommand> = { usage: CONNECT_USAGE, parse: parseConnectArgs, run: runConnect };
