import { Observable, type OperatorFunction } from 'rxjs';
import { certError } from '../certificates/cert-errors';
import type {
  CertError,
  CertFailedEvent,
  ClosedEvent,
  HandshakeEvent,
  PeerSawRejection,
  RawTlsEvent,
  TlsEvent,
  ConnectEvent,
} from '../events';
import type { HandshakeFacts, VerificationPolicy } from '../policies/policy';

/**
 * Applies a verification policy to the raw handshake: a peer the policy accepts becomes a
 * `connected` event (and only then is the socket read from and writable); a peer it rejects
 * becomes `certFailed` with every problem, then `closed`, then completion — and the socket is
 * destroyed without a byte read or written. `connect()` applies `verify(options.verify ?? strict())`
 * itself; use `verify` directly to test a policy on fabricated handshakes.
 *
 * Informally: `handshake → connected | certFailed + closed`; everything else passes through.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { verify, strict } from 'rxtls';
 * import { fakeHandshake } from 'rxtls/testing';
 *
 * of(fakeHandshake({ problems: [{ code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' }] }))
 *   .pipe(verify(strict()))
 *   .subscribe((e) => console.log(e.type)); // certFailed, closed
 * ```
 * @see strict
 */
export function verify(policy: VerificationPolicy): OperatorFunction<RawTlsEvent, ConnectEvent> {
  return (source) =>
    new Observable<ConnectEvent>((subscriber) => {
      // Notifications that arrive while an asynchronous policy is still deciding wait here, in order.
      let held: Array<() => void> | undefined;
      const later = (deliver: () => void) => (held ? held.push(deliver) : deliver());
      const decide = (handshake: HandshakeEvent, errors: readonly CertError[], atOnce: boolean) => {
        if (errors.length === 0) {
          subscriber.next({
            type: 'connected',
            verifiedBy: 'policy',
            peer: handshake.peer,
            session: handshake.session,
            writer: handshake.accept(),
          });
          return;
        }
        for (const event of rejection(errors, handshake, atOnce)) subscriber.next(event);
        subscriber.complete();
      };
      const onHandshake = (handshake: HandshakeEvent) => {
        const verdict = judge(policy, handshake);
        if (!isPromise(verdict)) return decide(handshake, verdict, true);
        held = [];
        void verdict.then((errors) => {
          // Stryker disable next-line ArrayDeclaration: `held` was set to [] before the verdict was awaited
          const waiting = held ?? [];
          held = undefined;
          if (subscriber.closed) return;
          decide(handshake, errors, false);
          for (const deliver of waiting) if (!subscriber.closed) deliver();
        });
      };
      const handle = (event: RawTlsEvent) => (event.type === 'handshake' ? onHandshake(event) : subscriber.next(event));
      subscriber.add(
        source.subscribe({
          next: (event) => {
            // The hot path (every data event) allocates nothing unless a policy is still deciding.
            if (held) held.push(() => handle(event));
            else handle(event);
          },
          error: (error: unknown) => later(() => subscriber.error(error)),
          complete: () => later(() => subscriber.complete()),
        }),
      );
    });
}

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

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  // Stryker disable next-line OptionalChaining: a check() that returns neither errors nor a promise breaks its contract; either way it is a TypeError
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

function policyFailure(policy: VerificationPolicy, error: unknown): CertError {
  return certError('POLICY_ERROR', `verification policy "${policy.name}" failed: ${(error as Error)?.message ?? String(error)}`);
}
