import { X509Certificate } from 'node:crypto';
import { connect, type TlsEvent } from '../../lib';
import { createTestPki, fakeConnected, fakeHandshake, recordingWriter, startTlsServer } from '../../lib/testing';
import { collect } from '../support/collect';

describe('createTestPki', () => {
  it('issues leaves signed by its CA, with the names, dates and pins asked for', async () => {
    const pki = await createTestPki();
    const leaf = await pki.leaf({ names: ['imap.example.test', '192.0.2.1'] });
    const cert = new X509Certificate(leaf.cert);
    expect(cert.verify(new X509Certificate(pki.ca.cert).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:imap.example.test, IP Address:192.0.2.1');
    expect(cert.subject).toBe('CN=imap.example.test');
    expect(leaf.fingerprint256).toBe(cert.fingerprint256);
    expect(leaf.spkiPin).toMatch(/^sha256\/[A-Za-z0-9+/]{43}=$/);
    expect(new Date(new X509Certificate((await pki.expired()).cert).validTo).getTime()).toBeLessThan(Date.now());
    expect(new Date(new X509Certificate((await pki.notYetValid()).cert).validFrom).getTime()).toBeGreaterThan(Date.now());
    expect(new X509Certificate((await pki.client()).cert).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('issues intermediates whose leaves carry the chain and verify end to end', async () => {
    const pki = await createTestPki();
    const intermediate = await pki.ca.issue({ ca: true, commonName: 'rxtls test intermediate' });
    const leaf = await intermediate.issue();
    expect(leaf.cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const server = await startTlsServer({ ...leaf, onConnection: (s) => s.end() });
    const { events } = await collect(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert }));
    const connected = events[0] as Extract<TlsEvent, { type: 'connected' }>;
    expect(connected.type).toBe('connected');
    expect(connected.peer.chain.map((c) => c.subject)).toEqual(['CN=localhost', 'CN=rxtls test intermediate', 'CN=rxtls test root CA']);
    await server.close();
  });
});

describe('fakes for marble tests', () => {
  it('recordingWriter records writes and end', () => {
    const writer = recordingWriter();
    expect(writer.write('a1 NOOP\r\n')).toBe(true);
    writer.write(Buffer.from('x'));
    writer.end();
    expect(writer.write('late')).toBe(false);
    expect(writer.text()).toBe('a1 NOOP\r\nx');
    expect(writer.ended).toBe(true);
  });

  it('fakeHandshake accepts into the writer it was given; fakeConnected carries one', () => {
    const writer = recordingWriter();
    expect(fakeHandshake({ writer }).accept()).toBe(writer);
    expect(fakeConnected({ writer }).writer).toBe(writer);
    expect(fakeConnected().peer.subject).toBe('CN=localhost');
  });
});
