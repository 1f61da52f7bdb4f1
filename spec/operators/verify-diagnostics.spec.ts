import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { firstValueFrom, of, toArray } from 'rxjs';
import { custom, DIAGNOSTICS_CHANNELS, strict, verify, type VerdictMessage } from '../../lib';
import { fakeHandshake, fakePeer } from '../../lib/testing';

/** verify()'s verdicts on the `rxtls:verdict` channel, on fabricated handshakes. */
const verdicts: VerdictMessage[] = [];
const listener = (message: unknown) => verdicts.push(message as VerdictMessage);
beforeEach(() => {
  verdicts.length = 0;
  subscribe(DIAGNOSTICS_CHANNELS.verdict, listener);
});
afterEach(() => unsubscribe(DIAGNOSTICS_CHANNELS.verdict, listener));

const run = (...args: Parameters<typeof fakeHandshake>) => firstValueFrom(of(fakeHandshake(...args)).pipe(verify(strict()), toArray()));

describe('verify() on rxtls:verdict', () => {
  it('an accepted peer: the policy, no codes, the subject; the client role when the handshake names none', async () => {
    await run({ peer: fakePeer({ subject: 'CN=imap.example.com' }) });
    expect(verdicts).toEqual([{ role: 'client', policy: 'strict', accepted: true, codes: [], subject: 'CN=imap.example.com' }]);
  });

  it('a rejected peer: every code, in order', async () => {
    await run({
      problems: [
        { code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' },
        { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: 'wrong name' },
      ],
    });
    expect(verdicts).toEqual([expect.objectContaining({ accepted: false, codes: ['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'] })]);
  });

  it('a server-side handshake is the server’s verdict; an asynchronous policy publishes once it decided', async () => {
    const later = custom(() => Promise.resolve(true), 'later');
    const handshake = { ...fakeHandshake(), role: 'server' as const };
    const events = firstValueFrom(of(handshake).pipe(verify(later), toArray()));
    expect(verdicts).toEqual([]);
    await events;
    expect(verdicts).toEqual([expect.objectContaining({ role: 'server', policy: 'later', accepted: true })]);
  });
});
