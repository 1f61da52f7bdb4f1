import type { Subscriber } from 'rxjs';
import { abortedError, onAbort } from '../util/abort-signal';

/** Where a server listens, and how it watches its connections: what {@link serverKeepAlive} and {@link stopOnAbort} read. */
interface LivenessOptions {
  readonly host: string;
  readonly port: number;
  readonly keepAlive: number | false;
  readonly signal: AbortSignal | undefined;
}

/**
 * The `node:net` server options that turn TCP keepalive on for every accepted socket as it is
 * accepted (before any handshake), with the delay of the option `keepAlive`.
 */
export function serverKeepAlive(options: LivenessOptions): { keepAlive: boolean; keepAliveInitialDelay?: number } {
  return options.keepAlive === false ? { keepAlive: false } : { keepAlive: true, keepAliveInitialDelay: options.keepAlive };
}

/**
 * A server's `signal`: aborted before the server starts, it is the server's error and nothing
 * listens (returns `undefined`); aborted later, the server's Observable completes, whose
 * teardown stops it as unsubscribing does. Returns what removes the listener, for that teardown.
 */
export function stopOnAbort(options: LivenessOptions, subscriber: Subscriber<unknown>): (() => void) | undefined {
  const { signal, host, port } = options;
  if (signal?.aborted) {
    subscriber.error(abortedError(signal, host, port, 'before the server listened'));
    return undefined;
  }
  return onAbort(signal, () => subscriber.complete());
}
