import { Observable } from 'rxjs';
import { closeTimeoutOf } from '../transport/close-timeout';
import { TransportError, WriteBufferFullError, type TransportErrorCode } from '../errors';
import { timerSet } from '../util/timer-set';
import { abortedError, onAbort } from '../util/abort-signal';
import { idleTimer, type IdleTimer } from '../transport/idle-timer';
import type { ResolvedWebSocketOptions } from './websocket-options';
import type { WebSocketLike } from './websocket-like';

export type { WebSocketConstructor, WebSocketLike } from './websocket-like';
import type { ClosedEvent, ConnectedEvent, DataEvent, TlsReader, TlsWriter, WebSocketConnectedEvent, WebSocketInfo } from '../events';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
const NORMAL_CLOSURE = 1000;
const DRAIN_POLL_MS = 10;
const noop = () => undefined;

/** Names of the close codes of RFC 6455 and the IANA registry, for messages. */
const CLOSE_CODE_NAMES: Readonly<Record<number, string>> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status received',
  1006: 'abnormal closure',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failed',
};

/**
 * Runs one WebSocket as rxtls events: `connected` (built by `connected` from the writer) once
 * it is open, `data` for each message (binary or text, as bytes), then `closed` with the close
 * code — clean only for 1000. A failure before it opened is an error notification
 * (`TransportError`). Unsubscribing closes an open or opening WebSocket with code 1000.
 *
 * The reader pauses a WebSocket that can be paused (the `ws` package's: it stops reading its
 * socket, so the server's sends block). A browser's cannot: its reader records the wish and
 * says `pausable: false`, and messages keep coming.
 */
export function webSocketEvents<C extends ConnectedEvent | WebSocketConnectedEvent>(
  target: ResolvedWebSocketOptions,
  open: () => WebSocketLike,
  connected: (writer: TlsWriter, info: WebSocketInfo, reader: TlsReader) => C,
): Observable<C | DataEvent | ClosedEvent> {
  const { url, host, port, limits, signal } = target;
  return new Observable<C | DataEvent | ClosedEvent>((subscriber) => {
    if (signal?.aborted) {
      subscriber.error(abortedError(signal, host, port, 'before the WebSocket opened'));
      return undefined;
    }
    const timers = timerSet();
    let drainWaiters: Array<() => void> = [];
    const wakeDrainWaiters = () => {
      const waiting = drainWaiters;
      drainWaiters = [];
      for (const resolve of waiting) resolve();
    };
    let opened = false;
    let closedByUs = false;
    let failure: Error | undefined;
    let finished = false;

    const socket = open();
    socket.binaryType = 'arraybuffer';

    const finish = (event: ClosedEvent) => {
      if (finished) return;
      finished = true;
      wakeDrainWaiters();
      subscriber.next(event);
      subscriber.complete();
    };
    const failToOpen = (code: TransportErrorCode | (string & {}), message: string) => {
      finished = true;
      subscriber.error(new TransportError(code, host, port, message));
    };
    const closeLocally: TlsWriter['end'] = (given) => {
      const bound = closeTimeoutOf(given, limits.closeTimeout);
      if (closedByUs || finished) return;
      closedByUs = true;
      if (socket.readyState === OPEN) socket.close(NORMAL_CLOSURE);
      timers.after(bound.ms, () =>
        finish({
          type: 'closed',
          by: 'local',
          clean: false,
          error: new TransportError(
            'ERR_RXTLS_CLOSE_TIMEOUT',
            host,
            port,
            `the server did not answer our WebSocket close within ${bound.ms} ms (option ${bound.option})`,
          ),
        }),
      );
    };
    const writer: TlsWriter = {
      write(chunk) {
        if (socket.readyState !== OPEN || closedByUs) return false;
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        if (bytes.byteLength === 0) return socket.bufferedAmount < limits.highWaterBytes;
        const pending = socket.bufferedAmount;
        if (pending > 0 && pending + bytes.byteLength > limits.maxPendingWriteBytes)
          throw new WriteBufferFullError(limits.maxPendingWriteBytes, pending, bytes.byteLength);
        socket.send(arrayBufferOf(bytes));
        return socket.bufferedAmount < limits.highWaterBytes;
      },
      drain() {
        // The WebSocket API has no drain event: look at bufferedAmount until it is low again.
        return new Promise<void>((resolve) => {
          const check = () => {
            // Closing but not yet `closed`: keep waiting (finish() releases us after the event),
            // so that a write()/drain() loop cannot spin before it sees `closed`.
            const writable = socket.readyState === OPEN && !closedByUs;
            if (finished || (writable && socket.bufferedAmount < limits.highWaterBytes)) {
              drainWaiters = drainWaiters.filter((waiter) => waiter !== resolve);
              resolve();
            } else timers.after(DRAIN_POLL_MS, check);
          };
          drainWaiters.push(resolve);
          check();
        });
      },
      end: closeLocally,
      get pendingBytes() {
        return socket.bufferedAmount;
      },
    };

    const idle = idleTimer(limits.idleTimeout, () =>
      finish({
        type: 'closed',
        by: 'local',
        clean: false,
        error: new TransportError(
          'ERR_RXTLS_IDLE_TIMEOUT',
          host,
          port,
          `no message received for ${limits.idleTimeout} ms (option idleTimeout)`,
        ),
      }),
    );
    const reader = webSocketReader(socket, idle);
    const stopAbort = onAbort(signal, () => {
      if (finished || !signal) return;
      if (!opened) {
        finished = true;
        subscriber.error(abortedError(signal, host, port, 'before the WebSocket opened'));
        return;
      }
      finish({ type: 'closed', by: 'local', clean: false, error: abortedError(signal, host, port, 'after the WebSocket opened') });
    });

    // What is left of the connection's one deadline when an earlier stage (TCP, proxy, TLS) spent some of it.
    const connectTimer = timers.after(limits.connectTimeLeft ?? limits.connectTimeout, () => {
      if (opened || finished) return;
      failToOpen('ERR_RXTLS_CONNECT_TIMEOUT', `the WebSocket did not open within ${limits.connectTimeout} ms (option connectTimeout)`);
    });
    socket.onopen = () => {
      if (finished) return;
      opened = true;
      timers.cancel(connectTimer);
      if (!reader.paused) idle.resume();
      subscriber.next(connected(writer, { url: socket.url || url.href, protocol: socket.protocol }, reader));
    };
    socket.onmessage = ({ data }) => {
      idle.touch();
      if (!finished && !closedByUs) subscriber.next({ type: 'data', bytes: bytesOf(data) });
    };
    socket.onerror = (event: unknown) => {
      if (finished) return;
      const detail = errorDetail(event);
      if (!opened) {
        failToOpen(detail.code ?? 'ERR_RXTLS_WEBSOCKET_CONNECT_FAILED', `could not open the WebSocket to ${url.href}: ${detail.message}`);
        return;
      }
      failure ??= new TransportError(detail.code ?? 'ERR_RXTLS_WEBSOCKET_ERROR', host, port, `the WebSocket failed: ${detail.message}`);
      // A close event normally follows with the code; wait for it, but not forever.
      timers.after(socket.readyState === CLOSED ? 0 : limits.closeTimeout, () =>
        finish({ type: 'closed', by: closedByUs ? 'local' : 'peer', clean: false, error: failure }),
      );
    };
    socket.onclose = ({ code, reason }) => {
      if (finished) return;
      if (!opened) {
        failToOpen(
          'ERR_RXTLS_WEBSOCKET_CONNECT_FAILED',
          `the WebSocket to ${url.href} closed before it opened: ${describeClose(code, reason)}`,
        );
        return;
      }
      const clean = code === NORMAL_CLOSURE && failure === undefined;
      const error = clean
        ? undefined
        : (failure ?? new TransportError('ERR_RXTLS_WEBSOCKET_CLOSED', host, port, `the WebSocket closed: ${describeClose(code, reason)}`));
      finish({ type: 'closed', by: closedByUs ? 'local' : 'peer', clean, code, reason, ...(error && { error }) });
    };

    return () => {
      timers.clear();
      idle.stop();
      stopAbort();
      wakeDrainWaiters();
      finished = true;
      const state = socket.readyState;
      // Keep a listener for 'error': ws reports a close during its handshake as one.
      socket.onopen = noop;
      socket.onmessage = noop;
      socket.onerror = noop;
      socket.onclose = noop;
      // 1000, never the 1005 a bare close() sends: the server sees a normal closure.
      if (state === CONNECTING || state === OPEN) socket.close(NORMAL_CLOSURE);
    };
  });
}

