import { connect as netConnect, type Socket } from 'node:net';
import type { TimerSet } from '../../util/timer-set';
import type { DialAddress } from './resolve-addresses';

/** One address that could not be connected to, and why. */
export interface FailedAttempt {
  readonly address: string;
  readonly error: NodeJS.ErrnoException;
}

/**
 * Connects to the first of `addresses` that answers, Happy Eyeballs style (RFC 8305): one
 * attempt starts now, the next one when the current one has not connected within
 * `attemptTimeout` or has failed, and so on; earlier attempts stay alive until one connects,
 * then the others are destroyed. `won` gets the connected socket (with no listener of ours left
 * on it); `lost` gets every failure, in the order tried, when all of them failed.
 *
 * @returns a function that destroys every attempt still in progress and cancels the next ones
 */
export function happyEyeballs(
  addresses: readonly DialAddress[],
  port: number,
  attemptTimeout: number,
  timers: TimerSet,
  won: (socket: Socket) => void,
  lost: (failures: readonly FailedAttempt[]) => void,
): () => void {
  const attempts = new Set<Socket>();
  const failures: FailedAttempt[] = [];
  let next = 0;
  let stepTimer: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const stop = () => {
    settled = true;
    if (stepTimer !== undefined) timers.cancel(stepTimer);
    for (const attempt of attempts) attempt.destroy();
    attempts.clear();
  };
  const startNext = () => {
    if (stepTimer !== undefined) timers.cancel(stepTimer);
    stepTimer = undefined;
    const target = addresses[next++];
    if (target === undefined) {
      if (attempts.size === 0 && !settled) {
        settled = true;
        lost(failures);
      }
      return;
    }
    const socket = netConnect({ host: target.address, port, family: target.family });
    attempts.add(socket);
    const failed = (error: NodeJS.ErrnoException) => {
      attempts.delete(socket);
      socket.destroy();
      failures.push({ address: target.address, error });
      if (!settled) startNext();
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      attempts.delete(socket);
      socket.off('error', failed);
      stop();
      won(socket);
    });
    if (next < addresses.length) stepTimer = timers.after(attemptTimeout, startNext);
  };
  startNext();
  return stop;
}
