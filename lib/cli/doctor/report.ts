/**
 * What `rxtls doctor` prints: the steps it took, each with its status and facts, and the
 * verdict — as text for people, or as one JSON document (`--json`) for scripts and monitoring.
 * The document's shape is stable and versioned ({@link DOCTOR_REPORT_VERSION}); docs/command-line.md
 * describes its fields.
 * @module
 */
import type { CertificateFacts, DoctorFindings, HandshakeFinding, ServedFlightFinding } from '../../diagnostics/doctor-findings';
import type { Verdict } from '../../diagnostics/diagnose';
import { servedChainFaults, type ServedChainFaults } from '../../diagnostics/served-chain';
import type { Style } from '../output';

/** The version of the `--json` document: raised when a field changes meaning or goes away (new fields may appear). */
export const DOCTOR_REPORT_VERSION = 1;

/** A step's status: `ok`, `warning` (works, but see the verdict), `failed`, or `skipped` (it could not apply). */
export type StepStatus = 'ok' | 'warning' | 'failed' | 'skipped';

/** One step of the report. */
export interface DoctorStep {
  readonly name:
    'dns' | 'tcp' | 'tls' | 'plaintext' | 'versions' | 'sni' | 'chain' | 'validity' | 'name' | 'client-certificate' | 'resumption';
  readonly status: StepStatus;
  /** One line for people. */
  readonly summary: string;
  /** The facts, as plain JSON. */
  readonly facts: Readonly<Record<string, unknown>>;
}

/** The `--json` document. */
export interface DoctorReport {
  readonly version: typeof DOCTOR_REPORT_VERSION;
  readonly target: string;
  readonly servername: string;
  readonly starttls: string | null;
  readonly time: string;
  readonly steps: readonly DoctorStep[];
  readonly verdict: Verdict;
}

