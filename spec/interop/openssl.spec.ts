import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, filter, mergeMap, take, type Observable, type Subscription } from 'rxjs';
import {
  connect,
  converse,
  gracefulShutdown,
  line,
  lines,
  listen,
  serve,
  type ClosedEvent,
  type ServerEvent,
  type TlsEvent,
} from '../../lib';
import { createTestPki, type TestCredentials, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { startSmtpServer } from '../support/smtp-server';
import { describeWithOpenssl, runOpenssl, type OpensslProcess } from './openssl';
import { freePort } from './peers';

describeWithOpenssl('interop: OpenSSL command-line tools', () => {
  let pki: TestPki;
  let dir: string;
  let leaf: TestCredentials;
  let client: TestCredentials;
  let chained: TestCredentials;
  const files: Record<string, string> = {};
  const processes: OpensslProcess[] = [];
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    pki = await createTestPki();
    dir = await mkdtemp(join(tmpdir(), 'rxtls-openssl-'));
    leaf = await pki.leaf();
    client = await pki.client();
    const intermediate = await pki.ca.issue({ ca: true, commonName: 'rxtls test intermediate' });
    chained = await intermediate.issue();
    const write = async (name: string, text: string) => {
      files[name] = join(dir, name);
      await writeFile(files[name], text);
    };
    await write('ca.pem', pki.ca.cert);
    await write('server.pem', leaf.cert);
    await write('server.key', leaf.key);
    await write('client.pem', client.cert);
    await write('client.key', client.key);
  });
  afterEach(async () => {
    subscriptions.splice(0).forEach((s) => s.unsubscribe());
    await Promise.all(processes.splice(0).map((p) => p.stop()));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const file = (name: string) => files[name] as string;
  const openssl = (args: string[]) => {
    const p = runOpenssl(args);
    processes.push(p);
    return p;
  };

  /** `openssl s_server`, greeting each client with a line written to its stdin once one connected. */
  async function sServer(extra: string[]): Promise<{ port: number; server: OpensslProcess }> {
    const port = await freePort();
    const server = openssl([
      's_server',
      '-accept',
      String(port),
      '-naccept',
      '1',
      '-cert',
      file('server.pem'),
      '-key',
      file('server.key'),
      ...extra,
    ]);
    await server.waitFor(/ACCEPT/);
    return { port, server };
  }

  describe('our client against openssl s_server', () => {
    for (const version of ['-tls1_2', '-tls1_3']) {
      it(`verifies it and reads what it sends (${version})`, async () => {
        const { port, server } = await sServer([version]);
        const events: TlsEvent[] = [];
        subscriptions.push(
          connect({ host: 'localhost', port, ca: pki.ca.cert })
            .pipe(lines())
            .subscribe((e) => events.push(e)),
        );
        await server.waitFor(/CIPHER is|Shared ciphers/);
        server.child.stdin?.write('hello from s_server\n');
        await eventually(() => events.some((e) => e.type === 'line'));
        const connected = events[0];
        expect(connected?.type === 'connected' && connected.session.protocol).toBe(version === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
        expect(events.find((e) => e.type === 'line')).toEqual({ type: 'line', text: 'hello from s_server' });
      });
    }

    it('s_server answers our close_notify with its own: gracefulShutdown ends clean, before any timeout fires', async () => {
      const { port, server } = await sServer(['-tls1_3']);
      let leftAt = 0;
      const closed = new Promise<ClosedEvent>((resolve) => {
        subscriptions.push(
          // detectTruncation: a bare TCP close instead of close_notify would be ERR_RXTLS_TLS_TRUNCATED
          connect({ host: 'localhost', port, ca: pki.ca.cert, detectTruncation: true, closeTimeout: 300 })
            .pipe(
              gracefulShutdown({ timeout: 5000, onClosed: resolve }),
              lines(),
              filter((e) => e.type === 'line'),
              take(1),
            )
            .subscribe({ complete: () => (leftAt = Date.now()) }),
        );
      });
      await server.waitFor(/CIPHER is|Shared ciphers/);
      server.child.stdin?.write('* OK s_server\n');
      expect(await closed).toEqual({ type: 'closed', by: 'local', clean: true });
      expect(Date.now() - leftAt).toBeLessThan(5000);
      await server.waitFor(/DONE|shutting down SSL/);
    });

    it('presents a client certificate that s_server verifies (-Verify)', async () => {
      const { port, server } = await sServer(['-Verify', '1', '-CAfile', file('ca.pem'), '-verify_return_error']);
      const events: TlsEvent[] = [];
      subscriptions.push(
        connect({ host: 'localhost', port, ca: pki.ca.cert, cert: client.cert, key: client.key })
          .pipe(lines())
          .subscribe((e) => events.push(e)),
      );
      await server.waitFor(/subject=CN ?= ?rxtls test client/);
      server.child.stdin?.write('welcome, client\n');
      await eventually(() => events.some((e) => e.type === 'line'));
      expect(events.find((e) => e.type === 'line')).toEqual({ type: 'line', text: 'welcome, client' });
    });

    it('without a client certificate, s_server refuses and no data arrives', async () => {
      const { port } = await sServer(['-Verify', '1', '-CAfile', file('ca.pem'), '-verify_return_error']);
      const { events, error } = await collect(connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(lines()));
      expect(events.some((e) => e.type === 'line' || e.type === 'data')).toBe(false);
      // TLS 1.3 finishes the client's handshake before the server's verdict: the refusal is then a closed event with the alert.
      const closed = events.find((e) => e.type === 'closed');
      expect(error ?? (closed?.type === 'closed' ? closed.error : undefined)).toBeDefined();
    });
  });

  describe('openssl s_client against our server', () => {
    const greet = () => [line('* OK rxtls says hello')];
    async function ourServer(server$: Observable<ServerEvent>): Promise<number> {
      return new Promise((resolve, reject) => {
        subscriptions.push(server$.subscribe({ next: (e) => e.type === 'listening' && resolve(e.port), error: reject }));
      });
    }

    it('plain TLS: s_client verifies us (-verify_return_error) and reads the greeting', async () => {
      const port = await ourServer(serve({ credentials: leaf }, greet));
      const c = openssl([
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'localhost',
        '-verify_hostname',
        'localhost',
        '-CAfile',
        file('ca.pem'),
        '-verify_return_error',
        '-ign_eof',
      ]);
      await c.waitFor(/\* OK rxtls says hello/);
      expect(c.output()).toMatch(/Verify return code: 0 \(ok\)/);
    });

    it('sees our full chain, intermediate included, and verifies it against the root alone', async () => {
      const port = await ourServer(serve({ credentials: chained }, greet));
      const c = openssl([
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'localhost',
        '-CAfile',
        file('ca.pem'),
        '-verify_return_error',
        '-showcerts',
        '-ign_eof',
      ]);
      await c.waitFor(/\* OK rxtls says hello/);
      expect(c.output()).toMatch(/depth=2 CN ?= ?rxtls test root CA/);
      expect(c.output()).toMatch(/depth=1 CN ?= ?rxtls test intermediate/);
      expect(c.output()).toMatch(/Verify return code: 0 \(ok\)/);
    });

    it('mutual TLS: s_client with -cert/-key is accepted and its certificate is our peer', async () => {
      const peers: string[] = [];
      const port = await ourServer(
        listen({ credentials: leaf, requestCert: true, ca: pki.ca.cert }).pipe(
          mergeMap((e) => {
            if (e.type !== 'connection') return [e];
            e.events.pipe(converse(greet)).subscribe((x) => x.type === 'connected' && peers.push(x.peer.subject));
            return EMPTY;
          }),
        ),
      );
      const c = openssl([
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'localhost',
        '-CAfile',
        file('ca.pem'),
        '-cert',
        file('client.pem'),
        '-key',
        file('client.key'),
        '-ign_eof',
      ]);
      await c.waitFor(/\* OK rxtls says hello/);
      expect(peers).toEqual(['CN=rxtls test client']);
    });

    it('-starttls smtp against our SMTP-like STARTTLS server example: upgrades and verifies', async () => {
      const port = await startSmtpServer(leaf, subscriptions);
      const c = openssl([
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-starttls',
        'smtp',
        '-servername',
        'localhost',
        '-CAfile',
        file('ca.pem'),
        '-verify_return_error',
        '-ign_eof',
      ]);
      await c.waitFor(/Verify return code: 0 \(ok\)/);
      c.child.stdin?.write('EHLO openssl.test\r\n');
      await c.waitFor(/250 smtp\.rxtls\.test at your service, securely/);
      c.child.stdin?.write('QUIT\r\n');
      await c.waitFor(/221 2\.0\.0 Bye/);
    });

    it('mutual TLS: s_client without a certificate gets no greeting', async () => {
      const failures: string[] = [];
      const port = await ourServer(
        listen({ credentials: leaf, requestCert: true, ca: pki.ca.cert }).pipe(
          mergeMap((e) => {
            if (e.type !== 'connection') return [e];
            e.events.pipe(converse(greet)).subscribe((x) => x.type === 'certFailed' && failures.push(x.reason));
            return EMPTY;
          }),
        ),
      );
      const c = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', file('ca.pem')]);
      c.child.stdin?.end();
      await eventually(() => failures.length > 0);
      await c.stop();
      expect(failures).toEqual(['the client presented no certificate']);
      expect(c.output()).not.toContain('rxtls says hello');
    });
  });
});
