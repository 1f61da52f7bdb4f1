import { EMPTY, mergeMap, type Subscription } from 'rxjs';
import { converse, line, listen, type TlsEvent, type VerificationPolicy } from '../../lib';
import type { TestPki } from '../../lib/testing';

/** A listen() server under mutual TLS, trusting `pki.ca`, that tries to greet every client. */
export interface MutualTlsServer {
  readonly port: number;
  /** Every connection's events, as the server sees them. */
  readonly events: TlsEvent[];
  /** Stops listening. */
  readonly subscription: Subscription;
}

/**
 * Starts a {@link MutualTlsServer}. Each connection runs a dialogue that writes `SECRET` once
 * connected, so that a spec can check that a rejected client reads nothing. With
 * `subscribeAfterMs`, each connection's events are subscribed to that much later.
 */
export async function startMutualTlsServer(
  pki: TestPki,
  options: { verify?: VerificationPolicy; subscribeAfterMs?: number } = {},
): Promise<MutualTlsServer> {
  const credentials = await pki.leaf();
  const events: TlsEvent[] = [];
  let subscription: Subscription | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    subscription = listen({ credentials, requestCert: true, ca: pki.ca.cert, ...(options.verify && { verify: options.verify }) })
      .pipe(
        mergeMap((e) => {
          if (e.type === 'listening') resolve(e.port);
          if (e.type !== 'connection') return EMPTY;
          const start = () =>
            e.events.pipe(converse(() => [line('SECRET')])).subscribe({ next: (x) => events.push(x), error: () => undefined });
          if (options.subscribeAfterMs === undefined) start();
          else setTimeout(start, options.subscribeAfterMs);
          return EMPTY;
        }),
      )
      .subscribe({ error: reject });
  });
  return { port, events, subscription: subscription as Subscription };
}
