import type { Socket } from 'node:net';
import type { Subscriber } from 'rxjs';
import { closeTimeoutOf } from './close-timeout';
import { TransportError } from '../errors';
import type { ClosedEvent, CloseTimeout, DataEvent, TlsReader, TlsWriter } from '../events';
import { SocketWriter } from './socket-writer';
import { idleTimer } from './idle-timer';
import { abortedError, onAbort } from '../util/abort-signal';
import { publish, type DiagnosticsRole } from '../util/diagnostics-channels';

/** Limits of an established connection. */
export interface EstablishedLimits {
  readonly maxPendingWriteBytes: number;
  readonly closeTimeout: number;
  readonly host: string;
  readonly port: number;
  /**
   * When given, whether TCP had already ended: a TLS end before TCP's is the peer's close_notify,
   * one after it is a truncation (see watched-transport.ts).
   */
  readonly transportEnded?: () => boolean;
  /**
   * Milliseconds without a received byte, while reading, before the connection is destroyed
   * with `ERR_RXTLS_IDLE_TIMEOUT` (`closed.clean: false`); 0 or absent: no limit.
   */
  readonly idleTimeout?: number;
  /** Aborting it destroys the connection; `closed` then carries `ERR_RXTLS_ABORTED` (cause: the reason). */
  readonly signal?: AbortSignal | undefined;
  /** Which end we are, for the `rxtls:close` diagnostics channel. Default `'client'`. */
  readonly role?: DiagnosticsRole;
}

/** What {@link establishedConnection} answers. */
export interface EstablishedConnection {
  /** Starts reading (`data` events) and answers the writer. */
  accept(): TlsWriter;
  /** Hands the socket on to another layer: no more events from it. */
  detach(): void;
  readonly reader: TlsReader;
}

/**
 * The reader an established connection hands out. A class, because V8 keeps an object literal
 * with a getter as a dictionary, several times its size, for the connection's life.
 */
class ReaderView implements TlsReader {
  readonly pausable = true;

  constructor(
    readonly pause: () => void,
    readonly resume: () => void,
    private readonly isPaused: () => boolean,
  ) {}

  get paused(): boolean {
    return this.isPaused();
  }
}

/**
 * The life of a socket after its handshake (or of a plaintext socket before STARTTLS), shared
 * by clients and servers: `data` once accepted, our close bounded by `closeTimeout` (or by the
 * {@link CloseTimeout} `writer.end()` was given), and one honest `closed` event — who ended the
 * stream first, and whether it ended without an error — then completion. `detach()` hands the socket on to another layer (STARTTLS) silently.
 *
 * `reader` pauses the socket (`socket.pause()`: no more 'data'; Node stops reading from the
 * kernel once the readable buffer is full, so the peer's writes block). Before `accept()` it only
 * records the wish — resuming a socket nobody listens to would lose its bytes — and after
 * `detach()` it does nothing: the socket belongs to the next layer.
 *
 * `idleTimeout` counts the time since the last decrypted chunk (TLS application data, or the
 * plaintext socket's bytes before STARTTLS) while the socket is being read: it starts at
 * `accept()`, stops while the reader is paused (the peer's silence is then our back-pressure)
 * and starts afresh on `resume()`. When it runs out the socket is destroyed and `closed` says
 * `by: 'local', clean: false` with `ERR_RXTLS_IDLE_TIMEOUT`; `signal`'s abort does the same with
 * `ERR_RXTLS_ABORTED`. Both listeners go at `close` and at `detach()`.
 */
