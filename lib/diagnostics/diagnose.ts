/**
 * The verdict of `rxtls doctor`: from what the probes found (`DoctorFindings`) to the problems,
 * most important first, each explained by `explain()` with its cause and fix, plus the notes
 * only a diagnosis over several probes can add (a wildcard one level too deep, the clock skew,
 * the missing intermediate fetched by its AIA URL). A pure function.
 * @module
 */
import { explain, explainCode, type Explanation } from './explain';
import type { ExplanationDetails } from './explanations';
import type { CertificateFacts, DoctorFindings, HandshakeFinding, ServedFlightFinding } from './doctor-findings';
import { servedChainFaults } from './served-chain';

export type {
  CertificateFacts,
  DnsFinding,
  DoctorFindings,
  HandshakeFinding,
  IntermediateFinding,
  PlaintextFinding,
  PlaintextProtocol,
  ProbeError,
  ServedCertificate,
  ServedFlightFinding,
  TcpFinding,
  VersionFinding,
} from './doctor-findings';

/**
 * One problem of a {@link Verdict}: an {@link Explanation} (code, cause, fix, details), how bad it
 * is, and what the diagnosis adds to it.
 *
 * @example
 * ```ts
 * import type { DiagnosedProblem } from 'rxtls';
 * const print = (p: DiagnosedProblem) => [`${p.severity} ${p.code}: ${p.cause}`, `fix: ${p.fix}`, ...p.notes].join('\n');
 * ```
 */
export interface DiagnosedProblem extends Explanation {
  /** `error`: the connection fails; `warning`: it works here, but something is off. */
  readonly severity: 'error' | 'warning';
  /** What the diagnosis found beyond the explanation, one sentence each. */
  readonly notes: readonly string[];
}

/**
 * What is wrong with a server, most important first, and the exit status `rxtls doctor` gives
 * for it — the one of `rxtls connect`: 0 it connects and verifies (warnings allowed), 2 the
 * certificate fails verification, 1 anything else fails.
 *
 * @example
 * ```ts
 * import type { Verdict } from 'rxtls';
 * const headline = (v: Verdict) => (v.problems[0] ? `${v.status}: ${v.problems[0].code}` : 'ok');
 * ```
 */
export interface Verdict {
  /** `ok`: verified, nothing to say; `warning`: verified, with warnings; `failed`: would not connect. */
  readonly status: 'ok' | 'warning' | 'failed';
  /** The exit status of `rxtls doctor`, as `rxtls connect`'s: 0 verified, 2 certificate rejected, 1 anything else. */
  readonly exitCode: 0 | 1 | 2;
  /** Every problem, most important first, each with its cause and fix. */
  readonly problems: readonly DiagnosedProblem[];
}

const DAY = 86_400_000;
/** A certificate that becomes valid less than this far ahead was probably issued just now: the clock of this machine is behind. */
const CLOCK_SKEW_SUSPECTED_MS = DAY;
const LEGACY_VERSIONS = new Set(['TLSv1', 'TLSv1.1']);
const NAME_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const CHAIN_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);
const KEY_CODES = new Set(['EE_KEY_TOO_SMALL', 'CA_KEY_TOO_SMALL']);
const VERSION_CODES = new Set([
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR',
]);

/**
 * Diagnoses a server from what `rxtls doctor`'s probes found: the problems, most important
 * first — the name lookup, then TCP, then a port that does not speak TLS, then the handshake,
 * then each certificate problem in `explain()`'s order (trust, dates, name) — and the warnings
 * of a server that works (SNI required, a private or intercepting root). Every problem carries
 * `explain()`'s cause and fix; none says to switch verification off.
 *
 * Informally: `findings → { status, exitCode, problems }`.
 *
 * @param findings What the probes found.
 * @returns The verdict.
 *
 * @example
 * ```ts
 * import { diagnose } from 'rxtls';
 * const verdict = diagnose({
 *   host: 'mail.example.com', port: 993, servername: 'mail.example.com', now: new Date().toISOString(),
 *   dns: { status: 'ok', addresses: [{ address: '192.0.2.7', family: 4 }] },
 *   tcp: [{ address: '192.0.2.7', family: 4, status: 'ok', ms: 12 }],
 *   tls: { status: 'failed', sni: true, problems: [], error: { code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'wrong version number' } },
 *   plaintext: { greeting: '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready', protocol: 'imap', startTls: true },
 * });
 * console.log(verdict.exitCode, verdict.problems[0]?.code); // 1 ERR_RXTLS_STARTTLS_REQUIRED
 * ```
 * @see {@link explain}
 */
