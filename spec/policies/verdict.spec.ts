import { rejection } from '../../lib/policies/verdict';
import { fakePeer, fakeSession } from '../../lib/testing';

describe('rejection(): the events of a rejected peer', () => {
  const errors = [{ code: 'PIN_MISMATCH', reason: 'no certificate in the chain has a pinned public key' }];

  it('assumes a verdict that came later than the handshake unless told otherwise: the peer saw the handshake finish', () => {
    // A TLS 1.3 client sends the last handshake message: only a verdict in that same tick fails the handshake.
    const handshake = { peer: fakePeer(), session: fakeSession({ protocol: 'TLSv1.3', resumed: false }), role: 'client' as const };
    const [failed, closed] = rejection(errors, handshake);
    expect(failed).toMatchObject({ type: 'certFailed', reason: errors[0]?.reason, peerSaw: 'close-after-handshake' });
    expect(closed).toEqual({ type: 'closed', by: 'local', clean: false });
    expect(rejection(errors, handshake, true)[0].peerSaw).toBe('handshake-failure');
  });
});
