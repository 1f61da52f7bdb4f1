import { createHook } from 'node:async_hooks';
import { firstValueFrom, type Observable, toArray, materialize } from 'rxjs';

/** Everything an Observable emitted, and how it ended. */
export interface Collected<T> {
  readonly events: T[];
  readonly error: (Error & { code?: string }) | undefined;
  readonly completed: boolean;
}

/** Subscribes, waits for the end, and returns what happened. */
export async function collect<T>(source: Observable<T>): Promise<Collected<T>> {
  const notifications = await firstValueFrom(source.pipe(materialize(), toArray()));
  const events: T[] = [];
  let error: Error | undefined;
  let completed = false;
  for (const n of notifications) {
    if (n.kind === 'N') events.push(n.value);
    else if (n.kind === 'E') error = n.error as Error;
    else completed = true;
  }
  return { events, error, completed };
}

/** Waits until `condition()` holds, polling; fails after `ms`. */
export async function eventually(condition: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Counts the socket handles the process holds (TCP and TLS wraps). */
export function openSocketHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap' || r === 'TCPWRAP').length;
}

/**
 * The timers that keep the process alive and were not set by jest itself, tracked from the first
 * call on. `process.getActiveResourcesInfo()` counts jest's own timers too (a test's timeout, the
 * reporter's 100 ms status tick when the suite runs in band), which come and go on their own
 * schedule: counting them made a leak check pass or fail by chance.
 */
/** Node's Timeout: `_destroyed` is set as it fires or is cleared, before the destroy hook runs. */
type Timer = { hasRef(): boolean; _destroyed?: boolean };
const liveTimers = new Map<number, { timer: Timer; caller: string }>();
let tracking = false;
function trackTimers(): void {
  if (tracking) return;
  tracking = true;
  createHook({
    init(id, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 12;
      const frames = (new Error().stack ?? '').split('\n').slice(1);
      Error.stackTraceLimit = limit;
      // Whoever set the timer: the frame after Node's setTimeout/setInterval, or failing that the
      // first one outside Node's timer and hook code.
      const set = frames.findIndex((frame) => /at (setTimeout|setInterval) \(node:timers/.test(frame));
      const machinery = /AsyncHook\.init|\(node:(internal\/|timers)|at new Timeout /;
      const caller = (set >= 0 ? frames[set + 1] : frames.find((frame) => !machinery.test(frame))) ?? '';
      if (!/[\\/]node_modules[\\/](jest-|@jest[\\/])/.test(caller)) liveTimers.set(id, { timer: resource as Timer, caller: caller.trim() });
    },
    destroy(id) {
      liveTimers.delete(id);
    },
  }).enable();
}

/** Counts the timers the code under test holds (see {@link trackTimers}); the first call starts tracking. */
export function activeTimers(): number {
  trackTimers();
  return activeTimerCallers().length;
}

/** Where each of the {@link activeTimers} was set: the frame that called `setTimeout`. */
export function activeTimerCallers(): string[] {
  trackTimers();
  return [...liveTimers.values()].filter(({ timer }) => timer.hasRef() && timer._destroyed !== true).map(({ caller }) => caller);
}
