import type { CertErrorCode } from '../errors';
import type { CertError, CertFailedEvent, CertificateSummary, ClosedEvent, PeerInfo } from '../events';
import {
  EXPLANATIONS,
  unknownCodeEntry,
  type ExplainedCode,
  type ExplainedProblem,
  type ExplanationDetails,
  type ExplanationEntry,
  type ProblemGroup,
  type Sentence,
} from './explanations';

export type { ExplainedProblem, ExplanationDetails } from './explanations';

/**
 * What went wrong, in plain words, and what to do about it: the result of {@link explain}.
 *
 * @example
 * ```ts
 * import { connect, explain, type Explanation } from 'rxtls';
 * const print = ({ code, cause, fix }: Explanation) => console.error(`${code}: ${cause}\n  fix: ${fix}`);
 * connect({ host: '127.0.0.1', port: 1 }).subscribe({ error: (e: Error) => print(explain(e)) }); // ECONNREFUSED: Nothing listens on 127.0.0.1:1: …
 * ```
 */
export interface Explanation {
  /**
   * The stable code of the catalogue (docs/errors.md): a certificate code, a transport code, an
   * rxtls class code — or, for an error that carries none, `'UNKNOWN'`.
   */
  readonly code: ExplainedCode | (string & {});
  /** One sentence: what went wrong. */
  readonly cause: string;
  /** One sentence: what to do. Never "turn verification off": at most the narrowest policy that accepts it. */
  readonly fix: string;
  /** The facts behind it, as far as they are known. */
  readonly details: ExplanationDetails;
}

/**
 * What {@link explain} takes: a `certFailed` event, a `closed` event, one `CertError`, or an error.
 *
 * @example
 * ```ts
 * import { explain, type Explainable } from 'rxtls';
 * const fixOf = (failure: Explainable) => explain(failure)?.fix ?? 'nothing failed';
 * ```
 */
export type Explainable = CertFailedEvent | ClosedEvent | CertError | Error;

/**
 * Options of {@link explain}.
 *
 * @example
 * ```ts
 * import { explain, type ExplainOptions } from 'rxtls';
 * const asOfNewYear: ExplainOptions = { now: new Date('2027-01-01T00:00:00Z') };
 * explain({ code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' }, asOfNewYear);
 * ```
 */
export interface ExplainOptions {
  /** The time to count days from (expiry, validity). Default: now. */
  readonly now?: Date;
}

const DAY = 86_400_000;
const GROUP_ORDER: readonly ProblemGroup[] = ['trust', 'dates', 'name'];
/** A `certFailed` that lists no problem (a policy that rejected without saying why) is explained as the policy's failure. */
const EMPTY_REJECTION: CertErrorCode = 'POLICY_ERROR';
/** What an error without a code is explained as. */
const NO_CODE: string = 'UNKNOWN';

/**
 * Explains a failure: a `certFailed` event, a `closed` event that carries an error, a
 * `TransportError`, an `InvalidOptionError` or any error with a catalogue code, or one
 * `CertError`. It returns the stable code, one sentence of cause, one sentence of what to do,
 * and the facts behind it (the certificate's subject, issuer and dates, the names it carries
 * and the name asked for, the host:port, the option at fault). A pure function of its input.
 *
 * A `certFailed` with several problems explains the most important one first — trust (chain,
 * signatures, revocation, pins), then dates, then the name — and lists the others, each
 * explained, in `details.otherProblems`. A code outside the catalogue gets an honest generic
 * explanation that names it. No explanation ever suggests switching verification off.
 *
 * Informally: `failure → { code, cause, fix, details }`.
 *
 * @param failure What failed.
 * @param options `now`, the time to count days from.
 * @returns The explanation; for a `closed` event without an error (nothing failed), `undefined`.
 *
 * @example
 * ```ts
 * import { connect, explain } from 'rxtls';
 *
 * connect({ host: 'expired.badssl.com', port: 443 }).subscribe({
 *   next: (e) => {
 *     if (e.type === 'certFailed') {
 *       const { code, cause, fix } = explain(e);
 *       console.error(`${code}: ${cause}\n  ${fix}`);
 *     }
 *   },
 *   error: (e: Error) => console.error(explain(e).fix),
 * });
 * ```
 * @see {@link Explanation}
 */
export function explain(failure: CertFailedEvent | CertError | Error, options?: ExplainOptions): Explanation;
export function explain(failure: Explainable, options?: ExplainOptions): Explanation | undefined;
export function explain(failure: Explainable, options: ExplainOptions = {}): Explanation | undefined {
  const now = (options.now ?? new Date()).getTime();
  if (failure instanceof Error) return explainError(failure);
  if ('type' in failure) {
    if (failure.type === 'certFailed') return explainCertFailed(failure, now);
    return failure.error ? explainError(failure.error) : undefined;
  }
  return explainProblems([failure], undefined, now);
}

/**
 * Explains one code of the catalogue with facts gathered elsewhere — what `diagnose()` (and
 * `rxtls doctor`) uses for a finding that no single error carries, such as a plaintext port.
 * A pure function; an unknown code gets the honest generic explanation.
 *
 * @param code A code of the catalogue (docs/errors.md).
 * @param details The facts the sentences are written from.
 * @returns The explanation, with `details` as given.
 *
 * @example
 * ```ts
 * import { explainCode } from 'rxtls';
 * const { cause, fix } = explainCode('ERR_RXTLS_STARTTLS_REQUIRED', { target: 'mail.example.com:143', protocol: 'imap' });
 * console.log(fix); // Connect with --starttls imap (connectStartTls in the library), or …
 * ```
 */
