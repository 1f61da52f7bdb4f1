import { parseArgs } from 'node:util';
import { diagnose } from '../diagnostics/diagnose';
import { parseTarget, type Target } from '../util/host-port';
import { CLI_DEFAULTS, defaultPortFor } from './cli-defaults';
import { secondsFlag, UsageError, type CliCommand } from './command';
import { probeServer } from './doctor/probe-server';
import { DOCTOR_REPORT_VERSION, reportOf, textOf } from './doctor/report';
import { json, styleFor } from './output';
import { isStartTlsProtocol, STARTTLS_PROTOCOLS, type StartTlsProtocol } from './starttls-preambles';

/** `rxtls doctor --help`. */
export const DOCTOR_USAGE = `usage: rxtls doctor HOST[:PORT] [options]   (port ${CLI_DEFAULTS.port} by default)

Probes the server step by step — DNS (every A/AAAA), TCP per address, whether the port speaks
TLS or plaintext (and which protocol), the TLS versions it accepts, SNI, the chain as served
(in the order on the wire; a missing intermediate is fetched by its AIA URL, for the diagnosis
only), validity, the name, key sizes and signature algorithms, client certificates (required or
requested), resumption — and says what is wrong
and how to fix it, most important first. It sends no application data.

  --ca FILE|DIR          trust these CAs instead of Node's root store
  --servername NAME      SNI name and the name verified (default: HOST)
  --starttls PROTO       upgrade in band first: ${STARTTLS_PROTOCOLS.join(', ')}
  --timeout SECONDS      bound of each probe (default ${CLI_DEFAULTS.doctorTimeoutMs / 1000})
  --json                 one JSON document (version ${DOCTOR_REPORT_VERSION}) on stdout, for scripts and monitoring

exit status: 0 it connects and verifies (warnings allowed), 2 certificate verification failed,
1 network or usage error (as rxtls connect)`;

/** The options of `rxtls doctor`, parsed. */
export interface DoctorCommand {
  readonly target: Target;
  readonly ca?: string;
  readonly servername?: string;
  readonly starttls?: StartTlsProtocol;
  readonly timeoutMs: number;
  readonly json: boolean;
}

/** Reads the arguments of `rxtls doctor`; throws naming the one at fault. */
export function parseDoctorArgs(args: readonly string[]): DoctorCommand {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ca: { type: 'string' },
      servername: { type: 'string' },
      starttls: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('doctor takes exactly one HOST[:PORT]');
  const { starttls } = values;
  if (starttls !== undefined && !isStartTlsProtocol(starttls))
    throw new UsageError(`--starttls must be one of ${STARTTLS_PROTOCOLS.join(', ')}, got "${starttls}"`);
  return {
    target: parseTarget(positionals[0], { defaultPort: defaultPortFor(starttls) }),
    // Seconds, as `connect --timeout`.
    timeoutMs: Math.round(secondsFlag('timeout', values.timeout, CLI_DEFAULTS.doctorTimeoutMs / 1000) * 1000),
    json: values.json === true,
    ...(values.ca !== undefined && { ca: values.ca }),
    ...(values.servername !== undefined && { servername: values.servername }),
    ...(starttls !== undefined && { starttls }),
  };
}

/** Runs `rxtls doctor`; resolves to the exit status of the verdict. */
export async function runDoctor(command: DoctorCommand, stdout: NodeJS.WriteStream): Promise<number> {
  const findings = await probeServer({
    host: command.target.host,
    port: command.target.port,
    timeoutMs: command.timeoutMs,
    ...(command.ca !== undefined && { ca: command.ca }),
    ...(command.servername !== undefined && { servername: command.servername }),
    ...(command.starttls !== undefined && { starttls: command.starttls }),
  });
  const verdict = diagnose(findings);
  const report = reportOf(findings, verdict);
  stdout.write(`${command.json ? json(report as unknown as Record<string, unknown>) : textOf(report, styleFor(stdout, process.env))}\n`);
  return verdict.exitCode;
}

/** `rxtls doctor HOST[:PORT]`. */
export const doctorCommand: CliCommand<DoctorCommand> = { usage: DOCTOR_USAGE, parse: parseDoctorArgs, run: runDoctor };
