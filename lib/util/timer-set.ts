/** Timeouts owned by one connection: each removes itself when it fires, and `clear()` cancels the rest at teardown. */
export interface TimerSet {
  /** Calls `fire` after `ms`, unless cancelled or cleared first. */
  after(ms: number, fire: () => void): ReturnType<typeof setTimeout>;
  /** Cancels one timer. */
  cancel(timer: ReturnType<typeof setTimeout>): void;
  /** Cancels every timer still pending. */
  clear(): void;
}

/**
 * One per connection, for the connection's whole life: methods on the prototype, and no
 * collection until a timer is pending (an established connection has none).
 */
class PendingTimers implements TimerSet {
  private pending: Array<ReturnType<typeof setTimeout>> | undefined;

  after(ms: number, fire: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.cancel(timer);
      fire();
    }, ms);
    (this.pending ??= []).push(timer);
    return timer;
  }

  cancel(timer: ReturnType<typeof setTimeout>): void {
    clearTimeout(timer);
    const { pending } = this;
    const at = pending?.indexOf(timer) ?? -1;
    if (!pending || at < 0) return;
    pending.splice(at, 1);
    if (pending.length === 0) this.pending = undefined;
  }

  clear(): void {
    const { pending } = this;
    this.pending = undefined;
    for (const timer of pending ?? []) clearTimeout(timer);
  }
}

/** A {@link TimerSet}; it uses only the timers every platform has, so the browser build can use it too. */
export function timerSet(): TimerSet {
  return new PendingTimers();
}
