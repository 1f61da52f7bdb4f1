/** Timeouts owned by one connection: each removes itself when it fires, and `clear()` cancels the rest at teardown. */
export interface TimerSet {
  /** Calls `fire` after `ms`, unless cancelled or cleared first. */
  readonly after: (ms: number, fire: () => void) => ReturnType<typeof setTimeout>;
  /** Cancels one timer. */
  readonly cancel: (timer: ReturnType<typeof setTimeout>) => void;
  /** Cancels every timer still pending. */
  readonly clear: () => void;
}

/** A {@link TimerSet}; it uses only the timers every platform has, so the browser build can use it too. */
export function timerSet(): TimerSet {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  return {
    after: (ms, fire) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fire();
      }, ms);
      timers.add(timer);
      return timer;
    },
    cancel: (timer) => {
      clearTimeout(timer);
      timers.delete(timer);
    },
    clear: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
