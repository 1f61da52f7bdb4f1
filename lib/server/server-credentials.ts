import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import { concatMap, from, type Subscriber, type Subscription } from 'rxjs';
import { loadCa } from '../certificates/ca';
import { DEFAULT_CIPHERS } from '../defaults';
import { InvalidOptionError } from '../errors';
import { isObservableLike } from '../util/observable-shape';
import type { ListenOptions, ResolvedListenOptions, ServerCredentials } from './listen-options';

/**
 * Follows a server's credentials — a value, or each emission of an Observable — handing each to
 * `use` once the CAs for client certificates are loaded, with the options to apply them with.
 * Credentials OpenSSL cannot use fail the server with an InvalidOptionError.
 */
export function followCredentials(
  options: ListenOptions,
  resolved: ResolvedListenOptions,
  subscriber: Subscriber<unknown>,
  use: (credentials: ServerCredentials, resolved: ResolvedListenOptions) => void,
): Subscription {
  const { credentials } = options;
  // By shape: credentials may come from another copy of RxJS than ours.
  const credentials$ = isObservableLike<ServerCredentials>(credentials) ? from(credentials) : from([credentials as ServerCredentials]);
  const trusted = resolved.ca === undefined ? Promise.resolve(undefined) : loadCa(resolved.ca);
  return credentials$.pipe(concatMap((credentials) => trusted.then((loaded) => ({ credentials, loaded })))).subscribe({
    next: ({ credentials, loaded }) => {
      try {
        use(credentials, { ...resolved, trusted: loaded });
      } catch (error) {
        subscriber.error(
          new InvalidOptionError('credentials', '(hidden)', `cannot be used: ${(error as Error).message}`, { cause: error }),
        );
      }
    },
    error: (error: unknown) => subscriber.error(error),
  });
}

/** The options of a server's default context, and a context per SNI name, for these credentials. */
export function serverContexts(
  credentials: ServerCredentials,
  options: ResolvedListenOptions,
): { main: TlsOptions; byName: Map<string, SecureContext> } {
  const base = { minVersion: options.minVersion, ciphers: DEFAULT_CIPHERS, ...(options.trusted && { ca: [...options.trusted.pems] }) };
  const byName = new Map<string, SecureContext>();
  for (const [name, named] of Object.entries(credentials.sni ?? {}))
    byName.set(name.toLowerCase(), createSecureContext({ ...base, ...named }));
  const main: TlsOptions = {
    ...base,
    cert: credentials.cert,
    key: credentials.key,
    ...(credentials.passphrase !== undefined && { passphrase: credentials.passphrase }),
  };
  return { main, byName };
}
