import type { Socket } from 'node:net';
import { WriteBufferFullError } from '../errors';
import type { TlsWriter } from '../events';

/**
 * The write side of a verified socket: backpressure through `write()`'s return value and
 * `drain()`, and a hard bound on queued bytes so a writer that ignores backpressure fails
 * fast instead of growing memory without limit.
 *
 * Created for an open socket, after the connection's own `'close'` listener: so when a waiter
 * in `drain()` is released by the socket's close, the `closed` event has already been delivered.
 */
export function socketWriter(socket: Socket, maxPendingWriteBytes: number, onEnd: TlsWriter['end']): TlsWriter {
  let waiters: Array<() => void> = [];
  let closeSeen = false;
  const wake = () => {
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const isOpen = () => !socket.destroyed && socket.writable;
  // One listener each for the socket's life, however many writes wait.
  socket.on('drain', wake);
  socket.on('close', () => {
    closeSeen = true;
    wake();
  });
  return {
    write(chunk) {
      if (!isOpen()) return false;
      const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      const pending = socket.writableLength;
      if (pending > 0 && pending + size > maxPendingWriteBytes) throw new WriteBufferFullError(maxPendingWriteBytes, pending, size);
      return socket.write(chunk);
    },
    drain() {
      if (closeSeen || (isOpen() && !socket.writableNeedDrain)) return Promise.resolve();
      // A socket that is no longer writable but not yet closed (Node emits 'close' a tick or more
      // after it stops being writable) releases its waiters at 'close', after the `closed` event:
      // resolving at once would let a `write()`/`drain()` loop spin through microtasks, never
      // yielding to the tick that delivers `closed`.
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    end(timeout) {
      onEnd(timeout);
      if (isOpen()) socket.end();
    },
    get pendingBytes() {
      return socket.writableLength;
    },
  };
}
