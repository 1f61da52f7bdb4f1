#!/usr/bin/env node
/**
 * The `rxtls` command: an `openssl s_client` for people, built on the library.
 *
 * @example
 * ```sh
 * npx rxtls connect imap.example.com:993
 * npx rxtls pin self-signed.example:8443
 * npx rxtls serve --port 8443 --self-signed --echo
 * npx rxtls gateway --listen 127.0.0.1:8143 --to imap.example.com:993 --origin http://localhost:8080
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runConnect } from './connect-command';
import { runGateway } from './gateway-command';
import { runPin } from './pin-command';
import { runServe } from './serve-command';
import { STARTTLS_PROTOCOLS, type StartTlsProtocol } from './starttls-preambles';
import { parseTarget } from '../util/host-port';

const USAGE: Record<string, string> = {
  main: `usage: rxtls <command> [options]

commands:
  connect HOST[:PORT]   connect, verify, summarise, then talk in lines (stdin → server, server → stdout)
  pin HOST[:PORT]       print the SPKI pin of every certificate the server presents
  serve --port N        a quick local TLS test server
  gateway --listen ADDR:PORT --to HOST:PORT
                        let WebSocket clients (browsers) reach these TLS services

rxtls COMMAND --help for a command's options; rxtls --version`,
  connect: `usage: rxtls connect HOST[:PORT] [options]   (port 443 by default)

  --ca FILE|DIR          trust these CAs instead of Node's root store
  --pin sha256/…         also require this SPKI pin (repeatable)
  --fingerprint SHA256   accept exactly this leaf certificate, even self-signed
  --tofu FILE            trust on first use, recording keys in FILE
  --servername NAME      SNI name and the name verified (default: HOST)
  --alpn PROTO           offer this ALPN protocol (repeatable)
  --cert FILE --key FILE client certificate
  --starttls PROTO       upgrade in band first: ${STARTTLS_PROTOCOLS.join(', ')}
  --timeout SECONDS      connect and handshake timeout (default 10)
  --send LINE            send these lines, print what comes back until --idle seconds of silence (repeatable)
  --idle SECONDS         with --send, how long to wait for more (default 2)
  --json                 one JSON event per line on stdout
  --insecure             accept ANY certificate (loud warning)

exit status: 0 connected and closed, 2 certificate verification failed, 1 network or usage error`,
  pin: `usage: rxtls pin HOST[:PORT] [--ca FILE|DIR] [--servername NAME]`,
  serve: `usage: rxtls serve --port N (--cert FILE --key FILE | --self-signed) [--echo] [--greeting TEXT] [--host ADDRESS]`,
  gateway: `usage: rxtls gateway --listen ADDRESS:PORT --to HOST:PORT [options]

  --listen ADDRESS:PORT  where WebSocket clients connect (e.g. 127.0.0.1:8143)
  --to HOST:PORT         a TLS service clients may reach (repeatable: the allow-list; the first is
                         the default, others are chosen with ?target=HOST:PORT)
  --origin URL           a web origin whose pages may connect (repeatable; none by default)
  --ca FILE|DIR          trust these CAs for the services instead of Node's root store
  --cert FILE --key FILE serve wss: with this certificate instead of ws:
  --max-connections N    clients bridged at once (default 256)
  --json                 one JSON event per line`,
};

class UsageError extends Error {}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function seconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got "${text}"`);
  return value;
}

/** Runs the command line; resolves to the exit status. */
export async function main(
  argv: readonly string[],
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    stdout.write(`rxtls ${version()}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    stdout.write(`${USAGE['main']}\n`);
    return command === undefined ? 1 : 0;
  }
  if (!(command in USAGE) || command === 'main') {
    stderr.write(`rxtls: unknown command "${command}"\n${USAGE['main']}\n`);
    return 1;
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      stdout.write(`${USAGE[command]}\n`);
      return 0;
    }
    if (command === 'connect') {
      const { values, positionals } = parseArgs({
        args: [...rest],
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
        },
      });
      if (positionals.length !== 1) throw new UsageError('connect takes exactly one HOST[:PORT]');
      if (values.starttls !== undefined && !STARTTLS_PROTOCOLS.includes(values.starttls as StartTlsProtocol)) {
        throw new UsageError(`--starttls must be one of ${STARTTLS_PROTOCOLS.join(', ')}, got "${values.starttls}"`);
      }
      if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
      const defaultPort =
        values.starttls === 'smtp'
          ? 25
          : values.starttls === 'imap'
            ? 143
            : values.starttls === 'pop3'
              ? 110
              : values.starttls === 'ftp'
                ? 21
                : 443;
      return await runConnect(
        {
          target: parseTarget(positionals[0], defaultPort),
          pins: values.pin ?? [],
          alpn: values.alpn ?? [],
          send: values.send ?? [],
          idleSeconds: seconds('idle', values.idle, 2),
          json: values.json === true,
          insecure: values.insecure === true,
          ...(values.ca !== undefined && { ca: values.ca }),
          ...(values.fingerprint !== undefined && { fingerprint: values.fingerprint }),
          ...(values.tofu !== undefined && { tofu: values.tofu }),
          ...(values.servername !== undefined && { servername: values.servername }),
          ...(values.cert !== undefined && { cert: values.cert, key: values.key }),
          ...(values.starttls !== undefined && { starttls: values.starttls as StartTlsProtocol }),
          ...(values.timeout !== undefined && { timeoutSeconds: seconds('timeout', values.timeout, 10) }),
        },
        stdout,
        stderr,
      );
    }
    if (command === 'pin') {
      const { values, positionals } = parseArgs({
        args: [...rest],
        allowPositionals: true,
        options: { ca: { type: 'string' }, servername: { type: 'string' } },
      });
      if (positionals.length !== 1) throw new UsageError('pin takes exactly one HOST[:PORT]');
      return await runPin(
        parseTarget(positionals[0], 443),
        { ...(values.ca !== undefined && { ca: values.ca }), ...(values.servername !== undefined && { servername: values.servername }) },
        stdout,
        stderr,
      );
    }
    if (command === 'gateway') {
      const { values, positionals } = parseArgs({
        args: [...rest],
        allowPositionals: true,
        options: {
          listen: { type: 'string' },
          to: { type: 'string', multiple: true },
          origin: { type: 'string', multiple: true },
          ca: { type: 'string' },
          cert: { type: 'string' },
          key: { type: 'string' },
          'max-connections': { type: 'string' },
          json: { type: 'boolean' },
        },
      });
      if (positionals.length > 0) throw new UsageError(`gateway takes no positional arguments, got "${positionals.join(' ')}"`);
      if (values.listen === undefined) throw new UsageError('--listen ADDRESS:PORT is required');
      const listen = parseTarget(values.listen, -1, 0); // port 0: any free port
      if (!values.to?.length) throw new UsageError('--to HOST:PORT is required: the gateway reaches only the services listed');
      for (const to of values.to) parseTarget(to, 0);
      if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
      const maxConnections = values['max-connections'] === undefined ? undefined : Number(values['max-connections']);
      if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections <= 0))
        throw new UsageError(`--max-connections must be a positive integer, got "${values['max-connections']}"`);
      return await runGateway(
        {
          host: listen.host,
          port: listen.port,
          targets: values.to,
          origins: values.origin ?? [],
          json: values.json === true,
          ...(values.ca !== undefined && { ca: values.ca }),
          ...(values.cert !== undefined && { cert: values.cert, key: values.key }),
          ...(maxConnections !== undefined && { maxConnections }),
        },
        stdout,
        stderr,
      );
    }
    const { values, positionals } = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'self-signed': { type: 'boolean' },
        echo: { type: 'boolean' },
        greeting: { type: 'string' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`serve takes no HOST, got "${positionals.join(' ')}"`);
    const port = Number(values.port);
    if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError('--port N (0-65535) is required');
    const selfSignedWanted = values['self-signed'] === true;
    if (selfSignedWanted === (values.cert !== undefined)) throw new UsageError('give either --cert FILE --key FILE or --self-signed');
    if (values.cert !== undefined && values.key === undefined) throw new UsageError('--cert and --key go together');
    return await runServe(
      {
        port,
        host: values.host ?? '127.0.0.1',
        selfSigned: selfSignedWanted,
        echo: values.echo === true,
        ...(values.cert !== undefined && { cert: values.cert, key: values.key }),
        ...(values.greeting !== undefined && { greeting: values.greeting }),
      },
      stdout,
      stderr,
    );
  } catch (error) {
    // Bad arguments: a clear message and the usage line, never a stack trace.
    const message = (error as Error).message;
    stderr.write(`rxtls: ${message}\n${USAGE[command]}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
    process.stdin.destroy(); // an interactive session may still hold standard input open
  });
}
