import type { Explanation } from '../diagnostics/explain';
import type { CertError, CertificateSummary, PeerInfo, SessionInfo } from '../events';

/** How the command prints: colours only for a terminal, and never when NO_COLOR is set. */
export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
}

export function styleFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  const colour = stream.isTTY === true && env['NO_COLOR'] === undefined;
  const paint = (code: number) => (text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { bold: paint(1), dim: paint(2), red: paint(31), green: paint(32), yellow: paint(33) };
}

const DAY = 86_400_000;

function date(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function certificate(cert: CertificateSummary, depth: number, style: Style, now: number): string[] {
  const left = Math.floor((cert.validTo.getTime() - now) / DAY);
  const validity = left < 0 ? style.red(`expired ${-left} days ago`) : left < 14 ? style.yellow(`${left} days left`) : `${left} days left`;
  return [
    `  ${depth}  ${style.bold(cert.subject || '(no subject)')}`,
    `     issuer   ${cert.issuer}`,
    `     valid    ${date(cert.validFrom)} to ${date(cert.validTo)} (${validity})`,
    ...(cert.subjectAltNames.length > 0 ? [`     names    ${cert.subjectAltNames.join(', ')}`] : []),
    `     pin      ${cert.spkiPin}`,
  ];
}

/** The connection summary: what was negotiated and the chain, leaf first. */
export function summary(target: string, peer: PeerInfo, session: SessionInfo, style: Style, now = Date.now()): string {
  return [
    `${style.green('Connected')} to ${target} — verified`,
    `  ${session.protocol}, ${session.cipher}, ALPN ${session.alpn === false ? 'none' : session.alpn}, ${session.resumed ? 'resumed session' : 'new session'}`,
    'Certificate chain:',
    ...peer.chain.flatMap((cert, depth) => certificate(cert, depth, style, now)),
  ].join('\n');
}

/** Every problem, one per line, with its code and OpenSSL's reason. */
export function problems(errors: readonly CertError[], style: Style): string {
  return [
    style.red('Certificate verification failed:'),
    ...errors.map((e) => `  ${e.code}: ${e.reason}${e.certificate ? ` (${e.certificate})` : ''}`),
  ].join('\n');
}

/**
 * What `explain()` says of a failure, under the message that reports it: why, and what to do —
 * then, for a `certFailed` with several problems, each other one with its own why and fix.
 */
export function explanation(explained: Explanation, style: Style): string {
  return [
    `  ${style.bold('why:')} ${explained.cause}`,
    `  ${style.bold('fix:')} ${explained.fix}`,
    ...(explained.details.otherProblems ?? []).flatMap((other) => [
      `  ${style.bold('and')} ${other.code}: ${other.cause}`,
      `    ${style.bold('fix:')} ${other.fix}`,
    ]),
  ].join('\n');
}

/** A plain-JSON view of an event, for `--json`. */
export function json(event: Record<string, unknown>): string {
  return JSON.stringify(event, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('base64') : value));
}
