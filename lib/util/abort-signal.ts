import { InvalidOptionError, TransportError } from '../errors';

const noop = () => undefined;

/**
 * The `signal` option of every entry point: an `AbortSignal`, or `undefined` when it is not set;
 * throws {@link InvalidOptionError} naming it otherwise. A signal from another realm (a test
 * environment, an iframe) has the same shape and is accepted too.
 */
export function signalOption<T extends object>(options: T, name: keyof T & string): AbortSignal | undefined {
  const value: unknown = options[name];
  if (value === undefined) return undefined;
  if (!isAbortSignal(value))
    throw new InvalidOptionError(name, value, 'must be an AbortSignal (new AbortController().signal, AbortSignal.timeout(ms), …)');
  return value;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal === 'function' && value instanceof AbortSignal) return true;
  const candidate = value as Partial<AbortSignal> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  );
}

/** What listens to one signal: the callbacks of every connection that watches it, behind one listener. */
interface Watch {
  readonly fires: Set<{ readonly fire: () => void }>;
  readonly listener: () => void;
}

/**
 * One 'abort' listener per signal, however many connections watch it: a long-lived signal shared
 * by a thousand connections then holds one listener, not a thousand (and Node does not warn of a
 * leak past ten). Keyed weakly, so a signal nobody holds any more is not kept.
 */
const watches = new WeakMap<AbortSignal, Watch>();

/**
 * Calls `fire` once when `signal` aborts — at once when it already has — and returns what stops
 * watching, which every teardown calls: the signal's listener goes with its last watcher.
 */
export function onAbort(signal: AbortSignal | undefined, fire: () => void): () => void {
  if (!signal) return noop;
  if (signal.aborted) {
    fire();
    return noop;
  }
  let watch = watches.get(signal);
  if (!watch) {
    const fires = new Set<{ readonly fire: () => void }>();
    const listener = () => {
      watches.delete(signal);
      for (const entry of [...fires]) entry.fire();
      fires.clear();
    };
    watch = { fires, listener };
    watches.set(signal, watch);
    signal.addEventListener('abort', listener, { once: true });
  }
  const entry = { fire };
  const { fires, listener } = watch;
  fires.add(entry);
  return () => {
    if (!fires.delete(entry) || fires.size > 0) return;
    watches.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}

/**
 * The error an abort becomes: `ERR_RXTLS_ABORTED`, naming when it came (`while` — "before the
 * TLS handshake finished", …) and the reason's name when it is an error (`TimeoutError` from
 * `AbortSignal.timeout()`); the reason itself is the `cause`, never copied into the message.
 */
export function abortedError(signal: AbortSignal, host: string, port: number, when: string): TransportError {
  const reason: unknown = signal.reason;
  // By shape: AbortSignal.timeout()'s reason is a DOMException, from another realm in some hosts.
  const name = (reason as { name?: unknown } | null)?.name;
  const named = typeof reason === 'object' && typeof name === 'string' && name !== '' ? `: ${name}` : '';
  return new TransportError('ERR_RXTLS_ABORTED', host, port, `aborted ${when} (option signal${named})`, { cause: reason });
}
