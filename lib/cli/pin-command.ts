import { parseArgs } from 'node:util';
import { firstValueFrom, filter } from 'rxjs';
import { connect } from '../client/connect';
import type { CertError, PeerInfo } from '../events';
import type { VerificationPolicy } from '../policies/policy';
import { parseTarget, type Target } from '../util/host-port';
import { explain } from '../diagnostics/explain';
import { CLI_DEFAULTS } from './cli-defaults';
import { explanation, styleFor } from './output';
import { UsageError, type CliCommand } from './command';

/** What `rxtls pin` was asked for. */
export interface PinCommand {
  readonly target: Target;
  readonly ca?: string;
  readonly servername?: string;
}

/** `rxtls pin --help`. */
export const PIN_USAGE = `usage: rxtls pin HOST[:PORT] [--ca FILE|DIR] [--servername NAME]   (port ${CLI_DEFAULTS.port} by default)`;

/** Reads the arguments of `rxtls pin`; throws naming the one at fault. */
export function parsePinArgs(args: readonly string[]): PinCommand {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ca: { type: 'string' }, servername: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('pin takes exactly one HOST[:PORT]');
  return {
    target: parseTarget(positionals[0], { defaultPort: CLI_DEFAULTS.port }),
    ...(values.ca !== undefined && { ca: values.ca }),
    ...(values.servername !== undefined && { servername: values.servername }),
  };
}

/**
 * Prints the SPKI pin of every certificate the server presents, leaf first, and whether the
 * chain verified against the trust store in use. It has to look at servers that are not trusted
 * (that is how one learns a self-signed server's pin), so its policy records the verdict and
 * lets the handshake finish; it then closes without reading or writing a byte.
 */
export async function runPin(options: PinCommand, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  const { target } = options;
  let verdict: readonly CertError[] = [];
  const inspect: VerificationPolicy = {
    name: 'inspect (rxtls pin)',
    check: ({ problems }) => {
      verdict = problems;
      return [];
    },
  };
  try {
    const event = await firstValueFrom(
      connect({
        host: target.host,
        port: target.port,
        verify: inspect,
        ...(options.ca !== undefined && { ca: options.ca }),
        ...(options.servername !== undefined && { servername: options.servername }),
      }).pipe(filter((e) => e.type === 'connected')),
    );
    const peer: PeerInfo = event.type === 'connected' ? event.peer : (undefined as never);
    for (const cert of peer.chain) stdout.write(`${cert.spkiPin}  ${cert.subject}\n`);
    if (verdict.length === 0) stdout.write(`chain verified against ${options.ca ?? "Node's root store"}\n`);
    else
      stdout.write(
        `chain NOT verified against ${options.ca ?? "Node's root store"}: ${verdict.map((p) => `${p.code} (${p.reason})`).join('; ')}\n`,
      );
    return 0;
  } catch (error) {
    stderr.write(`rxtls: ${(error as Error).message}\n${explanation(explain(error as Error), styleFor(stderr, process.env))}\n`);
    return 1;
  }
}

/** `rxtls pin HOST[:PORT]`. */
export const pinCommand: CliCommand<PinCommand> = { usage: PIN_USAGE, parse: parsePinArgs, run: runPin };