export function diagnose(findings: DoctorFindings): Verdict {
  const target = `${findings.host}:${findings.port}`;
  const now = new Date(findings.now);
  const { dns, tcp, tls } = findings;
  if (dns.status === 'failed') return verdictOf([problem(dns.error?.code ?? 'ENOTFOUND', { target, reason: dns.error?.message })]);
  const reached = tcp.filter((t) => t.status === 'ok');
  const unreachable = tcp.flatMap((t) => (t.status === 'failed' ? [t] : []));
  if (reached.length === 0) {
    const first = unreachable[0];
    const others = unreachable.slice(1).map((t) => `${t.address}: ${t.error?.code ?? 'failed'}`);
    return verdictOf([
      problem(
        first?.error?.code ?? 'ERR_RXTLS_CONNECT_FAILED',
        { target, reason: first?.error?.message },
        others.length > 0 ? [`Also: ${others.join(', ')}.`] : [],
      ),
    ]);
  }
  const problems: DiagnosedProblem[] = unreachable.map((t) =>
    problem(
      t.error?.code ?? 'ERR_RXTLS_CONNECT_FAILED',
      { target: `${t.address}:${findings.port}`, reason: t.error?.message },
      [`${reached.map((r) => r.address).join(', ')} answered: clients that try ${t.address} first may wait or fail.`],
      'warning',
    ),
  );
  if (tls === undefined) return verdictOf(problems);
  if (tls.status === 'failed' && tls.peer === undefined) return verdictOf([...handshakeFailure(findings, tls, target), ...problems]);
  if (tls.status === 'failed' && tls.error) {
    // The handshake finished, then the server closed: it wants a client certificate, or refused ours.
    return verdictOf([problem(tls.error.code, { target, reason: tls.error.message }, requestNotes(findings.served)), ...problems]);
  }
  const certificateProblems = tls.status === 'rejected' ? certificateFailure(findings, tls, now) : [];
  const warnings = serverWarnings(findings, tls, target);
  return verdictOf([...certificateProblems, ...warnings, ...problems]);
}

function verdictOf(problems: readonly DiagnosedProblem[]): Verdict {
  const errors = problems.filter((p) => p.severity === 'error');
  const certificate = errors[0] !== undefined && isCertificateCode(errors[0].code);
  return {
    status: errors.length > 0 ? 'failed' : problems.length > 0 ? 'warning' : 'ok',
    exitCode: errors.length === 0 ? 0 : certificate ? 2 : 1,
    problems,
  };
}

/** Certificate problems are upper-case codes without the ERR_ and E-prefixes of the transport (CERT_HAS_EXPIRED, PIN_MISMATCH). */
function isCertificateCode(code: string): boolean {
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' || !/^(ERR_|E[A-Z]+$)/.test(code);
}

function problem(
  code: string,
  details: ExplanationDetails,
  notes: readonly string[] = [],
  severity: 'error' | 'warning' = 'error',
): DiagnosedProblem {
  const defined = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)) as ExplanationDetails;
  return { ...explainCode(code, defined), severity, notes };
}

