import { certError } from '../certificates/cert-errors';
import type { CertError, CertFailedEvent, ClosedEvent, HandshakeEvent, HandshakeFacts, PeerSawRejection } from '../events';
import type { VerificationPolicy } from './policy';

/**
 * The events of a peer the policy rejected: `certFailed` with every problem, then our unclean
 * `closed`. `decidedAtOnce`: the verdict came in the tick the handshake finished in.
 */
export function rejection(
  errors: readonly CertError[],
  handshake: Pick<HandshakeEvent, 'peer' | 'session' | 'role'>,
  decidedAtOnce = false,
): [CertFailedEvent, ClosedEvent] {
  const peerSaw = peerSawRejection(handshake, decidedAtOnce);
  return [
    { type: 'certFailed', errors, reason: errors.map((e) => e.reason).join('; '), peer: handshake.peer, peerSaw },
    { type: 'closed', by: 'local', clean: false },
  ];
}

/**
 * Whether the peer's handshake had finished when we closed on it. It had if the peer sent the
 * last handshake message (the client's Finished in TLS 1.3 and in a resumed TLS 1.2 session,
 * the server's in a full TLS 1.2 handshake). If we were to send it, Node reports our handshake
 * done before the message leaves, and a verdict in that same tick closes the socket with it
 * unsent (measured with `openssl s_server -state` and `s_client -state`); a later verdict may
 * find it sent.
 */
function peerSawRejection(
  { role = 'client', session }: Pick<HandshakeEvent, 'session' | 'role'>,
  decidedAtOnce: boolean,
): PeerSawRejection {
  const clientSendsLast = session.protocol === 'TLSv1.3' || session.resumed;
  const weSendLast = role === 'client' ? clientSendsLast : !clientSendsLast;
  return weSendLast && decidedAtOnce ? 'handshake-failure' : 'close-after-handshake';
}

/**
 * What the policy finds wrong with the handshake: synchronously when the policy is synchronous.
 * A policy that throws or rejects is itself a problem (`POLICY_ERROR`): fail closed.
 */
export function judge(policy: VerificationPolicy, handshake: HandshakeFacts): readonly CertError[] | Promise<readonly CertError[]> {
  let verdict: readonly CertError[] | Promise<readonly CertError[]>;
  try {
    verdict = policy.check(handshake);
  } catch (error) {
    return [policyFailure(policy, error)];
  }
  return isPromise(verdict) ? verdict.catch((error: unknown) => [policyFailure(policy, error)]) : verdict;
}

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  // Stryker disable next-line OptionalChaining: a check() that returns neither errors nor a promise breaks its contract; either way it is a TypeError
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

function policyFailure(policy: VerificationPolicy, error: unknown): CertError {
  return certError('POLICY_ERROR', `verification policy "${policy.name}" failed: ${(error as Error)?.message ?? String(error)}`);
}
