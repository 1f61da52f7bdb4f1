import { Observable, type OperatorFunction } from 'rxjs';
import { certError } from '../cert-errors';
import type { CertError, CertFailedEvent, ClosedEvent, HandshakeEvent, PeerInfo, RawTlsEvent, TlsEvent } from '../events';
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
export function verify(policy: VerificationPolicy): OperatorFunction<RawTlsEvent, TlsEvent> {
  return (source) =>
    new Observable<TlsEvent>((subscriber) => {
      // Notifications that arrive while an asynchronous policy is still deciding wait here, in order.
      let held: Array<() => void> | undefined;
      const later = (deliver: () => void) => (held ? held.push(deliver) : deliver());
      const decide = (handshake: HandshakeEvent, errors: readonly CertError[]) => {
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
        for (const event of rejection(errors, handshake.peer)) subscriber.next(event);
        subscriber.complete();
      };
      const onHandshake = (handshake: HandshakeEvent) => {
        const verdict = judge(policy, handshake);
        if (!isPromise(verdict)) return decide(handshake, verdict);
        held = [];
        void verdict.then((errors) => {
          // Stryker disable next-line ArrayDeclaration: `held` was set to [] before the verdict was awaited
          const waiting = held ?? [];
          held = undefined;
          if (subscriber.closed) return;
          decide(handshake, errors);
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

/** The events of a peer the policy rejected: `certFailed` with every problem, then our unclean `closed`. */
export function rejection(errors: readonly CertError[], peer: PeerInfo): [CertFailedEvent, ClosedEvent] {
  return [
    { type: 'certFailed', errors, reason: errors.map((e) => e.reason).join('; '), peer },
    { type: 'closed', by: 'local', clean: false },
  ];
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
