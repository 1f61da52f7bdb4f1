import { firstValueFrom, of, Subject, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { verify, strict, type CertError, type RawTlsEvent, type TlsEvent, type VerificationPolicy } from '../../lib';
import { fakeHandshake, fakePeer, fakeSession, recordingWriter } from '../../lib/testing';

const expired: CertError = { code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired', certificate: 'CN=localhost' };
const wrongHost: CertError = { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "Hostname/IP does not match certificate's altnames" };

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('verify(policy)', () => {
  it('turns an accepted handshake into connected, with the write side, and passes data and closed through', () => {
    const writer = recordingWriter();
    const h = fakeHandshake({ writer });
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold<RawTlsEvent>('-h-d-c|', {
        h,
        d: { type: 'data', bytes: Buffer.from('hi') },
        c: { type: 'closed', by: 'peer', clean: true },
      });
      expectObservable(source.pipe(verify(strict()))).toBe('-h-d-c|', {
        h: { type: 'connected', verifiedBy: 'policy', peer: h.peer, session: h.session, writer, reader: h.reader },
        d: { type: 'data', bytes: Buffer.from('hi') },
        c: { type: 'closed', by: 'peer', clean: true },
      });
    });
  });

  it('turns a rejected handshake into certFailed (every problem), closed, completion — and unsubscribes the socket', () => {
    const h = fakeHandshake({ problems: [expired, wrongHost] });
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<RawTlsEvent>('-h-d-c|', {
        h,
        d: { type: 'data', bytes: Buffer.from('SECRET') },
        c: { type: 'closed', by: 'peer', clean: true },
      });
      expectObservable(source.pipe(verify(strict()))).toBe('-(fc|)', {
        f: {
          type: 'certFailed',
          errors: [expired, wrongHost],
          reason: `certificate has expired; Hostname/IP does not match certificate's altnames`,
          peer: h.peer,
          peerSaw: 'handshake-failure', // a TLS 1.3 server, rejected in the tick its handshake finished
        },
        c: { type: 'closed', by: 'local', clean: false },
      });
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('never calls accept() for a rejected peer, so nothing can be read or written', () => {
    const accept = jest.fn(() => recordingWriter());
    const events: TlsEvent[] = [];
    of<RawTlsEvent>({ ...fakeHandshake({ problems: [expired] }), accept })
      .pipe(verify(strict()))
      .subscribe((e) => events.push(e));
    expect(accept).not.toHaveBeenCalled();
    expect(events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
  });

  it('lets a policy ignore problems strict() would report', () => {
    const lenient: VerificationPolicy = { name: 'lenient', check: () => [] };
    const events: TlsEvent[] = [];
    of<RawTlsEvent>(fakeHandshake({ problems: [expired] }))
      .pipe(verify(lenient))
      .subscribe((e) => events.push(e));
    expect(events.map((e) => e.type)).toEqual(['connected']);
  });

  it('holds later events, in order, while an asynchronous policy decides', async () => {
    let decide!: (errors: CertError[]) => void;
    const slow: VerificationPolicy = { name: 'slow', check: () => new Promise((resolve) => (decide = resolve)) };
    const source = new Subject<RawTlsEvent>();
    const events: string[] = [];
    let completed = false;
    source.pipe(verify(slow)).subscribe({ next: (e) => events.push(e.type), complete: () => (completed = true) });
    source.next(fakeHandshake());
    source.next({ type: 'closed', by: 'peer', clean: true });
    source.complete();
    expect(events).toEqual([]);
    decide([]);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['connected', 'closed']);
    expect(completed).toBe(true);
  });

  it('reports a policy that throws or rejects as POLICY_ERROR, failing closed', async () => {
    const throwing: VerificationPolicy = {
      name: 'broken',
      check: () => {
        throw new Error('boom');
      },
    };
    const rejecting: VerificationPolicy = { name: 'broken-async', check: () => Promise.reject(new Error('bang')) };
    const seen: TlsEvent[] = [];
    of<RawTlsEvent>(fakeHandshake())
      .pipe(verify(throwing))
      .subscribe((e) => seen.push(e));
    of<RawTlsEvent>(fakeHandshake())
      .pipe(verify(rejecting))
      .subscribe((e) => seen.push(e));
    await new Promise((r) => setImmediate(r));
    const failures = seen.filter((e): e is Extract<TlsEvent, { type: 'certFailed' }> => e.type === 'certFailed');
    expect(failures.map((f) => f.errors[0]?.code)).toEqual(['POLICY_ERROR', 'POLICY_ERROR']);
    expect(failures.map((f) => f.reason)).toEqual([
      'verification policy "broken" failed: boom',
      'verification policy "broken-async" failed: bang',
    ]);
  });

  it.each([
    // role, protocol, resumed, policy decides at once, what the rejected peer saw
    ['client', 'TLSv1.3', false, true, 'handshake-failure'], // our Finished is last, and never left
    ['client', 'TLSv1.3', true, true, 'handshake-failure'],
    ['client', 'TLSv1.2', false, true, 'close-after-handshake'], // the server's Finished is last
    ['client', 'TLSv1.2', true, true, 'handshake-failure'], // resumed: ours is last
    ['server', 'TLSv1.3', false, true, 'close-after-handshake'], // the client's Finished is last
    ['server', 'TLSv1.2', false, true, 'handshake-failure'], // ours is last
    ['server', 'TLSv1.2', true, true, 'close-after-handshake'],
    ['client', 'TLSv1.3', false, false, 'close-after-handshake'], // a later verdict: ours may have left
    ['server', 'TLSv1.2', false, false, 'close-after-handshake'],
  ] as const)(
    'tells what a rejected peer saw: as %s over %s (resumed %s, at once %s), %s',
    async (role, protocol, resumed, atOnce, peerSaw) => {
      const handshake = { ...fakeHandshake({ session: fakeSession({ protocol, resumed }) }), role };
      const rejectAll: VerificationPolicy = { name: 'reject', check: () => (atOnce ? [expired] : Promise.resolve([expired])) };
      const [failed] = await firstValueFrom(of<RawTlsEvent>(handshake).pipe(verify(rejectAll), toArray()));
      expect(failed?.type === 'certFailed' && failed.peerSaw).toBe(peerSaw);
    },
  );

  it('passes transport errors through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<RawTlsEvent>('--#', undefined, new Error('refused')).pipe(verify(strict()))).toBe(
        '--#',
        undefined,
        new Error('refused'),
      );
    });
  });
});

describe('strict()', () => {
  it('reports exactly the problems the standard checks found', () => {
    expect(strict().check({ peer: fakePeer(), problems: [] })).toEqual([]);
    expect(strict().check({ peer: fakePeer(), problems: [expired, wrongHost] })).toEqual([expired, wrongHost]);
  });
});
