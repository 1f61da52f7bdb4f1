import type { Socket } from 'node:net';
import { WriteBufferFullError } from '../errors';
import type { TlsWriter } from '../events';

/**
 * The write side of a verified socket: backpressure through `write()`'s return value and
 * `drain()`, and a hard bound on queued bytes so a writer that ignores backpressure fails
 * fast instead of growing memory without limit.
 */
export function socketWriter(socket: Socket, maxPendingWriteBytes: number, onEnd: TlsWriter['end']): TlsWriter {
  let waiters: Array<() => void> = [];
  const wake = () => {
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const isOpen = () => !socket.destroyed && socket.writable;
  // One listener each for the socket's life, however many writes wait.
  socket.on('drain', wake);
  socket.once('close', wake);
  return {
    write(chunk) {
      if (!isOpen()) return false;
      const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      const pending = socket.writableLength;
      if (pending > 0 && pending + size > maxPendingWriteBytes) throw new WriteBufferFullError(maxPendingWriteBytes, pending, size);
      return socket.write(chunk);
    },
    drain() {
      if (!isOpen() || !socket.writableNeedDrain) return Promise.resolve();
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
