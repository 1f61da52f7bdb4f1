import { Observable, type OperatorFunction } from 'rxjs';
import type { CertError, ConnectEvent, HandshakeEvent, RawTlsEvent } from '../events';
import type { VerificationPolicy } from '../policies/policy';
import { isPromise, judge, rejection } from '../policies/verdict';
import { publishVerdict } from '../util/diagnostics-channels';

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
        publishVerdict(handshake.role ?? 'client', policy.name, errors, handshake.peer);
        if (errors.length === 0) {
          subscriber.next({
            type: 'connected',
            verifiedBy: 'policy',
            peer: handshake.peer,
            session: handshake.session,
            writer: handshake.accept(),
            reader: handshake.reader,
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
