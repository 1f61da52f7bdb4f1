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

/** Counts the timers the process holds. */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
