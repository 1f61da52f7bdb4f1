/**
 * A small Redis client over TLS, composed from rxtls's pieces: `connect` + `frames(respReplies())`
 * + a pipelining dialogue. Commands go out many at a time (at most `maxInFlight` unanswered);
 * each reply comes back paired with its command, an error reply (`-ERR`, `-WRONGTYPE`) as that
 * command's value, not as a failure of the connection.
 *
 *   npx tsx examples/redis-client.ts --host H [--port 6379] [--ca FILE] [--password-env VAR] COMMAND [ARG …]
 *
 * The password is read from the environment variable VAR, never from the command line, and
 * never printed. Exit status: 0 done (even for an error reply, which is printed), 2 certificate
 * check failed, 1 anything else.
 */
import { readFileSync } from 'node:fs';
import { map, Observable } from 'rxjs';
import { connect, converse, frames, gracefulShutdown, type CaSource } from '../lib';
import { CertificateRejected, passwordArgument, portArgument, readArguments, runCommandLine } from './command-line';
import { redisDialogue, type RedisCommand, type RedisReply, type RedisSessionOptions } from './redis/dialogue';
import { respReplies, RespError, type RespRepliesOptions, type RespValue } from './redis/resp';

export interface RedisClientOptions extends RedisSessionOptions, RespRepliesOptions {
  readonly host: string;
  readonly port: number;
  readonly ca?: CaSource;
  /** The name the certificate must carry, when it is not `host`. */
  readonly servername?: string;
}

/**
 * Runs `commands` on one connection, pipelined: emits each command's {@link RedisReply} in
 * order, then completes once the last was answered and the connection closed gracefully.
 * Fails with `CertificateRejected` when the server's certificate does not pass, with a
 * `RedisError` when AUTH is refused or the server closes early, or with a
 * `RespProtocolError` when what it sends is not RESP (or a reply exceeds `maxFrameLength`).
 */
export function redisCommands(options: RedisClientOptions, commands: Iterable<RedisCommand>): Observable<RedisReply> {
  return new Observable<RedisReply>((subscriber) => {
    const dialogue = redisDialogue(commands, options, (reply) => subscriber.next(reply));
    return connect({
      host: options.host,
      port: options.port,
      ...(options.ca !== undefined && { ca: options.ca }),
      ...(options.servername !== undefined && { servername: options.servername }),
    })
      .pipe(gracefulShutdown(), frames(respReplies(options)), converse(dialogue))
      .subscribe({
        next: (event) => {
          if (event.type === 'certFailed') subscriber.error(new CertificateRejected(event));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
  });
}

/** A reply as redis-cli prints it: `OK`, `(integer) 1`, `"text"`, `(nil)`, `(error) ERR …`, numbered array items. */
export function formatReply(value: RespValue, indent = ''): string {
  if (value === null) return '(nil)';
  if (value instanceof RespError) return `(error) ${value.message}`;
  if (typeof value === 'number') return `(integer) ${value}`;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value))
    return JSON.stringify(value.toString('latin1')).replace(/[\u0080-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  if (value.length === 0) return '(empty array)';
  const width = String(value.length).length;
  return value
    .map((item, i) => {
      const label = `${String(i + 1).padStart(width)}) `;
      return `${i === 0 ? '' : indent}${label}${formatReply(item, indent + ' '.repeat(label.length))}`;
    })
    .join('\n');
}

const USAGE = 'usage: npx tsx examples/redis-client.ts --host H [--port 6379] [--ca FILE] [--password-env VAR] COMMAND [ARG …]';

/** Reads the command line; the password comes from the environment variable it names. */
export function parseRedisArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { options: RedisClientOptions; command: RedisCommand } {
  const { values, rest: command } = readArguments(argv, {
    values: ['--host', '--port', '--ca', '--password-env'],
    rest: true,
    usage: USAGE,
  });
  const host = values.get('--host');
  if (!host || command.length === 0) throw new Error(`--host and a command are required\n${USAGE}`);
  const port = portArgument(values, 6379, USAGE);
  const password = passwordArgument(values, env);
  const ca = values.get('--ca');
  return {
    options: { host, port, ...(ca !== undefined && { ca: readFileSync(ca, 'utf8') }), ...(password !== undefined && { password }) },
    command,
  };
}

if (require.main === module) {
  runCommandLine(() => {
    const { options, command } = parseRedisArguments(process.argv.slice(2), process.env);
    return redisCommands(options, [command]).pipe(map((reply) => formatReply(reply.value)));
  });
}
