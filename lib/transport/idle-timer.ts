/** One connection's idle clock, as {@link idleTimer} makes it. */
export interface IdleTimer {
  /** Something arrived: the quiet period starts again. Cheap enough for every chunk (one clock read). */
  touch(): void;
  /** We stopped reading (back-pressure): the clock stops, since a quiet peer is then our doing. */
  pause(): void;
  /** We read (again): the clock starts, with a whole quiet period ahead. */
  resume(): void;
  /** The connection ended: the timer goes, for good. */
  stop(): void;
}

const OFF: IdleTimer = { touch() {}, pause() {}, resume() {}, stop() {} };

/**
 * Calls `onIdle` once nothing was {@link IdleTimer.touch | touched} for `ms` while the clock ran;
 * `ms` 0 is no clock at all. One timer a connection, never one a chunk: `touch()` only notes the
 * time, and when the timer fires early (something came meanwhile) it is set again for the rest.
 * The clock runs only between `resume()` and `pause()`, so a reader paused by a slow consumer
 * never makes a live peer look dead; it uses the monotonic clock (`performance.now()`), which a
 * change of the wall clock does not move.
 */
export function idleTimer(ms: number, onIdle: () => void): IdleTimer {
  if (ms <= 0) return OFF;
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let stopped = false;
  const check = () => {
    timer = undefined;
    const quiet = performance.now() - last;
    if (quiet < ms) {
      timer = setTimeout(check, ms - quiet);
      return;
    }
    stopped = true;
    running = false;
    onIdle();
  };
  const cancel = () => {
    running = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    touch() {
      last = performance.now();
    },
    pause() {
      if (running) cancel();
    },
    resume() {
      if (running || stopped) return;
      running = true;
      last = performance.now();
      timer = setTimeout(check, ms);
    },
    stop() {
      stopped = true;
      cancel();
    },
  };
}
