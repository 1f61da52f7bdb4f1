import { config, Subject } from 'rxjs';
import { verify, type CertError, type RawTlsEvent, type VerificationPolicy } from '../../lib';
import { fakeHandshake, recordingWriter } from '../../lib/testing';

const expired: CertError = { code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired' };
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

/** A policy that answers only when the spec calls `decide`. */
function deferredPolicy() {
  let decide!: (errors: CertError[]) => void;
  const policy: VerificationPolicy = { name: 'deferred', check: () => new Promise((resolve) => (decide = resolve)) };
  return { policy, decide: (errors: CertError[]) => decide(errors) };
}

describe('verify(policy) with a policy that answers later', () => {
  it('accepts nothing when unsubscribed before the policy answered', async () => {
    const { policy, decide } = deferredPolicy();
    const accept = jest.fn(() => recordingWriter());
    const source = new Subject<RawTlsEvent>();
    const seen: string[] = [];
    const subscription = source.pipe(verify(policy)).subscribe((e) => seen.push(e.type));
    source.next({ ...fakeHandshake(), accept });
    subscription.unsubscribe();
    decide([]);
    await tick();
    expect(accept).not.toHaveBeenCalled();
    expect(seen).toEqual([]);
  });

  it('delivers nothing that waited once the policy rejected the peer', async () => {
    const stopped = jest.fn();
    const previous = config.onStoppedNotification;
    config.onStoppedNotification = stopped;
    try {
      const { policy, decide } = deferredPolicy();
      const source = new Subject<RawTlsEvent>();
      const seen: string[] = [];
      source.pipe(verify(policy)).subscribe({ next: (e) => seen.push(e.type), complete: () => seen.push('complete') });
      source.next(fakeHandshake());
      source.next({ type: 'data', bytes: Buffer.from('SECRET') });
      source.next({ type: 'closed', by: 'peer', clean: true });
      source.complete();
      decide([expired]);
      await tick();
      expect(seen).toEqual(['certFailed', 'closed', 'complete']);
      expect(stopped).not.toHaveBeenCalled();
    } finally {
      config.onStoppedNotification = previous;
    }
  });
});

describe('verify(policy) with a policy that fails', () => {
  it('reports what was thrown or rejected with even when it is not an Error', async () => {
    const reasons: string[] = [];
    const throwing: VerificationPolicy = {
      name: 'throws-null',
      check: () => {
        throw null; // eslint-disable-line @typescript-eslint/only-throw-error -- what a careless policy may do
      },
    };
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- likewise
    const rejecting: VerificationPolicy = { name: 'rejects-undefined', check: () => Promise.reject(undefined) };
    for (const policy of [throwing, rejecting]) {
      const source = new Subject<RawTlsEvent>();
      source.pipe(verify(policy)).subscribe((e) => e.type === 'certFailed' && reasons.push(`${e.errors[0]?.code}: ${e.reason}`));
      source.next(fakeHandshake());
    }
    await tick();
    expect(reasons).toEqual([
      'POLICY_ERROR: verification policy "throws-null" failed: null',
      'POLICY_ERROR: verification policy "rejects-undefined" failed: undefined',
    ]);
  });
});
