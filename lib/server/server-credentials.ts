import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import { Subscription, concatMap, from, type Subscriber } from 'rxjs';
import { loadCa } from '../certificates/ca';
import { DEFAULT_CIPHERS } from '../defaults';
import { InvalidOptionError } from '../errors';
import { isObservableLike } from '../util/observable-shape';
import type { ListenOptions, ResolvedListenOptions, ServerCredentials } from './listen-options';
import { followTicketKeys, TICKET_KEYS_SESSION_ID_CONTEXT, type ServerTickets } from './server-ticket-keys';

/**
 * Follows a server's credentials — a value, or each emission of an Observable — handing each to
 * `use` once the CAs for client certificates are loaded and the first session ticket keys
 * (option `ticketKeys`) are checked, with the options to apply them with and the tickets to
 * hook the contexts to. Credentials OpenSSL cannot use fail the server with an InvalidOptionError.
 */
export function followCredentials(
  options: ListenOptions,
  resolved: ResolvedListenOptions,
  subscriber: Subscriber<unknown>,
  use: (credentials: ServerCredentials, resolved: ResolvedListenOptions, tickets: ServerTickets | undefined) => void,
): Subscription {
  const { credentials } = options;
  // By shape: credentials may come from another copy of RxJS than ours.
  const credentials$ = isObservableLike<ServerCredentials>(credentials) ? from(credentials) : from([credentials as ServerCredentials]);
  const keys = followTicketKeys(resolved, subscriber);
  const prepared = Promise.all([resolved.ca === undefined ? undefined : loadCa(resolved.ca), keys.ready]);
  const following = credentials$
    .pipe(concatMap((credentials) => prepared.then(([loaded, tickets]) => ({ credentials, loaded, tickets }))))
    .subscribe({
      next: ({ credentials, loaded, tickets }) => {
        try {
          use(credentials, { ...resolved, trusted: loaded }, tickets);
        } catch (error) {
          subscriber.error(
            new InvalidOptionError('credentials', '(hidden)', `cannot be used: ${(error as Error).message}`, { cause: error }),
          );
        }
      },
      error: (error: unknown) => subscriber.error(error),
    });
  // Not following.add(): following ends with the last credentials, the keys may rotate after it.
  const both = new Subscription();
  both.add(following);
  if (keys.subscription) both.add(keys.subscription);
  return both;
}

/**
 * The options of a server's default context, and a context per SNI name, for these credentials;
 * with `tickets`, the SNI contexts seal and open session tickets with its keys (the default
 * context is the caller's to hook, once built).
 */
export function serverContexts(
  credentials: ServerCredentials,
  options: ResolvedListenOptions,
  tickets?: ServerTickets,
): { main: TlsOptions; byName: Map<string, SecureContext> } {
  const base = {
    minVersion: options.minVersion,
    ciphers: DEFAULT_CIPHERS,
    ...(options.trusted && { ca: [...options.trusted.pems] }),
    ...(tickets && { sessionIdContext: TICKET_KEYS_SESSION_ID_CONTEXT }),
  };
  const byName = new Map<string, SecureContext>();
  for (const [name, named] of Object.entries(credentials.sni ?? {})) {
    const context = createSecureContext({ ...base, ...named });
    tickets?.hook(context);
    byName.set(name.toLowerCase(), context);
  }
  const main: TlsOptions = {
    ...base,
    cert: credentials.cert,
    key: credentials.key,
    ...(credentials.passphrase !== undefined && { passphrase: credentials.passphrase }),
  };
  return { main, byName };
}