/** No handshake: a plaintext port, nothing at all, only legacy versions, or what OpenSSL said. */
function handshakeFailure(findings: DoctorFindings, tls: HandshakeFinding, target: string): DiagnosedProblem[] {
  const { plaintext, versions = [] } = findings;
  if (plaintext?.protocol !== undefined || plaintext?.greeting !== undefined) {
    const details = { target, protocol: plaintext.protocol, greeting: plaintext.greeting };
    return [problem(plaintext.startTls ? 'ERR_RXTLS_STARTTLS_REQUIRED' : 'ERR_RXTLS_PLAINTEXT_PORT', details)];
  }
  const code = tls.error?.code ?? 'ERR_RXTLS_HANDSHAKE_FAILED';
  if (plaintext !== undefined && code === 'ERR_RXTLS_HANDSHAKE_TIMEOUT')
    return [problem('ERR_RXTLS_NO_ANSWER', { target, reason: tls.error?.message })];
  const accepted = versions.filter((v) => v.accepted).map((v) => v.version);
  if (accepted.length > 0 && accepted.every((v) => LEGACY_VERSIONS.has(v)))
    return [
      problem('ERR_RXTLS_LEGACY_TLS_ONLY', { target, versions: accepted, reason: tls.error?.message }, [
        `Offered alone, the server accepted ${accepted.join(', ')} and refused TLS 1.2 and 1.3 (that probe ran at OpenSSL security level 0, which rxtls never uses to connect).`,
      ]),
    ];
  const notes = VERSION_CODES.has(code) && accepted.length > 0 ? [`Offered alone, the server accepted ${accepted.join(', ')}.`] : [];
  return [problem(code, { target, reason: tls.error?.message }, [...notes, ...requestNotes(findings.served)])];
}

/** The certificate problems, in explain()'s order, each with what the diagnosis adds. */
function certificateFailure(findings: DoctorFindings, tls: HandshakeFinding, now: Date): DiagnosedProblem[] {
  const peer = tls.peer;
  if (peer === undefined) return [];
  // peerSaw is about the rejected peer's view, which explain() does not read.
  const failure = {
    type: 'certFailed',
    errors: tls.problems,
    reason: tls.problems[0]?.reason ?? '',
    peer,
    peerSaw: 'handshake-failure',
  } as const;
  const explained = explain(failure, { now });
  const { otherProblems = [], ...details } = explained.details;
  const first: DiagnosedProblem = { ...explained, details, severity: 'error', notes: notesFor(explained.code, findings, now) };
  const rest = otherProblems.map((other): DiagnosedProblem => ({
    code: other.code,
    cause: other.cause,
    fix: other.fix,
    details: { reason: other.reason },
    severity: 'error',
    notes: notesFor(other.code, findings, now),
  }));
  // OpenSSL may name one missing link twice (UNABLE_TO_GET_ISSUER_CERT_LOCALLY and UNABLE_TO_VERIFY_LEAF_SIGNATURE): say what was found once.
  const said = new Set<string>();
  return [first, ...rest].map((p) => {
    const notes = p.notes.filter((note) => !said.has(note));
    p.notes.forEach((note) => said.add(note));
    return notes.length === p.notes.length ? p : { ...p, notes };
  });
}

function notesFor(code: string, findings: DoctorFindings, now: Date): string[] {
  const chain = findings.chain ?? [];
  const leaf = chain[0];
  if (NAME_CODES.has(code)) return wildcardNotes(findings.servername, findings.tls?.peer?.subjectAltNames ?? []);
  if (code === 'CERT_NOT_YET_VALID' && leaf) return [clockNote(leaf, now)];
  if (code === 'CERT_HAS_EXPIRED' && leaf && leaf.daysLeft < 0) {
    const since = Math.floor((now.getTime() - new Date(leaf.validTo).getTime()) / DAY);
    return [
      `It expired on ${leaf.validTo.slice(0, 10)}, ${since === 0 ? 'less than a day' : `${since} day${since === 1 ? '' : 's'}`} ago by this machine's clock.`,
    ];
  }
  if (KEY_CODES.has(code))
    return chain.filter(weakKey).map((c) => `"${c.subject}" has a ${c.keyBits ?? '?'}-bit ${c.keyType.toUpperCase()} key.`);
  if (code === 'CA_MD_TOO_WEAK') return chain.filter(weakDigest).map((c) => `"${c.subject}" is signed with ${c.signatureAlgorithm}.`);
  if (CHAIN_CODES.has(code)) return intermediateNotes(findings);
  return [];
}

