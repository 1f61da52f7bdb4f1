import type { SecureContext, Server } from 'node:tls';
import { from, type Observable, type Subscriber, type Subscription } from 'rxjs';
import { InvalidOptionError } from '../errors';
import { isObservableLike } from '../util/observable-shape';
import { currentRuntime } from '../util/runtime';
import {
  canHookTickets,
  hookTickets,
  nextKeyring,
  ticketKeysOption,
  type ResolvedTicketKeyOptions,
  type TicketKeyring,
  type TicketKeys,
} from './ticket-keys';

/**
 * The session id context of every server given `ticketKeys`. Node's default hashes the process's
 * command line, so that two servers started with other arguments would refuse each other's
 * sessions even with the same keys: holding the keys is what makes servers one service.
 */
export const TICKET_KEYS_SESSION_ID_CONTEXT = 'rxtls ticketKeys';

const runtimeName = () => {
  const { name, version } = currentRuntime();
  return `${name} ${version}`;
};

/** Seals and opens a server's session tickets with its `ticketKeys`. */
export interface ServerTickets {
  /** Makes `context` use the keys, the current ones at each handshake. */
  hook(context: SecureContext): void;
  /** The same for a `tls.Server`'s default context: after `createServer` and after each `setSecureContext`. */
  hookServer(server: Server): void;
}

/**
 * Follows option `ticketKeys` — a value, or each emission of an Observable — into a keyring.
 * `ready` resolves once the first keys are checked (at once without the option: `undefined`);
 * keys that cannot be used, or an Observable that ends without any, fail the server with an
 * {@link InvalidOptionError} that never shows a key.
 */
export function followTicketKeys(
  resolved: ResolvedTicketKeyOptions,
  subscriber: Subscriber<unknown>,
): { readonly ready: Promise<ServerTickets | undefined>; readonly subscription: Subscription | undefined } {
  const { ticketKeys, ticketKeyGrace } = resolved;
  if (ticketKeys === undefined) return { ready: Promise.resolve(undefined), subscription: undefined };
  let keyring: TicketKeyring | undefined;
  const tickets: ServerTickets = {
    hook(context) {
      if (!canHookTickets(context))
        throw new InvalidOptionError(
          'ticketKeys',
          '(hidden)',
          `cannot be used on ${runtimeName()}: its SecureContext has no hook to seal session tickets with`,
        );
      hookTickets(context, () => keyring as TicketKeyring);
    },
    hookServer(server) {
      const context = (server as unknown as { _sharedCreds?: SecureContext })._sharedCreds;
      if (context === undefined)
        throw new InvalidOptionError(
          'ticketKeys',
          '(hidden)',
          `cannot be used on ${runtimeName()}: its servers do not show their SecureContext`,
        );
      tickets.hook(context);
    },
  };
  // By shape: the keys may come from another copy of RxJS than ours.
  const keys$ = isObservableLike<TicketKeys>(ticketKeys) ? from(ticketKeys as Observable<TicketKeys>) : from([ticketKeys]);
  let resolveReady: (tickets: ServerTickets) => void = () => undefined;
  const ready = new Promise<ServerTickets>((resolve) => (resolveReady = resolve));
  const subscription = keys$.subscribe({
    next: (keys) => {
      try {
        keyring = nextKeyring(keyring, ticketKeysOption(keys), Date.now(), ticketKeyGrace);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      resolveReady(tickets);
    },
    error: (error: unknown) => subscriber.error(error),
    complete: () => {
      if (keyring === undefined) subscriber.error(new InvalidOptionError('ticketKeys', '(hidden)', 'ended without emitting any keys'));
    },
  });
  return { ready, subscription };
}