export function establishedConnection(
  socket: Socket,
  subscriber: Subscriber<DataEvent | ClosedEvent>,
  limits: EstablishedLimits,
): EstablishedConnection {
  let closer: 'local' | 'peer' | undefined;
  let lastError: Error | undefined;
  let closeTimer: NodeJS.Timeout | undefined;
  let reading = false;
  let paused = false;
  let detached = false;
  let writer: SocketWriter | undefined;
  const endWith = (error: Error) => {
    lastError ??= error;
    // Who ended first, without an 'end' listener of our own: `readableEnded` is set when the
    // socket's 'end' (the peer's close_notify, or its FIN for plaintext) was emitted.
    closer ??= socket.readableEnded ? 'peer' : 'local';
    socket.destroy();
  };
  const idle = idleTimer(limits.idleTimeout ?? 0, () =>
    endWith(
      new TransportError(
        'ERR_RXTLS_IDLE_TIMEOUT',
        limits.host,
        limits.port,
        `nothing received for ${limits.idleTimeout} ms (option idleTimeout)`,
      ),
    ),
  );
  const { signal } = limits;
  const stopAbort = signal
    ? onAbort(signal, () => endWith(abortedError(signal, limits.host, limits.port, 'after the connection was established')))
    : undefined;
  const reader = new ReaderView(
    () => {
      if (paused || detached) return;
      paused = true;
      idle.pause();
      socket.pause();
    },
    () => {
      if (!paused || detached) return;
      paused = false;
      if (!reading) return;
      idle.resume();
      socket.resume();
    },
    () => paused,
  );
  const onError = (error: Error) => {
    lastError ??= error;
    closer ??= 'peer';
  };
  const { transportEnded } = limits;
  // Only truncation detection needs the moment of 'end'. The event is emitted on the tick after
  // OpenSSL saw close_notify, before the next I/O callback can deliver TCP's end: so TCP ended
  // first only when there was no close_notify.
  const onEnd =
    transportEnded &&
    (() => {
      closer ??= 'peer';
      if (!transportEnded()) return;
      lastError ??= new TransportError(
        'ERR_RXTLS_TLS_TRUNCATED',
        limits.host,
        limits.port,
        'the peer closed TCP without a TLS close_notify: the data may have been truncated',
      );
    });
  const onClose = () => {
    if (closeTimer) clearTimeout(closeTimer);
    idle.stop();
    stopAbort?.();
    if (socket.readableEnded) closer ??= 'peer';
    // A subscriber that left destroyed the socket: that close was ours (no longer its event, but the diagnostics channel's).
    const by = closer ?? (subscriber.closed ? 'local' : 'peer');
    const clean = closer !== undefined && lastError === undefined;
    publish('close', () => {
      const code = lastError && 'code' in lastError && typeof lastError.code === 'string' ? lastError.code : undefined;
      return {
        role: limits.role ?? 'client',
        host: limits.host,
        port: limits.port,
        by,
        clean,
        ...(code !== undefined && { code }),
        bytesRead: socket.bytesRead,
        bytesWritten: socket.bytesWritten,
      };
    });
    subscriber.next({ type: 'closed', by, clean, ...(lastError && { error: lastError }) });
    subscriber.complete();
    writer?.closed(); // after `closed`, so that a writer waiting in drain() sees the event first
  };
  const onData = (bytes: Buffer) => {
    idle.touch();
    subscriber.next({ type: 'data', bytes });
  };
  const endedByUs = (given?: CloseTimeout) => {
    const bound = closeTimeoutOf(given, limits.closeTimeout);
    closer ??= socket.readableEnded ? 'peer' : 'local'; // as in endWith
    if (closeTimer || socket.destroyed) return;
    // The peer has that long to answer our close_notify with its own close.
    closeTimer = setTimeout(() => {
      lastError ??= new TransportError(
        'ERR_RXTLS_CLOSE_TIMEOUT',
        limits.host,
        limits.port,
        `peer did not close within ${bound.ms} ms of our close_notify (option ${bound.option})`,
      );
      socket.destroy();
    }, bound.ms);
  };
  socket.on('error', onError);
  if (onEnd) socket.on('end', onEnd);
  socket.on('close', onClose); // emitted once: on() spares the wrapper once() would keep for the connection's life
  return {
    reader,
    accept() {
      if (!reading) {
        reading = true;
        // A paused socket stays paused: adding a 'data' listener starts only a socket never paused.
        socket.on('data', onData);
        if (!paused) idle.resume();
      }
      return (writer ??= new SocketWriter(socket, limits.maxPendingWriteBytes, endedByUs));
    },
    detach() {
      detached = true;
      if (closeTimer) clearTimeout(closeTimer);
      idle.stop();
      stopAbort?.();
      socket.off('error', onError);
      if (onEnd) socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('data', onData);
      writer?.closed(); // writes waiting in drain() on this layer are released, not left hanging
    },
  };
}
