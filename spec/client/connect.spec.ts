import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { filter, firstValueFrom, retry, timer, type Subscription } from 'rxjs';
import { match } from 'ts-pattern';
import { connect, InvalidOptionError, TransportError, WriteBufferFullError, type TlsEvent } from '../../lib';
import { createTestPki, startSilentServer, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { activeTimers, collect, eventually, openSocketHandles } from '../support/collect';

let pki: TestPki;
let dir: string;

beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-connect-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const servers: TestServer[] = [];
async function server(behaviour: Parameters<typeof startTlsServer>[0]): Promise<TestServer> {
  const s = await startTlsServer(behaviour);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const types = (events: TlsEvent[]) => events.map((e) => e.type);
const text = (events: TlsEvent[]) => events.map((e) => (e.type === 'data' ? e.bytes.toString('utf8') : '')).join('');

describe('connect: a trusted server', () => {
  it('delivers connected, the greeting as data, then closed by the peer, then completes', async () => {
    const s = await server({ ...(await pki.leaf()), greeting: '* OK ready\r\n', onConnection: (sock) => sock.end() });
    const { events, error, completed } = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }));
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(types(events)[0]).toBe('connected');
    expect(text(events)).toBe('* OK ready\r\n');
    expect(events[events.length - 1]).toEqual({ type: 'closed', by: 'peer', clean: true });
  });

  it('describes the peer and the session in connected', async () => {
    const leaf = await pki.leaf();
    const s = await server({ ...leaf, ALPNProtocols: ['imap'], onConnection: (sock) => sock.end() });
    const { events } = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, alpn: ['imap'] }));
    const connected = events[0];
    if (connected?.type !== 'connected') throw new Error(`expected connected, got ${connected?.type}`);
    expect(connected.peer.subject).toBe('CN=localhost');
    expect(connected.peer.issuer).toBe('CN=rxtls test root CA');
    expect(connected.peer.subjectAltNames).toEqual(['DNS:localhost', 'IP Address:127.0.0.1']);
    expect(connected.peer.fingerprint256).toBe(leaf.fingerprint256);
    expect(connected.peer.spkiPin).toBe(leaf.spkiPin);
    expect(connected.peer.validTo.getTime()).toBeGreaterThan(Date.now());
    expect(connected.peer.validFrom.getTime()).toBeLessThan(Date.now());
    expect(connected.peer.chain.map((c) => c.subject)).toEqual(['CN=localhost', 'CN=rxtls test root CA']);
    expect(connected.session.protocol).toBe('TLSv1.3');
    expect(connected.session.cipher).toMatch(/^TLS_/);
    expect(connected.session.alpn).toBe('imap');
    expect(connected.session.resumed).toBe(false);
  });

  it('verifies an IP address against the IP SAN', async () => {
    const s = await server({ ...(await pki.leaf()), onConnection: (sock) => sock.end() });
    const { events } = await collect(connect({ host: '127.0.0.1', port: s.port, ca: pki.ca.cert }));
    expect(types(events)).toEqual(['connected', 'closed']);
  });

  it('writes, then reads the echo', async () => {
    const s = await server({ ...(await pki.leaf()), echo: true });
    const echoed = await new Promise<string>((resolve, reject) => {
      let got = '';
      const subscription: Subscription = connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }).subscribe({
        next: (e) =>
          match(e)
            .with({ type: 'connected' }, ({ writer }) => void writer.write('ping\r\n'))
            .with({ type: 'data' }, ({ bytes }) => {
              got += bytes.toString();
              if (got.endsWith('\r\n')) {
                subscription.unsubscribe();
                resolve(got);
              }
            })
            .otherwise(() => undefined),
        error: reject,
      });
    });
    expect(echoed).toBe('ping\r\n');
  });

  it('resumes a session from a ticket', async () => {
    const s = await server({ ...(await pki.leaf()), greeting: 'hi\n', onConnection: (sock) => setTimeout(() => sock.end(), 50) });
    // TLS 1.3 sends the ticket after the handshake; by the time the server closed, it has arrived.
    const { events } = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }));
    const first = events[0];
    if (first?.type !== 'connected') throw new Error(`expected connected, got ${first?.type}`);
    expect(first.session.resumed).toBe(false);
    const ticket = first.session.ticket();
    expect(ticket).toBeInstanceOf(Buffer);
    const again = await firstValueFrom(
      connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, session: ticket }).pipe(filter((e) => e.type === 'connected')),
    );
    expect(again.type === 'connected' && again.session.resumed).toBe(true);
  });
});

