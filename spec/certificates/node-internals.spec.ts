import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { DEFAULT_CIPHERS } from '../../lib';
import { createTestPki, startTlsServer, type TestServer } from '../../lib/testing';

/**
 * The one private Node API rxtls reads, checked on whichever Node runs the suite, so that a Node
 * line on which it moved fails here, loudly, and not as a vaguer code in certFailed.
 *
 * Node names only some OpenSSL verify results in `authorizationError` and reports the rest as
 * `UNSPECIFIED`; the TLS handle's `verifyError()` still carries OpenSSL's own reason, and no
 * public API does. lib/certificates/cert-errors.ts (`opensslVerdict`) reads it for exactly that case.
 */
describe("Node's TLS handle, as lib/certificates/cert-errors.ts reads it", () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('still has verifyError(), which names what authorizationError calls UNSPECIFIED (an RSA-1024 leaf)', async () => {
    const pki = await createTestPki();
    server = await startTlsServer({ ...(await pki.leaf({ key: 'rsa-1024' })), ciphers: 'DEFAULT@SECLEVEL=0' });
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({
        host: '127.0.0.1',
        port: server.port,
        servername: 'localhost',
        ca: pki.ca.cert,
        rejectUnauthorized: false,
        ciphers: DEFAULT_CIPHERS,
      });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    try {
      expect(socket.authorizationError).toBe('UNSPECIFIED');
      const handle = (socket as unknown as { _handle?: { verifyError?: unknown } })._handle;
      expect(typeof handle?.verifyError).toBe('function');
      const error = (handle as { verifyError(): Error | null }).verifyError();
      expect(error?.message).toBe('EE certificate key too weak');
    } finally {
      socket.destroy();
    }
  });
});

/**
 * lib/transport/watched-transport.ts reads a TLS socket's `_readableState.ended` when TCP's end
 * reaches it: set as soon as TLS ended its stream (the peer's close_notify), before `'end'` is
 * emitted to a consumer that has not read everything yet.
 */
describe("Node's readable state, as lib/transport/watched-transport.ts reads it", () => {
  let server: TestServer | undefined;
  afterEach(() => server?.close());

  it('has `ended` set by a close_notify while a paused consumer has not read the data before it', async () => {
    const pki = await createTestPki();
    server = await startTlsServer({ ...(await pki.leaf()), onConnection: (s) => s.end(Buffer.alloc(1024, 1)) });
    const socket = tlsConnect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.ca.cert });
    socket.pause();
    try {
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      const state = (socket as unknown as { _readableState?: { ended?: unknown } })._readableState;
      for (let i = 0; i < 100 && state?.ended !== true; i++) await new Promise((r) => setTimeout(r, 10));
      expect(state?.ended).toBe(true);
      expect(socket.readableEnded).toBe(false); // 'end' waits for the consumer
      expect(socket.readableLength).toBe(1024);
    } finally {
      socket.destroy();
    }
  });
});
