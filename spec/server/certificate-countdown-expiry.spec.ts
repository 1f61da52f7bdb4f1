import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { certificateCountdown, InvalidOptionError, type ServerCredentials } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';

/**
 * certificateCountdown() in virtual time: time 0 of the TestScheduler is 1970-01-01, so the
 * certificates are made to expire a given number of days after it.
 */
const DAY = 86_400_000;
let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const expiringAt = (days: number, names = ['localhost']) => pki.leaf({ names, notBefore: new Date(-DAY), notAfter: new Date(days * DAY) });

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A marble of events at absolute times: each `[ms, key]`. */
function at(...events: Array<[number, string]>): string {
  let cursor = 0;
  return events
    .map(([time, key]) => {
      const gap = time - cursor;
      cursor = time + 1;
      return `${gap}ms ${key}`;
    })
    .join(' ');
}

const event = (name: string, subject: string, expiresDays: number, thresholdDays: number, daysLeft = thresholdDays) => ({
  type: 'certificateExpiring' as const,
  name,
  subject,
  expiresAt: new Date(expiresDays * DAY),
  thresholdDays,
  daysLeft,
});

describe('certificateCountdown()', () => {
  it('fires at 30, 14, 7 and 1 days before expiry and at expiry, for the default credential and each SNI name', async () => {
    const main = await expiringAt(40);
    const mail = await expiringAt(20, ['mail.test']);
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const credentials: ServerCredentials = { ...main, sni: { 'mail.test': mail } };
      const subject = 'CN=localhost';
      expectObservable(certificateCountdown(credentials, { scheduler: ts })).toBe(
        at(
          [0, 'm'], // mail.test: 30 days passed already when the countdown starts: the nearest passed threshold, at once
          [6 * DAY, 'n'],
          [10 * DAY, 'a'],
          [13 * DAY, 'o'],
          [19 * DAY, 'p'],
          [20 * DAY, 'q'],
          [26 * DAY, 'b'],
          [33 * DAY, 'c'],
          [39 * DAY, 'd'],
          [40 * DAY, '(e|)'], // credentials given as a value: nothing more to count down
        ),
        {
          m: event('mail.test', 'CN=mail.test', 20, 30, 20),
          n: event('mail.test', 'CN=mail.test', 20, 14),
          o: event('mail.test', 'CN=mail.test', 20, 7),
          p: event('mail.test', 'CN=mail.test', 20, 1),
          q: event('mail.test', 'CN=mail.test', 20, 0),
          a: event('default', subject, 40, 30),
          b: event('default', subject, 40, 14),
          c: event('default', subject, 40, 7),
          d: event('default', subject, 40, 1),
          e: event('default', subject, 40, 0),
        },
      );
    });
  });

  it('restarts with each new credentials (hot reload): the renewed certificate is counted down, the old one no more', async () => {
    const old = await expiringAt(20);
    const renewed = await expiringAt(100);
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const credentials = new Subject<ServerCredentials>();
      const reload = cold(`a ${8 * DAY - 1}ms b`, { a: old, b: renewed });
      ts.schedule(() => reload.subscribe(credentials), 0);
      expectObservable(certificateCountdown(credentials, { scheduler: ts, thresholdsDays: [30, 14] }), `^ ${80 * DAY}ms !`).toBe(
        at([0, 'a'], [6 * DAY, 'b'], [70 * DAY, 'c']),
        {
          a: event('default', 'CN=localhost', 20, 30, 20),
          b: event('default', 'CN=localhost', 20, 14),
          c: event('default', 'CN=localhost', 100, 30),
        },
      );
    });
  });

  it('refuses bad thresholds, naming the option', () => {
    expect(() => certificateCountdown({ cert: '', key: '' }, { thresholdsDays: [-1] })).toThrow(InvalidOptionError);
    expect(() => certificateCountdown({ cert: '', key: '' }, { thresholdsDays: 'soon' as never })).toThrow(/thresholdsDays/);
  });
});