describe('connect: client certificates and TLS versions', () => {
  it('presents a client certificate to a server that requires one', async () => {
    const client = await pki.client();
    let clientSubject: string | undefined;
    const s = await server({
      ...(await pki.leaf()),
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
      onConnection: (sock) => {
        clientSubject = sock.getPeerX509Certificate()?.subject;
        sock.end('welcome\n');
      },
    });
    const { events } = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, cert: client.cert, key: client.key }));
    expect(text(events)).toBe('welcome\n');
    expect(clientSubject).toBe('CN=rxtls test client');
  });

  it('decrypts an encrypted key with its passphrase, and names the passphrase when it is wrong', async () => {
    const client = await pki.client();
    const encrypted = createPrivateKey(client.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'open sesame',
    }) as string;
    const s = await server({
      ...(await pki.leaf()),
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
      onConnection: (sock) => sock.end('ok\n'),
    });
    const good = await collect(
      connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, cert: client.cert, key: encrypted, passphrase: 'open sesame' }),
    );
    expect(text(good.events)).toBe('ok\n');
    const bad = await collect(
      connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, cert: client.cert, key: encrypted, passphrase: 'wrong' }),
    );
    expect(bad.error).toBeInstanceOf(InvalidOptionError);
    expect(bad.error?.message).toMatch(/^option "passphrase" cannot be used/);
  });

  it('names the passphrase even when a wrong one happens to decrypt to well-padded garbage', async () => {
    // About one encryption in 256 decrypts under a wrong passphrase to bytes that end in valid
    // padding, and OpenSSL reports a decoding error instead of "bad decrypt". Find such a key
    // (bounded: the chance of 3000 misses is below 1e-5), then connect with it.
    const client = await pki.client();
    let garbled: string | undefined;
    for (let i = 0; i < 3000 && garbled === undefined; i++) {
      const key = createPrivateKey(client.key).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-128-cbc',
        passphrase: 'right',
      }) as string;
      try {
        createSecureContext({ cert: client.cert, key, passphrase: 'wrong' });
      } catch (error) {
        if (!/bad decrypt/.test((error as Error).message)) garbled = key;
      }
    }
    if (garbled === undefined) throw new Error('no encryption in 3000 decrypted to well-padded garbage');
    const { error } = await collect(
      connect({ host: 'localhost', port: 1, ca: pki.ca.cert, cert: client.cert, key: garbled, passphrase: 'wrong' }),
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toMatch(/^option "passphrase" cannot be used/);
    expect(error?.message).not.toContain('wrong');
  });

  it('names the key, not the passphrase, when an encrypted key decrypts but belongs to another certificate', async () => {
    const [client, other] = [await pki.client(), await pki.leaf()];
    const key = createPrivateKey(other.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'right' }) as string;
    const { error } = await collect(connect({ host: 'localhost', port: 1, ca: pki.ca.cert, cert: client.cert, key, passphrase: 'right' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toMatch(/^option "key" cannot be used: .*key values mismatch/);
  });

  it('refuses a server that offers only TLS 1.0/1.1 (default minVersion TLS 1.2)', async () => {
    const s = await server({ ...(await pki.leaf()), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    const { error, events } = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(error?.message).toContain('no TLS version in common with the server: we accept TLSv1.2 and up');
  });

  it('honours minVersion and maxVersion', async () => {
    const s = await server({ ...(await pki.leaf()), maxVersion: 'TLSv1.2', onConnection: (sock) => sock.end() });
    const { events } = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }));
    expect(events[0]?.type === 'connected' && events[0].session.protocol).toBe('TLSv1.2');
    const strictOnly13 = await collect(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, minVersion: 'TLSv1.3' }));
    expect(strictOnly13.error?.code).toMatch(/^ERR_SSL_/);
  });
});

