import type { Observable } from 'rxjs';
import { InvalidOptionError } from '../errors';

/** The `listening` event every rxtls server emits: `listen`, `serve`, `listenStartTls` and `gateway`. */
interface ListeningLike {
  readonly type: 'listening';
  readonly host: string;
  readonly port: number;
  readonly url?: string;
}

/**
 * A server that is listening, as {@link listening} hands it back: where it listens, and how to
 * stop it — by `close()`, or at the end of an `await using` block.
 *
 * @example
 * ```ts
 * import { line, listening, serve } from 'rxtls';
 * import { createTestPki } from 'rxtls/testing';
 * const credentials = await (await createTestPki()).leaf();
 * await using server = await listening(serve({ credentials }, () => [line('* OK ready')]));
 * console.log(`listening on ${server.host}:${server.port}`);
 * ```
 */
export interface RunningServer extends AsyncDisposable {
  /** The address listened on. */
  readonly host: string;
  /** The port listened on (the one picked, for port 0). */
  readonly port: number;
  /** The gateway's `ws://` or `wss://` URL; absent for TLS servers. */
  readonly url?: string;
  /**
   * Settles when the server stops by itself, with the error that stopped it (or `undefined` when
   * its Observable completed); never when `close()` stopped it. It never rejects, so a server
   * nobody watches cannot raise an unhandled rejection.
   */
  readonly stopped: Promise<Error | undefined>;
  /**
   * Stops the server: unsubscribes, which closes the listening socket and destroys every
   * connection, and resolves once the port is released. `[Symbol.asyncDispose]` does the same.
   */
  close(): Promise<void>;
}

/**
 * Subscribes to a server and resolves once it listens, with a handle that `await using`
 * disposes: the server stops when the block ends, however it ends. Rejects with the server's
 * error when it fails before listening (a port in use, bad credentials, a bad option), or with an
 * `InvalidOptionError` naming `server$` when it completes before listening.
 *
 * Subscriptions of RxJS 8 are disposable themselves (`using subscription = server$.subscribe()`);
 * this gives RxJS 7 users the same, and the awaited port and address besides.
 *
 * @param server$ - What `listen`, `serve`, `listenStartTls` or `gateway` returned, piped as you like
 *   (`tap` to log its events).
 * @returns The listening server.
 * @example
 * ```ts
 * import { tap } from 'rxjs';
 * import { gateway, listening } from 'rxtls';
 * await using bridge = await listening(gateway({ port: 0, targets: ['imap.example.com:993'] }).pipe(tap(console.log)));
 * console.log(bridge.url);
 * ```
 */
export function listening(server$: Observable<{ readonly type: string }>): Promise<RunningServer> {
  return new Promise<RunningServer>((resolve, reject) => {
    let running: RunningServer | undefined;
    let stop: (error: Error | undefined) => void = () => undefined;
    const stopped = new Promise<Error | undefined>((settle) => (stop = settle));
    const subscription = server$.subscribe({
      next(event) {
        if (running || event.type !== 'listening') return;
        const { host, port, url } = event as ListeningLike;
        const close = async (): Promise<void> => {
          subscription.unsubscribe();
          // Node closes the listening handle at once and releases the port on the loop's next turn.
          await new Promise<void>((released) => setImmediate(released));
        };
        running = { host, port, ...(url !== undefined && { url }), stopped, close, [Symbol.asyncDispose]: close };
        resolve(running);
      },
      error(error: unknown) {
        const failure = error instanceof Error ? error : new Error(String(error));
        if (running) stop(failure);
        else reject(failure);
      },
      complete() {
        if (running) stop(undefined);
        else
          reject(
            new InvalidOptionError(
              'server$',
              server$,
              'completed before it was listening: pass what listen, serve, listenStartTls or gateway returns',
            ),
          );
      },
    });
  });
}