function weakKey(c: CertificateFacts): boolean {
  return (c.keyType === 'rsa' || c.keyType === 'dsa') && c.keyBits !== undefined && c.keyBits < 2048;
}

function weakDigest(c: CertificateFacts): boolean {
  return !c.selfIssued && /sha-?1\b|sha1With|md5/i.test(c.signatureAlgorithm);
}

/** A wildcard matches exactly one label: `*.example.com` covers `a.example.com`, not `a.b.example.com` (RFC 6125 §6.4.3). */
function wildcardNotes(servername: string, names: readonly string[]): string[] {
  const name = servername.toLowerCase();
  return names.flatMap((entry) => {
    const match = /^DNS:\*\.(.+)$/i.exec(entry);
    const base = match?.[1]?.toLowerCase();
    if (base === undefined || !name.endsWith(`.${base}`)) return [];
    const labels = name.slice(0, -base.length - 1).split('.').length;
    return labels > 1
      ? [
          `The wildcard *.${base} covers one label only: "${servername}" is ${labels} levels below ${base}, so it needs its own name (or *.${name.split('.').slice(1).join('.')}) on the certificate.`,
        ]
      : [];
  });
}

function clockNote(leaf: CertificateFacts, now: Date): string {
  const ahead = new Date(leaf.validFrom).getTime() - now.getTime();
  const minutes = Math.round(ahead / 60_000);
  return ahead < CLOCK_SKEW_SUSPECTED_MS
    ? `It becomes valid at ${leaf.validFrom}, ${minutes} minutes after this machine's clock: if it was just issued, this machine's clock is behind (check NTP).`
    : `It becomes valid at ${leaf.validFrom}, ${Math.ceil(ahead / DAY)} days from now: too far ahead for clock skew — it was issued with a future start date.`;
}

function intermediateNotes(findings: DoctorFindings): string[] {
  const fetched = findings.intermediate;
  const last = findings.chain?.at(-1);
  if (fetched === undefined)
    return last && !last.selfIssued && last.caIssuers.length === 0
      ? [`"${last.subject}" names no URL for its issuer (no AIA caIssuers), so the missing certificate could not be fetched.`]
      : [];
  if (fetched.status === 'failed') return [`Fetching the issuer from ${fetched.url} failed (${fetched.error ?? 'no reason'}).`];
  const verdict =
    fetched.issuesLastCertificate !== true
      ? 'but it is not the issuer of the last certificate the server sent'
      : fetched.chainsToTrusted === true
        ? 'and a CA this program trusts issued it: the server only forgot to send it, and must send it after its own certificate'
        : 'but no CA this program trusts issued it either';
  return [
    `Fetched for this diagnosis only (rxtls never fetches certificates when it connects): "${fetched.subject ?? '?'}" from ${fetched.url}, ${verdict}.`,
  ];
}