describe('connect: CA sources', () => {
  it('takes the CA as PEM text, Buffer, file, directory and array', async () => {
    const s = await server({ ...(await pki.leaf()), onConnection: (sock) => sock.end() });
    const file = join(dir, 'ca.pem');
    await writeFile(file, pki.ca.cert);
    const caDir = join(dir, 'certs');
    await mkdir(caDir);
    await writeFile(join(caDir, 'other.pem'), (await pki.otherAuthority()).cert);
    await writeFile(join(caDir, 'README'), 'not a certificate');
    await writeFile(join(caDir, 'root.crt'), pki.ca.cert);
    for (const ca of [pki.ca.cert, Buffer.from(pki.ca.cert), file, caDir, [file, (await pki.otherAuthority()).cert]]) {
      const { events } = await collect(connect({ host: 'localhost', port: s.port, ca }));
      expect(types(events)).toEqual(['connected', 'closed']);
    }
  });

  it('trusts nothing but the given CA', async () => {
    const s = await server({ ...(await pki.leaf()), onConnection: (sock) => sock.end() });
    const other = await pki.otherAuthority();
    const { events } = await collect(connect({ host: 'localhost', port: s.port, ca: other.cert }));
    expect(types(events)).toEqual(['certFailed', 'closed']);
  });

  it('uses the default root store when no CA is given, which does not trust a test CA', async () => {
    const s = await server({ ...(await pki.leaf()), onConnection: (sock) => sock.end() });
    const { events } = await collect(connect({ host: 'localhost', port: s.port }));
    const failed = events[0];
    expect(failed?.type).toBe('certFailed');
    expect(failed?.type === 'certFailed' && failed.errors.map((e) => e.code)).toEqual([
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ]);
  });
});

