import type { Socket } from 'node:net';
import { WriteBufferFullError } from '../errors';
import type { CloseTimeout, TlsWriter } from '../events';

/**
 * The write side of a verified socket: backpressure through `write()`'s return value and
 * `drain()`, and a hard bound on queued bytes so a writer that ignores backpressure fails
 * fast instead of growing memory without limit.
 *
 * It holds no listener of its own while nobody waits: a 'drain' listener is added only for
 * writers waiting in `drain()`, and the connection calls {@link SocketWriter.closed} after it
 * delivered its `closed` event, which releases the waiters (an idle connection lives for hours;
 * docs/performance.md).
 */
export class SocketWriter implements TlsWriter {
  private waiters: Array<() => void> | undefined;
  private closeSeen = false;

  constructor(
    private readonly socket: Socket,
    private readonly maxPendingWriteBytes: number,
    private readonly onEnd: (timeout?: CloseTimeout) => void,
  ) {}

  write(chunk: string | Uint8Array): boolean {
    if (!this.isOpen()) return false;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const pending = this.socket.writableLength;
    if (pending > 0 && pending + size > this.maxPendingWriteBytes) throw new WriteBufferFullError(this.maxPendingWriteBytes, pending, size);
    return this.socket.write(chunk);
  }

  drain(): Promise<void> {
    if (this.closeSeen || (this.isOpen() && !this.socket.writableNeedDrain)) return Promise.resolve();
    // A socket that is no longer writable but not yet closed (Node emits 'close' a tick or more
    // after it stops being writable) releases its waiters at 'close', after the `closed` event:
    // resolving at once would let a `write()`/`drain()` loop spin through microtasks, never
    // yielding to the tick that delivers `closed`.
    return new Promise<void>((resolve) => {
      if (this.waiters) return void this.waiters.push(resolve);
      this.waiters = [resolve];
      this.socket.once('drain', () => this.wake()); // one listener however many writes wait
    });
  }

  end(timeout?: CloseTimeout): void {
    this.onEnd(timeout);
    if (this.isOpen()) this.socket.end();
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  /** The socket closed and its `closed` event was delivered: releases every waiter. */
  closed(): void {
    this.closeSeen = true;
    this.wake();
  }

  private isOpen(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  private wake(): void {
    const ready = this.waiters ?? [];
    this.waiters = undefined;
    for (const resolve of ready) resolve();
  }
}
