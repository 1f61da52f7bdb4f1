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