describe('connect: fails closed', () => {
  /** Connects with the test CA and asserts: certFailed then closed, no data, and the server read no byte. */
  async function rejected(credentials: { cert: string; key: string }, host = 'localhost', ca: string = pki.ca.cert) {
    let bytesReceivedByServer = 0;
    const sockets: TLSSocket[] = [];
    const s = await server({
      ...credentials,
      greeting: 'SECRET GREETING\r\n',
      onConnection: (sock) => {
        sockets.push(sock);
        sock.on('data', (b: Buffer) => (bytesReceivedByServer += b.length));
      },
    });
    const { events, error, completed } = await collect(connect({ host, port: s.port, ca }));
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(types(events)).toEqual(['certFailed', 'closed']);
    expect(events.some((e) => e.type === 'data' || e.type === 'connected')).toBe(false);
    expect(events[1]).toEqual({ type: 'closed', by: 'local', clean: false });
    await eventually(() => s.openConnections() === 0, 5000, 'the server to see the close');
    expect(bytesReceivedByServer).toBe(0);
    const failed = events[0];
    if (failed?.type !== 'certFailed') throw new Error('unreachable');
    return failed;
  }

  it('rejects a self-signed certificate', async () => {
    const failed = await rejected(await pki.selfSigned());
    expect(failed.errors.map((e) => e.code)).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT']);
    expect(failed.reason).toBe('self-signed certificate');
  });

  it('rejects an expired certificate', async () => {
    const failed = await rejected(await pki.expired());
    expect(failed.errors.map((e) => e.code)).toEqual(['CERT_HAS_EXPIRED']);
    expect(failed.errors[0]).toEqual({ code: 'CERT_HAS_EXPIRED', reason: 'certificate has expired', certificate: 'CN=localhost' });
  });

  it('rejects a certificate that is not yet valid', async () => {
    const failed = await rejected(await pki.notYetValid());
    expect(failed.errors.map((e) => e.code)).toEqual(['CERT_NOT_YET_VALID']);
  });

  it('rejects a certificate for another host', async () => {
    const failed = await rejected(await pki.leaf({ names: ['elsewhere.test'] }));
    expect(failed.errors.map((e) => e.code)).toEqual(['ERR_TLS_CERT_ALTNAME_INVALID']);
    expect(failed.reason).toMatch(/localhost/);
  });

  it('rejects a certificate from an unknown CA', async () => {
    const failed = await rejected(await (await pki.otherAuthority()).issue());
    // As openssl s_client lists them: no issuer found for the leaf, so its signature unverified.
    expect(failed.errors.map((e) => e.code)).toEqual(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    expect(failed.reason).toBe('unable to get local issuer certificate; unable to verify the first certificate');
  });

  it("reports a self-signed root in the chain in OpenSSL's words", async () => {
    const other = await pki.otherAuthority();
    const leaf = await other.issue();
    const failed = await rejected({ cert: leaf.cert + other.cert, key: leaf.key });
    expect(failed.reason).toBe('self-signed certificate in certificate chain');
  });

  it('lists every problem of a certificate that is both expired and for another host', async () => {
    const failed = await rejected(await pki.expired({ names: ['elsewhere.test'] }));
    expect(failed.errors.map((e) => e.code)).toEqual(['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);
    expect(failed.reason).toMatch(/^certificate has expired; Hostname\/IP does not match/);
  });

  it('lists both problems of a self-signed certificate that has expired', async () => {
    const failed = await rejected(await pki.selfSigned({ notBefore: new Date(Date.now() - 9e9), notAfter: new Date(Date.now() - 1e9) }));
    expect(failed.errors.map((e) => e.code).sort()).toEqual(['CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
  });
});

describe('connect: transport failures are error notifications', () => {
  it('ECONNREFUSED on a closed port, naming host:port', async () => {
    const s = await startSilentServer();
    const port = s.port;
    await s.close();
    const { events, error } = await collect(connect({ host: '127.0.0.1', port, ca: pki.ca.cert }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ECONNREFUSED');
    expect(error?.message).toContain(`127.0.0.1:${port}`);
    expect(error?.message).toContain('connection refused');
  });

  it('ERR_RXTLS_HANDSHAKE_TIMEOUT against a server that accepts and never speaks', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const { error } = await collect(connect({ host: '127.0.0.1', port: silent.port, handshakeTimeout: 300 }));
    expect(error?.code).toBe('ERR_RXTLS_HANDSHAKE_TIMEOUT');
    expect(error?.message).toContain('handshakeTimeout');
    await eventually(() => silent.openConnections() === 0, 5000, 'the silent server to see the close');
  });

  it('ECONNRESET when the server drops the connection during the handshake', async () => {
    const { createServer } = await import('node:net');
    const dropper = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', r));
    const port = (dropper.address() as { port: number }).port;
    const { error } = await collect(connect({ host: '127.0.0.1', port }));
    dropper.close();
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ECONNRESET');
  });

  it('ENOTFOUND for a name that does not resolve', async () => {
    const { error } = await collect(connect({ host: 'no-such-host.invalid', port: 993 }));
    expect(error).toBeInstanceOf(TransportError);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(error?.code);
    expect(error?.message).toContain('no-such-host.invalid:993');
  });

  it('retry() reconnects once the server is back', async () => {
    const leaf = await pki.leaf();
    const probe = await startSilentServer();
    const port = probe.port;
    await probe.close();
    let attempts = 0;
    const result = firstValueFrom(
      connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
        retry({
          count: 50,
          delay: () => {
            attempts += 1;
            return timer(50);
          },
        }),
        filter((e) => e.type === 'data'),
      ),
    );
    await eventually(() => attempts >= 2, 5000, 'two failed attempts');
    await server({ ...leaf, port, greeting: 'back\n' });
    const data = await result;
    expect(data.type === 'data' && data.bytes.toString()).toBe('back\n');
  });
});

describe('connect: cold and clean', () => {
  it('opens one socket per subscription', async () => {
    const s = await server({ ...(await pki.leaf()), greeting: 'x' });
    const source = connect({ host: 'localhost', port: s.port, ca: pki.ca.cert });
    const a = source.subscribe();
    const b = source.subscribe();
    await eventually(() => s.openConnections() === 2, 5000, 'two connections');
    a.unsubscribe();
    b.unsubscribe();
    await eventually(() => s.openConnections() === 0, 5000, 'both closed');
    expect(s.acceptedConnections()).toBe(2);
  });

  it('unsubscribing mid-stream destroys the socket at once and leaves no handle', async () => {
    const before = openSocketHandles();
    const s = await server({ ...(await pki.leaf()), onConnection: (sock) => sock.write('tick\n') });
    const sub = connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }).subscribe();
    await eventually(() => s.openConnections() === 1, 5000, 'the connection');
    await new Promise((r) => setTimeout(r, 50));
    sub.unsubscribe();
    await eventually(() => s.openConnections() === 0, 5000, 'the server to see the close');
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    await eventually(() => openSocketHandles() <= before, 5000, 'no socket handle left');
  });

  it('100 subscribe/unsubscribe cycles leave no socket, timer or listener behind', async () => {
    const s = await server({ ...(await pki.leaf()), greeting: 'hello\n' });
    const handlesBefore = openSocketHandles();
    const timersBefore = activeTimers();
    const listenersBefore = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    for (let i = 0; i < 100; i++) {
      const subs: Subscription[] = [];
      // alternate: unsubscribe before the handshake, and after the first data
      if (i % 2 === 0) {
        subs.push(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }).subscribe());
        await new Promise((r) => setImmediate(r));
      } else {
        await firstValueFrom(connect({ host: 'localhost', port: s.port, ca: pki.ca.cert }).pipe(filter((e) => e.type === 'data')));
      }
      subs.forEach((x) => x.unsubscribe());
    }
    await eventually(() => s.openConnections() === 0, 10000, 'every connection closed on the server');
    await eventually(() => openSocketHandles() <= handlesBefore, 5000, 'no socket handle left');
    await eventually(() => activeTimers() <= timersBefore, 5000, 'no timer left');
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(listenersBefore);
  });
});

describe('connect: writing', () => {
  it('bounds pending writes and reports backpressure', async () => {
    // The server never reads, so the kernel buffers fill and the writer must push back.
    const s = await server({ ...(await pki.leaf()), onConnection: (sock) => sock.pause() });
    let subscription: Subscription | undefined;
    const connected = await new Promise<TlsEvent>((resolve) => {
      subscription = connect({ host: 'localhost', port: s.port, ca: pki.ca.cert, maxPendingWriteBytes: 64 * 1024 }).subscribe((e) => {
        if (e.type === 'connected') resolve(e);
      });
    });
    if (connected.type !== 'connected') throw new Error('unreachable');
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let sawBackpressure = false;
    let thrown: unknown;
    try {
      for (let i = 0; i < 10_000; i++) {
        if (!connected.writer.write(chunk)) sawBackpressure = true;
      }
    } catch (error) {
      thrown = error;
    }
    expect(sawBackpressure).toBe(true);
    expect(thrown).toBeInstanceOf(WriteBufferFullError);
    expect((thrown as Error).message).toContain('maxPendingWriteBytes is 65536');
    expect(connected.writer.pendingBytes).toBeLessThanOrEqual(64 * 1024 + chunk.length);
    // drain() resolves once the connection is gone, rather than hanging or rejecting
    const drained = connected.writer.drain();
    subscription?.unsubscribe();
    await drained;
    expect(connected.writer.write('after close')).toBe(false);
  });
});

describe('connect: bad options are error notifications naming the option', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing host', { port: 993 }, /option "host" is required/],
    ['port out of range', { host: 'localhost', port: 70000 }, /option "port" must be an integer from 1 to 65535 \(got 70000\)/],
    ['port not an integer', { host: 'localhost', port: 99.5 }, /option "port".*99\.5/],
    ['port as a string', { host: 'localhost', port: '993' }, /option "port".*"993"/],
    [
      'unreadable CA path',
      { host: 'localhost', port: 993, ca: '/nonexistent/ca.pem' },
      /option "ca" cannot be read \(ENOENT\).*\/nonexistent\/ca\.pem/,
    ],
    [
      'malformed PEM',
      { host: 'localhost', port: 993, ca: '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----' },
      /option "ca" has a malformed certificate/,
    ],
    ['PEM text without certificate', { host: 'localhost', port: 993, ca: Buffer.from('hello') }, /option "ca" contains no PEM certificate/],
    [
      'controlled passthrough',
      { host: 'localhost', port: 993, tls: { rejectUnauthorized: false } },
      /option "tls.rejectUnauthorized" is set by rxtls; use the option "verify"/,
    ],
    ['bad timeout', { host: 'localhost', port: 993, handshakeTimeout: -1 }, /option "handshakeTimeout" must be a positive integer/],
  ];
  it.each(cases)('%s', async (_name, options, message) => {
    const { error, events } = await collect(connect(options as never));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toMatch(message);
  });

  it('a CA directory with no certificates', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const { error } = await collect(connect({ host: 'localhost', port: 993, ca: empty }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toContain(`option "ca" is a directory with no PEM certificates in it (got "${empty}")`);
  });

  it('a key that does not parse', async () => {
    const { error } = await collect(connect({ host: 'localhost', port: 993, cert: pki.ca.cert, key: 'garbage' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toMatch(/option "key" cannot be used/);
  });
});
