import { X509Certificate } from 'node:crypto';
import { asyncScheduler, from, merge, of, type Observable, type SchedulerLike } from 'rxjs';
import { concatMap, map, switchMap } from 'rxjs/operators';
import { DEFAULT_COUNTDOWN_THRESHOLDS_DAYS } from '../defaults';
import { InvalidOptionError } from '../errors';
import type { CertificateCountdownEvent } from '../events';
import { earliestExpiry, waitUntil } from '../operators/expiry-warnings';
import { isObservableLike } from '../util/observable-shape';
import type { ServerCredentials } from './listen-options';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Options of {@link certificateCountdown}.
 *
 * @example
 * ```ts
 * import type { CertificateCountdownOptions } from 'rxtls';
 * const options: CertificateCountdownOptions = { thresholdsDays: [21, 7, 2] };
 * ```
 */
export interface CertificateCountdownOptions {
  /** Days before expiry at which to fire, for each certificate. Default {@link DEFAULT_COUNTDOWN_THRESHOLDS_DAYS}; expiry itself (0) always fires. */
  readonly thresholdsDays?: readonly number[];
  /** The clock and timers (a `TestScheduler` in tests). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Counts down a server's own certificates — the default credential and each SNI name — and
 * emits `certificateExpiring` as each reaches a threshold (by default 30, 14, 7 and 1 day
 * before its chain's earliest `validTo`, and at expiry), so that new credentials can be loaded
 * before the deadline. Give it the same credentials `listen()` serves: a value, or the
 * Observable hot reload follows — each new emission restarts the countdown for what it holds.
 * A threshold already passed when the countdown (re)starts fires at once, the nearest one only;
 * waits longer than a timer can take are chunked.
 *
 * @param credentials - what the server serves: `{ cert, key, sni? }` or an Observable of them.
 * @param options - thresholds and scheduler.
 * @returns an Observable of `certificateExpiring` events; it completes once the last countdown is over and no more credentials can come.
 * @example
 * ```ts
 * import { BehaviorSubject } from 'rxjs';
 * import { certificateCountdown, listen, type ServerCredentials } from 'rxtls';
 * const credentials = new BehaviorSubject<ServerCredentials>({ cert, key });
 * listen({ port: 8443, credentials }).subscribe();
 * certificateCountdown(credentials).subscribe((e) => {
 *   console.warn(`${e.name}: ${e.subject} expires in ${e.daysLeft} days; renewing`);
 *   // renew, then credentials.next({ cert: renewed, key: renewedKey });
 * });
 * ```
 */
export function certificateCountdown(
  credentials: ServerCredentials | Observable<ServerCredentials>,
  options: CertificateCountdownOptions = {},
): Observable<CertificateCountdownEvent> {
  const thresholds = options.thresholdsDays ?? DEFAULT_COUNTDOWN_THRESHOLDS_DAYS;
  if (!Array.isArray(thresholds) || thresholds.some((t) => typeof t !== 'number' || !Number.isFinite(t) || t < 0))
    throw new InvalidOptionError('thresholdsDays', thresholds, 'must be an array of numbers of days, 0 or more');
  const scheduler = options.scheduler ?? asyncScheduler;
  // Most days first, and expiry itself last.
  const days = [...new Set<number>([...(thresholds as readonly number[]), 0])].sort((a, b) => b - a);
  const credentials$ = isObservableLike<ServerCredentials>(credentials) ? from(credentials) : of(credentials as ServerCredentials);
  return credentials$.pipe(
    switchMap((current) => merge(...namedCertificates(current).map(([name, cert]) => countdown(name, cert, days, scheduler)))),
  );
}

function countdown(
  name: string,
  pem: string | Buffer,
  days: readonly number[],
  scheduler: SchedulerLike,
): Observable<CertificateCountdownEvent> {
  const earliest = earliestExpiry(certificatesOf(name, pem));
  if (!earliest) return of();
  const expiresAt = earliest.validTo;
  const at = (threshold: number) => expiresAt.getTime() - threshold * DAY_MS;
  const now = scheduler.now();
  // Of the thresholds passed already, only the nearest fires (at once); the others are history.
  const passed = days.filter((d) => at(d) <= now);
  const due = [...days.filter((d) => at(d) > now), ...passed.slice(-1)].sort((a, b) => b - a);
  return from(due).pipe(
    concatMap((threshold) =>
      waitUntil(at(threshold), scheduler).pipe(
        map((): CertificateCountdownEvent => ({
          type: 'certificateExpiring',
          name,
          subject: earliest.subject,
          expiresAt,
          thresholdDays: threshold,
          daysLeft: Math.max(0, Math.floor((expiresAt.getTime() - scheduler.now()) / DAY_MS)),
        })),
      ),
    ),
  );
}

function namedCertificates(credentials: ServerCredentials): Array<[string, string | Buffer]> {
  return [['default', credentials.cert], ...Object.entries(credentials.sni ?? {}).map(([n, c]): [string, string | Buffer] => [n, c.cert])];
}

/** Every certificate of a PEM bundle, with its subject on one line and its `validTo`. */
function certificatesOf(name: string, pem: string | Buffer): Array<{ subject: string; validTo: Date }> {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  try {
    return blocks.map((block) => {
      const cert = new X509Certificate(block);
      return { subject: cert.subject.split('\n').filter(Boolean).join(', '), validTo: new Date(cert.validTo) };
    });
  } catch (error) {
    throw new InvalidOptionError(
      name === 'default' ? 'credentials.cert' : `credentials.sni.${name}.cert`,
      '(hidden)',
      `cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
