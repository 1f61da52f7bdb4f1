#!/usr/bin/env node
/**
 * The `rxtls` command: an `openssl s_client` for people, built on the library. This file only
 * dispatches: `rxtls COMMAND …` goes to that command's module, which reads its own arguments.
 *
 * @example
 * ```sh
 * npx rxtls connect imap.example.com:993
 * npx rxtls doctor imap.example.com:993
 * npx rxtls pin self-signed.example:8443
 * npx rxtls serve --port 8443 --self-signed --echo
 * npx rxtls gateway --listen 127.0.0.1:8143 --to imap.example.com:993 --origin http://localhost:8080
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from './command';
import { connectCommand } from './connect-command';
import { doctorCommand } from './doctor-command';
import { gatewayCommand } from './gateway-command';
import { pinCommand } from './pin-command';
import { serveCommand } from './serve-command';

/** The commands, by the name typed after `rxtls`. */
const COMMANDS: Readonly<Record<string, CliCommand<unknown>>> = {
  connect: connectCommand,
  doctor: doctorCommand,
  pin: pinCommand,
  serve: serveCommand,
  gateway: gatewayCommand,
};

const USAGE = `usage: rxtls <command> [options]

commands:
  connect HOST[:PORT]   connect, verify, summarise, then talk in lines (stdin → server, server → stdout)
  doctor HOST[:PORT]    probe step by step, say what is wrong and how to fix it
  pin HOST[:PORT]       print the SPKI pin of every certificate the server presents
  serve --port N        a quick local TLS test server
  gateway --listen ADDR:PORT --to HOST:PORT
                        let WebSocket clients (browsers) reach these TLS services

rxtls COMMAND --help for a command's options; rxtls --version`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the command line; resolves to the exit status. */
export async function main(
  argv: readonly string[],
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    stdout.write(`rxtls ${version()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(`${USAGE}\n`);
    return name === undefined ? 1 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    stderr.write(`rxtls: unknown command "${name}"\n${USAGE}\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(command.parse(rest), stdout, stderr);
  } catch (error) {
    // Bad arguments (or a file that cannot be read): a clear message and the usage, never a stack trace.
    stderr.write(`rxtls: ${(error as Error).message}\n${command.usage}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
    process.stdin.destroy(); // an interactive session may still hold standard input open
  });
}
