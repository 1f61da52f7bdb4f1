import { Observable, Subscriber, type OperatorFunction } from 'rxjs';
import type { CertError, ConnectEvent, HandshakeEvent, RawTlsEvent } from '../events';
import type { VerificationPolicy } from '../policies/policy';
import { isPromise, judge, rejection } from '../policies/verdict';
import { publishVerdict } from '../util/diagnostics-channels';

/**
 * The subscriber `verify()` puts between the transport and its consumer: one object per
 * connection instead of an observer, its closures and the SafeSubscriber RxJS would wrap them in
 * (a connection lives for hours; docs/performance.md). Subclassing works alike in RxJS 7 and 8.
 */
class VerifySubscriber extends Subscriber<RawTlsEvent> {
  /** Notifications that arrive while an asynchronous policy is still deciding wait here, in order. */
  private held: Array<() => void> | undefined;

  constructor(
    private readonly out: Subscriber<ConnectEvent>,
    private readonly policy: VerificationPolicy,
  ) {
    // RxJS 7 marks the constructor internal, RxJS 8 documents it; subclassing is what both support.
    // RxJS 8 types the destination as a Subscriber of this one's type: it never gets a value from
    // the base class, as every value goes through _next below, so the other type is safe.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    super(out as Subscriber<unknown> as Subscriber<RawTlsEvent>);
  }

  protected override _next(event: RawTlsEvent): void {
    // The hot path (every data event) allocates nothing unless a policy is still deciding.
    if (this.held) this.held.push(() => this.handle(event));
    else this.handle(event);
  }

  protected override _error(error: unknown): void {
    this.later(() => super._error(error));
  }

  protected override _complete(): void {
    this.later(() => super._complete());
  }

  private later(deliver: () => void): void {
    if (this.held) this.held.push(deliver);
    else deliver();
  }

  private handle(event: RawTlsEvent): void {
    if (event.type === 'handshake') this.onHandshake(event);
    else this.out.next(event);
  }

  private onHandshake(handshake: HandshakeEvent): void {
    const verdict = judge(this.policy, handshake);
    if (!isPromise(verdict)) return this.decide(handshake, verdict, true);
    this.held = [];
    void verdict.then((errors) => {
      // Stryker disable next-line ArrayDeclaration: `held` was set to [] before the verdict was awaited
      const waiting = this.held ?? [];
      this.held = undefined;
      if (this.out.closed) return;
      this.decide(handshake, errors, false);
      for (const deliver of waiting) if (!this.out.closed) deliver();
    });
  }

  private decide(handshake: HandshakeEvent, errors: readonly CertError[], atOnce: boolean): void {
    const { out } = this;
    publishVerdict(handshake.role ?? 'client', this.policy.name, errors, handshake.peer);
    if (errors.length === 0) {
      out.next({
        type: 'connected',
        verifiedBy: 'policy',
        peer: handshake.peer,
        session: handshake.session,
        writer: handshake.accept(),
        reader: handshake.reader,
      });
      return;
    }
    for (const event of rejection(errors, handshake, atOnce)) out.next(event);
    out.complete();
  }
}

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
  return (source) => new Observable<ConnectEvent>((subscriber) => source.subscribe(new VerifySubscriber(subscriber, policy)));
}