const CLIENT_CERTIFICATE_CODES = new Set(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']);

function handshakeFacts(h: HandshakeFinding): Record<string, unknown> {
  return {
    status: h.status,
    sni: h.sni,
    ...(h.protocol && { protocol: h.protocol, cipher: h.cipher }),
    problems: h.problems.map((p) => ({ code: p.code, reason: p.reason, ...(p.certificate && { certificate: p.certificate }) })),
    ...(h.peer && { subject: h.peer.subject, fingerprint256: h.peer.fingerprint256 }),
    ...(h.error && { error: h.error }),
  };
}

function certificateLine(c: CertificateFacts, depth: number): string {
  const key = `${c.keyType}${c.keyBits === undefined ? '' : ` ${c.keyBits}`}${c.curve ? ` (${c.curve})` : ''}`;
  return `${depth} ${c.subject} ← ${c.issuer}; ${key}; ${c.signatureAlgorithm}`;
}

/** The chain as served, one line a certificate in wire order, each fault marked. */
function servedLines(served: ServedFlightFinding | undefined, starttls: boolean, leaf: CertificateFacts | undefined): string[] {
  if (served === undefined) return starttls ? ['as served: not read (a STARTTLS upgrade is not tapped)'] : [];
  const how =
    served.protocol === 'TLSv1.3' ? `${served.protocol}, decrypted with this probe's own handshake secret` : (served.protocol ?? '?');
  const certificates = served.certificates;
  if (certificates === undefined)
    return [`as served: not read (${served.status === 'read' ? 'no Certificate message' : (served.error ?? served.status)})`];
  const faults = servedChainFaults(certificates);
  const mark = (i: number): string => {
    const marks = [
      faults.duplicates.includes(i) && 'a repeat',
      faults.unrelated.includes(i) && 'unrelated to the chain',
      faults.rootSent === i && 'the root (not needed)',
      faults.outOfOrder && faults.path.includes(i) && i > 0 && !inPlace(faults, i) && 'out of order: sent before the one it issued',
    ].filter((m): m is string => typeof m === 'string');
    return marks.length > 0 ? `  [${marks.join(', ')}]` : '';
  };
  return [
    `as served, in the order on the wire (${how}):`,
    ...certificates.map((c, i) => `${i} ${c.subject} ← ${c.issuer}${mark(i)}`),
    ...(served.error ? [`(${served.error})`] : []),
    // The wire probe is a handshake of its own: a server behind a balancer may answer it with another certificate.
    ...(leaf && certificates[0] && certificates[0].fingerprint256 !== leaf.fingerprint256
      ? ['(this handshake got another certificate than the one verified above: several servers behind one address?)']
      : []),
    'the chain Node built (leaf, then each issuer):',
  ];
}

/** Whether the certificate at `i` comes right after the one it issued, on the path. */
function inPlace(faults: ServedChainFaults, i: number): boolean {
  const step = faults.path.indexOf(i);
  return step > 0 && (faults.path[step - 1] ?? 0) < i;
}

/** The client-certificate step: required (the handshake ended for the want of one), requested (read off the wire), or neither. */
function clientCertificateStep(f: DoctorFindings, tls: HandshakeFinding): DoctorStep {
  const required = tls.status === 'failed' && CLIENT_CERTIFICATE_CODES.has(tls.error?.code ?? '');
  const request = f.served?.certificateRequest;
  const accepted =
    request === undefined
      ? ''
      : `; it accepts ${request.certificateAuthorities.length === 0 ? 'any CA' : request.certificateAuthorities.map((n) => `"${n}"`).join(', ')}`;
  const read = f.served?.status === 'read' && f.served.complete;
  const summary = required
    ? `required: the server ended the connection with ${tls.error?.code ?? '?'} when none was sent${accepted}`
    : request !== undefined
      ? `requested (${tls.status === 'verified' ? 'optional: the handshake completed without one' : 'whether it is required was not seen: the handshake did not get that far'})${accepted}`
      : read
        ? 'not requested (the server sent no CertificateRequest)'
        : `not required (whether one is requested optionally was not read${f.served?.error ? `: ${f.served.error}` : ''})`;
  return {
    name: 'client-certificate',
    status: required ? 'failed' : request !== undefined && tls.status === 'verified' ? 'warning' : 'ok',
    summary,
    facts: {
      required,
      requested: request !== undefined ? true : read ? false : null,
      ...(request && { certificateAuthorities: request.certificateAuthorities, signatureAlgorithms: request.signatureAlgorithms }),
    },
  };
}

/** The steps, from what the probes found. */
export function stepsOf(f: DoctorFindings): DoctorStep[] {
  const steps: DoctorStep[] = [];
  const addresses = f.dns.addresses.map((a) => a.address);
  steps.push({
    name: 'dns',
    status: f.dns.status === 'failed' ? 'failed' : f.dns.status === 'skipped' ? 'skipped' : 'ok',
    summary:
      f.dns.status === 'failed'
        ? `${f.host}: ${f.dns.error?.code ?? 'failed'}`
        : f.dns.status === 'skipped'
          ? `${f.host} is an address`
          : `${f.host} → ${addresses.join(', ')}`,
    facts: { addresses: f.dns.addresses, ...(f.dns.error && { error: f.dns.error }) },
  });
  if (f.tcp.length > 0) {
    const reached = f.tcp.filter((t) => t.status === 'ok').length;
    steps.push({
      name: 'tcp',
      status: reached === f.tcp.length ? 'ok' : reached === 0 ? 'failed' : 'warning',
      summary: f.tcp
        .map((t) => (t.status === 'ok' ? `${t.address} connected (${t.ms ?? 0} ms)` : `${t.address} ${t.error?.code ?? 'failed'}`))
        .join('; '),
      facts: { connections: f.tcp },
    });
  }
  const tls = f.tls;
  if (tls) {
    steps.push({
      name: 'tls',
      status: tls.status === 'verified' ? 'ok' : 'failed',
      summary:
        tls.peer === undefined
          ? `no handshake: ${tls.error?.code ?? 'failed'}`
          : `${tls.protocol === undefined ? 'handshake done' : `${tls.protocol}${tls.cipher ? `, ${tls.cipher}` : ''}`}: ${tls.status === 'verified' ? 'verified' : `certificate ${tls.status === 'rejected' ? `rejected (${tls.problems.map((p) => p.code).join(', ')})` : 'accepted, then the server closed'}`}`,
      facts: handshakeFacts(tls),
    });
  }
  if (f.plaintext)
    steps.push({
      name: 'plaintext',
      status: f.plaintext.greeting === undefined ? 'ok' : 'failed',
      summary:
        f.plaintext.greeting === undefined
          ? 'no plaintext greeting, no HTTP response'
          : `speaks ${f.plaintext.protocol?.toUpperCase() ?? 'plaintext'}: "${f.plaintext.greeting}"${f.plaintext.startTls ? ', offers STARTTLS' : ''}`,
      facts: { ...f.plaintext },
    });
  if (f.versions) {
    const accepted = f.versions.filter((v) => v.accepted).map((v) => v.version);
    const modern = accepted.some((v) => v === 'TLSv1.2' || v === 'TLSv1.3');
    steps.push({
      name: 'versions',
      status: !modern ? 'failed' : accepted.length === 4 || accepted.includes('TLSv1') || accepted.includes('TLSv1.1') ? 'warning' : 'ok',
      summary: `accepted: ${accepted.join(', ') || 'none'} (each offered alone, at OpenSSL security level 0 for this probe only)`,
      facts: { versions: f.versions, probeSecurityLevel: 0 },
    });
  }
  if (f.withoutSni)
    steps.push({
      name: 'sni',
      status: f.withoutSni.peer === undefined ? 'warning' : 'ok',
      summary:
        f.withoutSni.peer === undefined
          ? `without SNI: ${f.withoutSni.error?.code ?? 'failed'}`
          : `without SNI: ${f.withoutSni.peer.fingerprint256 === tls?.peer?.fingerprint256 ? 'the same certificate' : `another certificate (${f.withoutSni.peer.subject})`}`,
      facts: handshakeFacts(f.withoutSni),
    });
  if (f.chain) {
    const weak = f.chain.some(
      (c) => (c.keyType === 'rsa' && (c.keyBits ?? 0) < 2048) || (!c.selfIssued && /sha1|SHA1|md5/.test(c.signatureAlgorithm)),
    );
    const missing = (tls?.problems ?? []).some((p) => /UNABLE_TO_(VERIFY_LEAF|GET_ISSUER)/.test(p.code));
    const faults = f.served?.certificates ? servedChainFaults(f.served.certificates) : undefined;
    const untidy =
      faults !== undefined &&
      (faults.outOfOrder || faults.duplicates.length > 0 || faults.unrelated.length > 0 || faults.rootSent !== undefined);
    steps.push({
      name: 'chain',
      status: weak || missing ? 'failed' : untidy ? 'warning' : 'ok',
      summary: [
        `${f.served?.certificates ? `${f.served.certificates.length} sent; ` : ''}${f.chain.length} in the chain Node built`,
        ...servedLines(f.served, f.starttls !== undefined, f.chain[0]),
        ...f.chain.map(certificateLine),
        ...(f.intermediate
          ? [
              `missing intermediate, fetched for this diagnosis only from ${f.intermediate.url}: ${f.intermediate.status === 'fetched' ? `${f.intermediate.subject ?? '?'}${f.intermediate.chainsToTrusted ? ', issued by a trusted CA' : ''}` : `failed (${f.intermediate.error ?? '?'})`}`,
            ]
          : []),
        ...(f.anchor ? [`root: ${f.anchor.subject} (${f.anchor.public ? 'a public root' : 'not a public root'})`] : []),
      ].join('\n'),
      facts: {
        certificates: f.chain,
        ...(f.served && { served: { ...f.served, ...(faults && { faults }) } }),
        ...(f.intermediate && { intermediate: { ...f.intermediate, fetchedForDiagnosisOnly: true } }),
        ...(f.anchor && { anchor: f.anchor }),
      },
    });
    const leaf = f.chain[0];
    if (leaf) {
      const notYet = new Date(leaf.validFrom).getTime() - new Date(f.now).getTime();
      steps.push({
        name: 'validity',
        status: leaf.daysLeft < 0 || notYet > 0 ? 'failed' : leaf.daysLeft < 14 ? 'warning' : 'ok',
        summary:
          notYet > 0
            ? `not valid before ${leaf.validFrom}: ${Math.round(notYet / 60_000)} minutes ahead of this machine's clock`
            : leaf.daysLeft < 0
              ? `expired ${leaf.validTo} (${Math.floor((new Date(f.now).getTime() - new Date(leaf.validTo).getTime()) / 86_400_000)} days ago)`
              : `valid ${leaf.validFrom.slice(0, 10)} to ${leaf.validTo.slice(0, 10)}, ${leaf.daysLeft} days left`,
        facts: { validFrom: leaf.validFrom, validTo: leaf.validTo, daysLeft: leaf.daysLeft, notBeforeAheadOfClockMs: Math.max(0, notYet) },
      });
    }
  }
  if (tls?.peer) {
    const mismatch = tls.problems.some((p) => p.code === 'ERR_TLS_CERT_ALTNAME_INVALID' || p.code === 'HOSTNAME_MISMATCH');
    steps.push({
      name: 'name',
      status: mismatch ? 'failed' : 'ok',
      summary: `${f.servername} ${mismatch ? 'is not' : 'is'} on the certificate (${tls.peer.subjectAltNames.join(', ') || 'no names'})`,
      facts: { servername: f.servername, names: tls.peer.subjectAltNames, matches: !mismatch },
    });
  }
  if (tls && (tls.peer !== undefined || f.served?.certificateRequest !== undefined)) steps.push(clientCertificateStep(f, tls));
  if (f.resumption)
    steps.push({
      name: 'resumption',
      status: f.resumption.status === 'resumed' ? 'ok' : 'warning',
      summary: {
        resumed: 'a second connection with the ticket resumed the session',
        'not-resumed': 'a second connection with the ticket did a full handshake',
        'no-ticket': 'the server sent no session ticket',
      }[f.resumption.status],
      facts: { ...f.resumption },
    });
  return steps;
}

/** The `--json` document. */
export function reportOf(f: DoctorFindings, verdict: Verdict): DoctorReport {
  return {
    version: DOCTOR_REPORT_VERSION,
    target: `${f.host}:${f.port}`,
    servername: f.servername,
    starttls: f.starttls ?? null,
    time: f.now,
    steps: stepsOf(f),
    verdict,
  };
}

/** The report as text. */
export function textOf(report: DoctorReport, style: Style): string {
  const mark = (status: StepStatus) =>
    status === 'ok'
      ? style.green('ok    ')
      : status === 'warning'
        ? style.yellow('warn  ')
        : status === 'failed'
          ? style.red('FAILED')
          : style.dim('skip  ');
  const steps = report.steps.map((step) => {
    const [first, ...more] = step.summary.split('\n');
    return [`  ${step.name.padEnd(18)} ${mark(step.status)} ${first ?? ''}`, ...more.map((line) => `${' '.repeat(29)}${line}`)].join('\n');
  });
  const { verdict } = report;
  const headline =
    verdict.status === 'ok'
      ? style.green('no problem found')
      : verdict.status === 'warning'
        ? style.yellow(`it works, with ${verdict.problems.length} warning${verdict.problems.length === 1 ? '' : 's'}`)
        : style.red(
            `${verdict.problems.filter((p) => p.severity === 'error').length} problem${verdict.problems.filter((p) => p.severity === 'error').length === 1 ? '' : 's'}`,
          );
  const problems = verdict.problems.flatMap((p, i) => [
    `  ${i + 1}. ${style.bold(p.code)}${p.severity === 'warning' ? ' (warning)' : ''}`,
    `     ${style.bold('why:')} ${p.cause}`,
    `     ${style.bold('fix:')} ${p.fix}`,
    ...p.notes.map((note) => `     ${style.bold('note:')} ${note}`),
  ]);
  return [
    `rxtls doctor ${report.target}${report.servername !== report.target.replace(/:\d+$/, '') ? ` (servername ${report.servername})` : ''}${report.starttls ? ` --starttls ${report.starttls}` : ''}`,
    ...steps,
    `verdict: ${headline} (exit ${verdict.exitCode})`,
    ...problems,
  ].join('\n');
}