/**
 * The read side of a WebSocket: its own pause()/resume() where it has them (ws), a recorded wish
 * where not (browsers). Pausing a WebSocket that can pause stops the idle clock too: its
 * silence is then ours.
 */
function webSocketReader(socket: WebSocketLike, idle: IdleTimer): TlsReader {
  const pausable = typeof socket.pause === 'function' && typeof socket.resume === 'function';
  let paused = false;
  return {
    pause() {
      if (paused) return;
      paused = true;
      if (!pausable) return;
      idle.pause();
      socket.pause?.();
    },
    resume() {
      if (!paused) return;
      paused = false;
      if (!pausable) return;
      socket.resume?.();
      if (socket.readyState === OPEN) idle.resume();
    },
    get paused() {
      return paused;
    },
    pausable,
  };
}

/** `1011 (internal error): reason`. */
function describeClose(code: number, reason: string): string {
  const name = CLOSE_CODE_NAMES[code];
  return `code ${code}${name ? ` (${name})` : ''}${reason ? `: ${reason}` : ''}`;
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  // mock-socket, like old browsers, sends a typed array as its text: hand over an ArrayBuffer.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return new Uint8Array(bytes).buffer; // a copy of just these bytes
}

function bytesOf(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Buffer.concat(data.map(bytesOf)); // ws's 'fragments' binary type
  throw new TypeError(`unexpected WebSocket message data: ${Object.prototype.toString.call(data)}`);
}

/** What an error event says: ws's carries the underlying error (with its code); a browser's nothing. */
function errorDetail(event: unknown): { code?: string; message: string } {
  const error = (event as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const message = (event as { message?: unknown } | undefined)?.message ?? error?.message;
  return {
    ...(typeof error?.code === 'string' && { code: error.code }),
    message: typeof message === 'string' && message !== '' ? message : 'the platform gave no reason',
  };
}
