import { createServer as createTcpServer, connect as tcpConnect, type Server } from 'node:net';
import { TLSSocket, connect as tlsConnect } from 'node:tls';
import { filter, mergeMap, type Subscription } from 'rxjs';
import { connectStartTls, converse, line, lines, startTls, type Outbound } from '../../lib';
import { createTestPki, type TestCredentials, type TestPki } from '../../lib/testing';
import { runSmtpClient, smtpClient } from '../../examples/smtp-starttls';
import { collect, eventually } from '../support/collect';
import { startSmtpServer } from '../support/smtp-server';

let pki: TestPki;
let leaf: TestCredentials;
const subscriptions: Subscription[] = [];
const servers: Server[] = [];
beforeAll(async () => {
  pki = await createTestPki();
  leaf = await pki.leaf();
});
afterEach(async () => {
  subscriptions.splice(0).forEach((s) => s.unsubscribe());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Our STARTTLS SMTP-like server; resolves with its port. `heard` collects every line its dialogue sees. */
function smtp(heard: string[] = []): Promise<number> {
  return startSmtpServer(leaf, subscriptions, heard);
}

describe('STARTTLS: our client and our server', () => {
  it('greeting, EHLO, STARTTLS, verified upgrade, EHLO again, QUIT — then a clean close', async () => {
    const port = await smtp();
    const transcript: string[] = [];
    const status = await runSmtpClient({ host: 'localhost', port, ca: pki.ca.cert }, (l) => transcript.push(l));
    expect(status).toBe(0);
    expect(transcript).toEqual([
      'S: 220 smtp.rxtls.test ESMTP rxtls',
      'C: EHLO client.rxtls.test',
      'S: 250-smtp.rxtls.test',
      'S: 250 STARTTLS',
      'C: STARTTLS',
      'S: 220 2.0.0 Ready to start TLS',
      expect.stringMatching(/^-- TLS: TLSv1\.3, TLS_\w+, verified CN=localhost$/) as unknown as string,
      'C: EHLO client.rxtls.test',
      'S: 250 smtp.rxtls.test at your service, securely',
      'C: QUIT',
      'S: 221 2.0.0 Bye',
    ]);
  });

  it('applies the same verification policy after the upgrade: an untrusted server fails closed', async () => {
    const port = await smtp();
    const other = await pki.otherAuthority();
    const { events } = await collect(connectStartTls({ host: 'localhost', port, ca: other.cert }).pipe(lines(), converse(smtpClient('c'))));
    expect(events.map((e) => e.type).filter((t) => t !== 'line')).toEqual(['plaintext', 'certFailed', 'closed']);
    expect(events.filter((e) => e.type === 'line').map((e) => e.type === 'line' && e.text)).toEqual([
      '220 smtp.rxtls.test ESMTP rxtls',
      '250-smtp.rxtls.test',
      '250 STARTTLS',
      '220 2.0.0 Ready to start TLS',
    ]);
  });

  it('client side: a response pipelined after the go-ahead in plaintext is never delivered (CVE-2011-0411)', async () => {
    // A man in the middle appends "250 injected" to the server's go-ahead, in the same packet.
    const malicious = createTcpServer((raw) => {
      raw.write('220 ready\r\n');
      raw.once('data', () => {
        raw.write('220 go ahead\r\n250 INJECTED-PLAINTEXT\r\n');
        const secure = new TLSSocket(raw, { isServer: true, cert: leaf.cert, key: leaf.key });
        secure.on('error', () => undefined);
        secure.once('secure', () => secure.write('250 protected\r\n'));
      });
    });
    servers.push(malicious);
    await new Promise<void>((r) => malicious.listen(0, '127.0.0.1', r));
    const port = (malicious.address() as { port: number }).port;
    const seen: string[] = [];
    let connected = false;
    subscriptions.push(
      connectStartTls({ host: 'localhost', port, ca: pki.ca.cert })
        .pipe(
          lines(),
          converse((events$) =>
            events$.pipe(
              filter((e) => e.type === 'line'),
              mergeMap((e): Outbound[] => (e.text === '220 ready' ? [line('STARTTLS')] : e.text === '220 go ahead' ? [startTls()] : [])),
            ),
          ),
        )
        .subscribe((e) => {
          if (e.type === 'line') seen.push(`${connected ? 'tls' : 'plain'}: ${e.text}`);
          if (e.type === 'connected') connected = true;
        }),
    );
    await eventually(() => seen.includes('tls: 250 protected'), 5000, 'the protected line');
    expect(seen).toEqual(['plain: 220 ready', 'plain: 220 go ahead', 'tls: 250 protected']);
  });

  it('server side: commands pipelined after STARTTLS in plaintext are never interpreted', async () => {
    const heard: string[] = [];
    const port = await smtp(heard);
    await new Promise<void>((resolve, reject) => {
      const raw = tcpConnect(port, '127.0.0.1');
      raw.once('data', () => {
        // An attacker appends a command to the client's STARTTLS, in the same packet.
        raw.write('STARTTLS\r\nMAIL FROM:<attacker@evil.test>\r\n');
        raw.once('data', (reply: Buffer) => {
          expect(reply.toString()).toBe('220 2.0.0 Ready to start TLS\r\n');
          const secure = tlsConnect({ socket: raw, servername: 'localhost', ca: pki.ca.cert });
          secure.on('error', reject);
          secure.once('secureConnect', () => {
            secure.write('EHLO after\r\n');
            secure.once('data', () => {
              secure.end();
              resolve();
            });
          });
        });
      });
    });
    expect(heard).toEqual(['STARTTLS', 'EHLO after']);
  });
});

describe('STARTTLS server: SNI', () => {
  it('chooses the certificate by the name the client upgrades with', async () => {
    const named = await pki.leaf({ names: ['mail.a.test'] });
    const port = await startSmtpServer({ ...leaf, sni: { 'mail.a.test': named } }, subscriptions);
    const { events } = await collect(
      connectStartTls({ host: '127.0.0.1', servername: 'mail.a.test', port, ca: pki.ca.cert }).pipe(lines(), converse(smtpClient('c'))),
    );
    const connected = events.find((e) => e.type === 'connected');
    expect(connected?.type === 'connected' && connected.peer.fingerprint256).toBe(named.fingerprint256);
  });
});

describe('the former STARTTLS names', () => {
  it('are the same functions as connectStartTls and listenStartTls', async () => {
    const lib = await import('../../lib');
    /* eslint-disable @typescript-eslint/no-deprecated -- the aliases are what is tested */
    expect(lib.connectPlain).toBe(lib.connectStartTls);
    expect(lib.listenPlain).toBe(lib.listenStartTls);
    /* eslint-enable @typescript-eslint/no-deprecated */
  });
});
