import { isPositiveInteger } from '../util/option-checks';

/** Bad arguments: main() prints the message and the command's usage, never a stack trace, and exits 1. */
export class UsageError extends Error {}

/**
 * One `rxtls` command: its help text, the parser of its arguments (which throws
 * {@link UsageError}, or an Error naming what is wrong), and what it does with them.
 */
export interface CliCommand<Parsed> {
  /** The text `rxtls COMMAND --help` prints, and bad arguments are followed by. */
  readonly usage: string;
  /** Reads the arguments after the command's name. */
  readonly parse: (args: readonly string[]) => Parsed;
  /** Runs it; resolves to the exit status. (A method, so that any command is a `CliCommand<unknown>` to main().) */
  run(parsed: Parsed, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number>;
}

/** A `--NAME SECONDS` flag: a positive number (fractions allowed), or `fallback` when it is not given. */
export function secondsFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got "${text}"`);
  return value;
}

/** A `--NAME N` flag: a positive integer, or undefined when it is not given. */
export function positiveIntegerFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isPositiveInteger(value)) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

/** `--cert FILE --key FILE`: both or neither. */
export function certAndKey(values: { readonly cert?: string | undefined; readonly key?: string | undefined }): void {
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
}