export function explainCode(code: ExplainedCode | (string & {}), details: ExplanationDetails = {}): Explanation {
  return { code, ...sentences(entryFor(code), details), details };
}

/** The entry for a code: the table's, or the honest generic one. */
function entryFor(code: string): ExplanationEntry {
  return Object.hasOwn(EXPLANATIONS, code) ? EXPLANATIONS[code as ExplainedCode] : unknownCodeEntry(code);
}

function say(sentence: Sentence, facts: ExplanationDetails): string {
  return typeof sentence === 'string' ? sentence : sentence(facts);
}

/** Where a code sits in the order of importance; a custom policy's own codes come last. */
function rank(code: string): number {
  const group = entryFor(code).group;
  return group === undefined ? GROUP_ORDER.length : GROUP_ORDER.indexOf(group);
}

function explainCertFailed(event: CertFailedEvent, now: number): Explanation {
  return explainProblems(event.errors, event.peer, now);
}

function explainProblems(errors: readonly CertError[], peer: PeerInfo | undefined, now: number): Explanation {
  // A stable sort: within a group, the order the checks reported them in.
  const ordered = [...errors].sort((a, b) => rank(a.code) - rank(b.code));
  const [first, ...rest] = ordered;
  if (first === undefined) {
    const details = peer ? peerFacts(peer, undefined, now) : {};
    return { code: EMPTY_REJECTION, ...sentences(entryFor(EMPTY_REJECTION), details), details };
  }
  const details: ExplanationDetails = {
    ...(peer && peerFacts(peer, first.certificate, now)),
    reason: first.reason,
    ...(rest.length > 0 && {
      otherProblems: rest.map((problem): ExplainedProblem => {
        const facts = { ...(peer && peerFacts(peer, problem.certificate, now)), reason: problem.reason };
        return { code: problem.code, reason: problem.reason, ...sentences(entryFor(problem.code), facts) };
      }),
    }),
  };
  return { code: first.code, ...sentences(entryFor(first.code), details), details };
}

function sentences(entry: ExplanationEntry, facts: ExplanationDetails): { cause: string; fix: string } {
  return { cause: say(entry.cause, facts), fix: say(entry.fix, facts) };
}

/** The facts of the peer, about the certificate a problem names (by subject), else the leaf. */
function peerFacts(peer: PeerInfo, certificateSubject: string | undefined, now: number): ExplanationDetails {
  const about: CertificateSummary =
    (certificateSubject === undefined ? undefined : peer.chain.find((c) => c.subject === certificateSubject)) ?? peer;
  const validTo = about.validTo.getTime();
  const validFrom = about.validFrom.getTime();
  return {
    ...(peer.remoteAddress && { target: `${peer.remoteAddress}:${peer.remotePort}` }),
    servername: peer.servername,
    names: peer.subjectAltNames,
    subject: about.subject,
    issuer: about.issuer,
    validFrom: about.validFrom.toISOString(),
    validTo: about.validTo.toISOString(),
    ...(validTo < now && { daysSinceExpiry: Math.floor((now - validTo) / DAY) }),
    ...(validFrom > now && { daysUntilValid: Math.ceil((validFrom - now) / DAY) }),
    fingerprint256: peer.fingerprint256,
    spkiPin: peer.spkiPin,
  };
}

/** The facts an error of the catalogue carries, read by field name: never its `value`, which may be a secret. */
function explainError(error: Error): Explanation {
  const fields = error as Error & Record<string, unknown>;
  const code = typeof fields['code'] === 'string' ? fields['code'] : NO_CODE;
  const text = (name: string) => (typeof fields[name] === 'string' ? fields[name] : undefined);
  const number = (name: string) => (typeof fields[name] === 'number' ? fields[name] : undefined);
  const host = text('host');
  const port = number('port');
  const runtime = fields['runtime'] as { name?: unknown; version?: unknown } | undefined;
  const limit = number('limit');
  // Errors that name a knob say so in their message: "… (option handshakeTimeout)".
  const option = text('option') ?? /\(options? ([\w.]+)/.exec(error.message)?.[1];
  const feature = text('feature');
  const target = text('text');
  const details: ExplanationDetails = {
    ...(host !== undefined && port !== undefined && { target: `${host}:${port}` }),
    ...(option !== undefined && { option }),
    ...(limit !== undefined && { limit }),
    ...(feature !== undefined && { feature }),
    ...(runtime && typeof runtime.name === 'string' && { runtime: `${runtime.name} ${String(runtime.version)}` }),
    ...(target !== undefined && { text: target }),
    reason: error.message,
  };
  if (code === NO_CODE) {
    return {
      code,
      cause: `An error without a code, so not one of rxtls's: ${error.message}`,
      fix: 'It usually comes from your own code (a dialogue, a policy, a callback): read its message and stack.',
      details,
    };
  }
  return { code, ...sentences(entryFor(code), details), details };
}
