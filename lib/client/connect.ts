import { Observable, defer } from 'rxjs';
import { caSourceItems, type CaSource } from '../certificates/ca';
import type { ConnectEvent } from '../events';
import { verify } from '../operators/verify';
import { resolveConnectOptions, type ConnectOptions, type ResolvedConnectOptions } from './connect-options';
import type { VerificationPolicy } from '../policies/policy';
import { strict } from '../policies/strict';
import { openTls } from './open-tls';

/**
 * Opens a TLS client connection as a cold Observable of {@link ConnectEvent}s. Each subscription
 * opens its own socket; unsubscribing destroys it at once, with every listener and timer.
 * The peer is verified with `options.verify` (default {@link strict}) before any byte is read
 * or written: the first event is `connected` (with the write side) or `certFailed`; `closed` is
 * always the last, then the Observable completes. Failures before the handshake — bad options,
 * DNS, refused, reset, timeouts — are error notifications with a `code`, so `retry()` reconnects.
 *
 * Informally: `subscribe → connected, data*, closed | certFailed, closed | error`.
 *
 * @example
 * ```ts
 * import { connect } from 'rxtls';
 * import { match } from 'ts-pattern';
 *
 * connect({ host: 'imap.example.com', port: 993 }).subscribe((event) =>
 *   match(event)
 *     .with({ type: 'connected' }, () => console.log('Connected; now waiting for the greeting'))
 *     .with({ type: 'data' }, ({ bytes }) => console.log(`Received: ${bytes.toString().trimEnd()}`))
 *     .with({ type: 'certFailed' }, ({ reason }) => console.log(`Certificate check failed: ${reason}`))
 *     .otherwise(() => undefined),
 * );
 * ```
 * @see verify
 * @see strict
 */
export function connect(options: ConnectOptions): Observable<ConnectEvent> {
  // Options are checked per subscription, so bad input is an error notification, never a throw.
  return defer(() => {
    const { policy, resolved } = resolveClient(options);
    return openTls(resolved).pipe(verify(policy));
  });
}

/** The policy and the checked options of a client connection; throws InvalidOptionError. */
export function resolveClient(options: ConnectOptions): { policy: VerificationPolicy; resolved: ResolvedConnectOptions } {
  const policy = options?.verify ?? strict();
  return { policy, resolved: resolveConnectOptions({ ...options, ca: trustedCas(options?.ca, policy.trust) }) };
}

/** The CAs OpenSSL verifies against: the option's and the policy's together. */
function trustedCas(fromOptions: CaSource | undefined, fromPolicy: CaSource | undefined): CaSource | undefined {
  if (fromPolicy === undefined) return fromOptions;
  if (fromOptions === undefined) return fromPolicy;
  return [...caSourceItems(fromOptions), ...caSourceItems(fromPolicy)];
}