/** What is off about a server that completes its handshake. */
function serverWarnings(findings: DoctorFindings, tls: HandshakeFinding, target: string): DiagnosedProblem[] {
  const warnings: DiagnosedProblem[] = [];
  const withoutSni = findings.withoutSni;
  if (tls.sni && withoutSni?.status === 'failed' && withoutSni.peer === undefined)
    warnings.push(
      problem(
        'ERR_RXTLS_SNI_REQUIRED',
        { target, servername: findings.servername, reason: withoutSni.error?.message },
        [`Without SNI the handshake failed with ${withoutSni.error?.code ?? 'an error'}.`],
        'warning',
      ),
    );
  const request = findings.served?.certificateRequest;
  // Verified without sending one: what the server asked for was optional.
  if (tls.status === 'verified' && request !== undefined)
    warnings.push(
      problem(
        'ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL',
        { target, certificateAuthorities: request.certificateAuthorities },
        [...requestNotes(findings.served), 'The handshake completed without a client certificate.'],
        'warning',
      ),
    );
  warnings.push(...servedChainWarnings(findings.served, target));
  const anchor = findings.anchor;
  if (tls.status === 'verified' && anchor !== undefined && !anchor.public)
    warnings.push(
      problem(
        'ERR_RXTLS_PRIVATE_ROOT',
        { target, issuer: anchor.subject },
        [
          interceptionNote(anchor.subject),
          'What cannot be seen from here: whether this CA belongs to the server or to something in between — only a comparison from another network (or with the operator) tells.',
        ],
        'warning',
      ),
    );
  return warnings;
}

/** Names that interception products give their CAs; a match is a strong hint, no match proves nothing. */
const INTERCEPTION_NAMES =
  /proxy|intercept|inspection|antivirus|web ?gateway|firewall|zscaler|netskope|fortinet|fortigate|blue ?coat|symantec web|palo alto|sophos|kaspersky|avast|avg|eset|bitdefender|mitmproxy|charles|fiddler|burp/i;

function interceptionNote(subject: string): string {
  return INTERCEPTION_NAMES.test(subject)
    ? `Its name ("${subject}") is the kind an interception product (a TLS-inspecting proxy or antivirus) gives its CA: this connection is most likely being re-signed on its way.`
    : `Its name ("${subject}") does not say whether it is a private CA or an interception product's.`;
}

/** What the server's CertificateRequest (read off the wire) says, for the problems about client certificates. */
function requestNotes(served: ServedFlightFinding | undefined): string[] {
  const request = served?.certificateRequest;
  if (request === undefined) return [];
  const names = request.certificateAuthorities;
  return [
    `The server sent a CertificateRequest (read off the wire${served?.protocol ? `, ${served.protocol}` : ''}) accepting ${names.length === 0 ? 'a certificate from any CA (it names none)' : `certificates issued by ${names.map((n) => `"${n}"`).join(', ')}`}.`,
  ];
}

/** The faults of the chain as it came over the wire: out of order, repeated, unrelated, the root sent. */
function servedChainWarnings(served: ServedFlightFinding | undefined, target: string): DiagnosedProblem[] {
  const certificates = served?.certificates;
  if (certificates === undefined || certificates.length === 0) return [];
  const faults = servedChainFaults(certificates);
  const order = certificates.map((c) => c.subject);
  const subject = (i: number) => certificates[i]?.subject ?? '?';
  const warnings: DiagnosedProblem[] = [];
  if (faults.outOfOrder)
    warnings.push(
      problem(
        'ERR_RXTLS_CHAIN_OUT_OF_ORDER',
        { target, served: order },
        [`The order that would fit: ${faults.path.map((i) => `"${subject(i)}"`).join(', then ')}.`],
        'warning',
      ),
    );
  for (const i of faults.duplicates)
    warnings.push(
      problem(
        'ERR_RXTLS_CHAIN_DUPLICATE',
        { target, subject: subject(i), served: order },
        [`It is sent again at position ${i}.`],
        'warning',
      ),
    );
  for (const i of faults.unrelated)
    warnings.push(
      problem(
        'ERR_RXTLS_CHAIN_UNRELATED',
        { target, subject: subject(i), issuer: certificates[i]?.issuer, served: order },
        [`It is sent at position ${i}, issued by "${certificates[i]?.issuer ?? '?'}".`],
        'warning',
      ),
    );
  if (faults.rootSent !== undefined)
    warnings.push(problem('ERR_RXTLS_CHAIN_ROOT_SENT', { target, subject: subject(faults.rootSent), served: order }, [], 'warning'));
  return warnings;
}
