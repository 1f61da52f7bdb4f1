/**
 * What the example clients' command lines share: the error a rejected certificate becomes, and
 * how a run is printed and ends — exit status 0, 1 for bad arguments or a failed session, 2 for
 * a certificate that did not pass (as `rxtls connect`), with the cause and the fix from
 * `explain()` under the problems.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { runCommandLine } from './command-line';
 *
 * runCommandLine(() => of('hello'));
 * ```
 * @module
 */
import type { Observable } from 'rxjs';
import { explain, type CertFailedEvent, type Explanation } from '../lib';

/** The certificate check failed; `reasons` lists every problem (`CODE: reason`), `explanation` says what it means and what to do. */
export class CertificateRejected extends Error {
  override readonly name = 'CertificateRejected';
  readonly reasons: readonly string[];
  readonly explanation: Explanation;
  /** @param connection Which connection it was, for clients with more than one ("control connection"). */
  constructor(event: CertFailedEvent, connection?: string) {
    const reasons = event.errors.map((e) => `${e.code}: ${e.reason}`);
    super(`${connection ? `${connection}: ` : ''}certificate check failed: ${reasons.join('; ')}`);
    this.reasons = reasons;
    this.explanation = explain(event);
  }
}

/** What a failure prints: the problems, the cause and the fix for a certificate; the message otherwise. */
export function describeFailure(error: Error): string {
  if (!(error instanceof CertificateRejected)) return `Error: ${error.message}`;
  const { cause, fix } = error.explanation;
  return `Certificate check failed:\n  ${error.reasons.join('\n  ')}\n${cause}\nFix: ${fix}`;
}

/**
 * Runs an example from the command line: `start` reads the arguments (throwing on bad ones, exit
 * status 1) and returns the lines to print; a failure is printed by {@link describeFailure}.
 */
export function runCommandLine(start: () => Observable<string>): void {
  let output: Observable<string>;
  try {
    output = start();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
    return;
  }
  output.subscribe({
    next: (line) => console.log(line),
    error: (error: Error) => {
      console.error(describeFailure(error));
      process.exitCode = error instanceof CertificateRejected ? 2 : 1;
    },
  });
}

/** What {@link readArguments} read: `--name value` options, bare `--switch`es, and the words after them. */
export interface Arguments {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
  readonly rest: readonly string[];
}

/**
 * Reads the leading options of `argv`: each of `options.values` takes the next word, each of
 * `options.switches` none. Any other `--word`, an option without its value, or (unless
 * `options.rest`) a word after them throws with `usage`.
 */
export function readArguments(
  argv: readonly string[],
  options: { readonly values: readonly string[]; readonly switches?: readonly string[]; readonly rest?: boolean; readonly usage: string },
): Arguments {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let i = 0;
  for (; i < argv.length && (argv[i] as string).startsWith('--'); i++) {
    const name = argv[i] as string;
    if (options.switches?.includes(name)) switches.add(name);
    else if (options.values.includes(name)) {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${name} needs a value\n${options.usage}`);
      values.set(name, value);
    } else throw new Error(`unknown argument ${name}\n${options.usage}`);
  }
  const rest = argv.slice(i);
  if (!options.rest && rest.length > 0) throw new Error(`unknown argument ${rest[0]}\n${options.usage}`);
  return { values, switches, rest };
}

/** `--port`, 1-65535, or `fallback`. */
export function portArgument(values: ReadonlyMap<string, string>, fallback: number, usage: string): number {
  const text = values.get('--port');
  const port = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1-65535, got ${text}\n${usage}`);
  return port;
}

/**
 * The password in the environment variable `--password-env` names (never on the command line,
 * where `ps` shows it); undefined without `--password-env`; throws if the variable is not set.
 */
export function passwordArgument(values: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): string | undefined {
  const variable = values.get('--password-env');
  if (variable === undefined) return undefined;
  const password = env[variable];
  if (password === undefined) throw new Error(`the environment variable ${variable} (--password-env) is not set`);
  return password;
}
