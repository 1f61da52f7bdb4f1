/**
 * The broken servers `rxtls doctor` is proven on: each one a real server on loopback, built from
 * rxtls/testing (createTestPki, startTlsServer, startSilentServer), node:tls/net/http, and real
 * tools (openssl s_server, Dovecot), with the verdict the doctor must give — its code, a cause
 * and a fix in words, and (where the diagnosis adds one) a note.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Subscription } from 'rxjs';
import {
  createTestPki,
  startSilentServer,
  startTlsServer,
  type TestAuthority,
  type TestCredentials,
  type TestPki,
} from '../../lib/testing';
import { installed, freePort } from '../interop/peers';
import { runOpenssl } from '../interop/openssl';
import { startDovecot } from '../interop/dovecot';
import { startSmtpServer } from '../support/smtp-server';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** What a fixture's doctor run must conclude. */
export interface Expected {
  readonly code: string;
  readonly exit: 0 | 1 | 2;
  readonly cause: RegExp;
  readonly fix: RegExp;
  /** A note of the diagnosis (any of the top problem's notes). */
  readonly note?: RegExp;
  /** Other codes the verdict must list after the top one. */
  readonly also?: readonly string[];
  /** The version of the server's flight the wire probe read (and, for TLS 1.3, decrypted). */
  readonly wire?: 'TLSv1.2' | 'TLSv1.3';
}

/** One broken server, started. */
export interface RunningFixture {
  /** The arguments after `rxtls doctor`. */
  readonly args: readonly string[];
  stop(): Promise<void>;
}

export interface Fixture {
  readonly name: string;
  readonly expected: Expected;
  /** A program the fixture needs (its Debian package), or none. */
  readonly needs?: { readonly command: string; readonly versionArgs?: readonly string[]; readonly aptPackage: string };
  start(kit: Kit): Promise<RunningFixture>;
}

/** What the fixtures share: one PKI, its CA in a file, a temporary directory. */
export interface Kit {
  readonly pki: TestPki;
  readonly caFile: string;
  readonly dir: string;
  readonly subscriptions: Subscription[];
}

const DAY = 86_400_000;
/**
 * Short enough that a silent server costs little, long enough for loopback handshakes on a loaded
 * machine: the CI matrix runs the suite on two workers while every fixture is probed at once, and
 * with 3 s the TLS 1.0 fixture once failed there (its log was lost; a timed-out probe is the likely cause).
 */
const TIMEOUT = ['--timeout', '6'];

const closing = (server: TlsServer | TcpServer | HttpServer) => () =>
  new Promise<void>((resolve) => {
    (server as TcpServer & { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });

async function listening<S extends TlsServer | TcpServer | HttpServer>(server: S): Promise<{ server: S; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A TLS server with these credentials, and the doctor's arguments for it (by address, naming localhost, trusting the kit's CA). */
async function tlsFixture(
  kit: Kit,
  credentials: TestCredentials,
  extra: readonly string[] = [],
  options: object = {},
): Promise<RunningFixture> {
  const server = await startTlsServer({ ...credentials, ...options });
  return {
    args: [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', kit.caFile, ...TIMEOUT, ...extra],
    stop: () => server.close(),
  };
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** A leaf for localhost issued by `intermediate`, carrying an AIA caIssuers URL (rxtls/testing's generator has no AIA option). */
async function leafWithAia(intermediate: TestAuthority, url: string): Promise<TestCredentials> {
  const issuerPem = intermediate.cert.slice(0, intermediate.cert.indexOf('-----END CERTIFICATE-----') + 25);
  const issuer = new x509.X509Certificate(issuerPem);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pemToDer(intermediate.key), algorithm, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: Date.now().toString(16),
    subject: 'CN=localhost',
    issuer: issuer.subject,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1']),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }]),
      new x509.AuthorityInfoAccessExtension({ caIssuers: new x509.GeneralName('url', url) }),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const cert = certificate.toString('pem');
  return {
    cert,
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`,
    fingerprint256: new X509Certificate(cert).fingerprint256,
    spkiPin: '',
  };
}

let opensslServers = 0;

/** `openssl s_server` with these credentials and flags, serving one connection after another until stopped by its PID. */
async function opensslServer(kit: Kit, credentials: TestCredentials, flags: readonly string[]): Promise<RunningFixture> {
  const n = ++opensslServers;
  const certFile = join(kit.dir, `s_server-${n}-cert.pem`);
  const keyFile = join(kit.dir, `s_server-${n}-key.pem`);
  await writeFile(certFile, credentials.cert);
  await writeFile(keyFile, credentials.key, { mode: 0o600 });
  const port = await freePort();
  const server = runOpenssl(['s_server', '-accept', String(port), '-cert', certFile, '-key', keyFile, ...flags]);
  await server.waitFor(/ACCEPT/).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return { args: [`127.0.0.1:${port}`, '--servername', 'localhost', '--ca', kit.caFile, ...TIMEOUT], stop: () => server.stop() };
}

/** The first PEM block of `pem` (an issued authority's `cert` carries its issuers after it). */
function firstPem(pem: string): string {
  return pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----\n'.length);
}

/** A leaf for localhost under two intermediates (root → one → two → leaf), each certificate alone. */
async function twoIntermediates(kit: Kit): Promise<{ leaf: TestCredentials; one: string; two: string }> {
  const one = await kit.pki.ca.issue({ ca: true, commonName: 'rxtls doctor intermediate one' });
  const two = await one.issue({ ca: true, commonName: 'rxtls doctor intermediate two' });
  const leaf = await two.issue();
  return { leaf: { ...leaf, cert: firstPem(leaf.cert) }, one: firstPem(one.cert), two: firstPem(two.cert) };
}

/** `openssl s_server` with a chain file (-cert_chain) written from `chain`, sent in that order. */
async function opensslWithChain(kit: Kit, leaf: TestCredentials, chain: string, flags: readonly string[]): Promise<RunningFixture> {
  const chainFile = join(kit.dir, `chain-${++opensslServers}.pem`);
  await writeFile(chainFile, chain);
  return opensslServer(kit, leaf, ['-cert_chain', chainFile, ...flags]);
}

/** A scripted plaintext server: greets, and answers each line with `reply(line)`. */
async function plaintextServer(greeting: string, reply: (line: string) => string): Promise<RunningFixture & { port: number }> {
  const { server, port } = await listening(
    createTcpServer((socket: Socket) => {
      socket.on('error', () => undefined);
      socket.write(greeting);
      let buffered = '';
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        let end: number;
        while ((end = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, end).replace(/\r$/, '');
          buffered = buffered.slice(end + 1);
          socket.write(reply(line));
        }
      });
    }),
  );
  return { port, args: [`127.0.0.1:${port}`, ...TIMEOUT], stop: closing(server) };
}

/** The fixtures, in the order the table prints them. */
export const FIXTURES: readonly Fixture[] = [
  {
    name: 'expired',
    expected: { code: 'CERT_HAS_EXPIRED', exit: 2, cause: /expired/i, fix: /renew/i, note: /expired on \d{4}-\d\d-\d\d, 1 day ago/ },
    start: async (kit) => tlsFixture(kit, await kit.pki.expired()),
  },
  {
    name: 'not yet valid (clock skew)',
    expected: { code: 'CERT_NOT_YET_VALID', exit: 2, cause: /valid only from/, fix: /clock/i, note: /this machine's clock is behind/ },
    start: async (kit) => tlsFixture(kit, await kit.pki.leaf({ notBefore: new Date(Date.now() + 10 * 60_000) })),
  },
  {
    name: 'wrong name',
    expected: {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      exit: 2,
      cause: /not for "localhost": it is for DNS:elsewhere\.test/,
      fix: /names on the certificate/,
    },
    start: async (kit) => tlsFixture(kit, await kit.pki.leaf({ names: ['elsewhere.test'] })),
  },
  {
    name: 'wildcard one level too deep',
    expected: {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      exit: 2,
      cause: /not for "a\.b\.example\.test": it is for DNS:\*\.example\.test/,
      fix: /names on the certificate/,
      note: /wildcard \*\.example\.test covers one label only: "a\.b\.example\.test" is 2 levels below/,
    },
    start: async (kit) => {
      const server = await startTlsServer(await kit.pki.leaf({ names: ['*.example.test'] }));
      return {
        args: [`127.0.0.1:${server.port}`, '--servername', 'a.b.example.test', '--ca', kit.caFile, ...TIMEOUT],
        stop: () => server.close(),
      };
    },
  },
  {
    name: 'missing intermediate (AIA on loopback)',
    expected: {
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      exit: 2,
      cause: /did not send the intermediate certificates/,
      fix: /full chain/,
      note: /Fetched for this diagnosis only .*"CN=rxtls doctor intermediate" from http:\/\/127\.0\.0\.1:\d+\/intermediate\.cer, and a CA this program trusts issued it/,
    },
    start: async (kit) => {
      const intermediate = await kit.pki.ca.issue({ ca: true, commonName: 'rxtls doctor intermediate' });
      const der = pemToDer(intermediate.cert);
      const { server: http, port: httpPort } = await listening(
        createHttpServer((request, response) => {
          if (request.url !== '/intermediate.cer') return response.writeHead(404).end();
          response.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(der);
        }),
      );
      const leaf = await leafWithAia(intermediate, `http://127.0.0.1:${httpPort}/intermediate.cer`);
      const running = await tlsFixture(kit, leaf); // the leaf alone: the intermediate is not sent
      return { args: running.args, stop: async () => Promise.all([running.stop(), closing(http)()]).then(() => undefined) };
    },
  },
  {
    name: 'untrusted root',
    expected: { code: 'SELF_SIGNED_CERT_IN_CHAIN', exit: 2, cause: /.+/, fix: /ca/ },
    start: async (kit) => {
      const other = await kit.pki.otherAuthority();
      const leaf = await other.issue();
      return tlsFixture(kit, { ...leaf, cert: `${leaf.cert}${other.cert}` });
    },
  },
  {
    name: 'interception CA trusted as the "OS store"',
    expected: {
      code: 'ERR_RXTLS_PRIVATE_ROOT',
      exit: 0,
      cause: /not one of the public roots.*intercepts TLS/,
      fix: /compare its fingerprint from another network/,
      note: /interception product/,
    },
    start: async (kit) => {
      // The CA a TLS-inspecting proxy installs in the machine's store: here the only CA trusted (--ca).
      const proxy = await createTestPki('Contoso TLS Inspection Proxy CA');
      const caFile = join(kit.dir, 'proxy-ca.pem');
      await writeFile(caFile, proxy.ca.cert);
      const server = await startTlsServer(await proxy.leaf());
      return { args: [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', caFile, ...TIMEOUT], stop: () => server.close() };
    },
  },
  {
    name: 'self-signed',
    expected: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', exit: 2, cause: /self-signed|signed by itself/i, fix: /fingerprint|pin/ },
    start: async (kit) => tlsFixture(kit, await kit.pki.selfSigned()),
  },
  {
    name: 'RSA-1024 key',
    expected: { code: 'EE_KEY_TOO_SMALL', exit: 2, cause: /weaker than the security level/, fix: /2048 bits/, note: /1024-bit RSA key/ },
    // The server itself must be told to serve such a key (Node's default security level refuses it).
    start: async (kit) => tlsFixture(kit, await kit.pki.leaf({ key: 'rsa-1024' }), [], { ciphers: 'DEFAULT@SECLEVEL=0' }),
  },
  {
    name: 'SHA-1 signature',
    expected: {
      code: 'CA_MD_TOO_WEAK',
      exit: 2,
      cause: /weaker than the security level/,
      fix: /SHA-256/,
      note: /signed with ecdsa-with-SHA1/,
    },
    start: async (kit) => tlsFixture(kit, await kit.pki.leaf({ signatureHash: 'SHA-1' }), [], { ciphers: 'DEFAULT@SECLEVEL=0' }),
  },
  {
    name: 'TLS 1.0 only (openssl s_server -tls1)',
    needs: { command: 'openssl', versionArgs: ['version'], aptPackage: 'openssl' },
    expected: {
      code: 'ERR_RXTLS_LEGACY_TLS_ONLY',
      exit: 1,
      cause: /speaks only TLSv1\b/,
      fix: /TLS 1\.2 or 1\.3/,
      note: /accepted TLSv1 and refused/,
    },
    start: async (kit) => opensslServer(kit, await kit.pki.leaf({ key: 'rsa-2048' }), ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']),
  },
  {
    name: 'SNI required (no default certificate)',
    expected: {
      code: 'ERR_RXTLS_SNI_REQUIRED',
      exit: 0,
      cause: /only when the client names it \(SNI "localhost"\)/,
      fix: /send the server name/,
      note: /Without SNI the handshake failed/,
    },
    start: async (kit) => {
      const leaf = await kit.pki.leaf();
      const context = createSecureContext({ cert: leaf.cert, key: leaf.key });
      const { server, port } = await listening(
        createTlsServer({
          SNICallback: (name, done) => (name === 'localhost' ? done(null, context) : done(new Error(`no certificate for ${name}`))),
        }),
      );
      server.on('tlsClientError', () => undefined);
      return { args: [`127.0.0.1:${port}`, '--servername', 'localhost', '--ca', kit.caFile, ...TIMEOUT], stop: closing(server) };
    },
  },
  {
    name: 'plaintext on a TLS port: an IMAP greeting',
    expected: {
      code: 'ERR_RXTLS_PLAINTEXT_PORT',
      exit: 1,
      cause: /plaintext \(IMAP: "\* OK IMAP4rev1 ready"\) and offers no STARTTLS/,
      fix: /993/,
    },
    start: () =>
      plaintextServer('* OK IMAP4rev1 ready\r\n', (line) =>
        /^d1 CAPABILITY/i.test(line) ? '* CAPABILITY IMAP4rev1\r\nd1 OK done\r\n' : '* BAD\r\n',
      ),
  },
  {
    name: 'plaintext on a TLS port: an HTTP response',
    expected: { code: 'ERR_RXTLS_PLAINTEXT_PORT', exit: 1, cause: /plaintext \(HTTP: "HTTP\/1\.1 200 OK"\)/, fix: /HTTPS port/ },
    start: async () => {
      const { server, port } = await listening(createHttpServer((_request, response) => response.end('hello')));
      return { args: [`127.0.0.1:${port}`, ...TIMEOUT], stop: closing(server) };
    },
  },
  {
    name: 'STARTTLS required (SMTP, rxtls listenStartTls)',
    expected: {
      code: 'ERR_RXTLS_STARTTLS_REQUIRED',
      exit: 1,
      cause: /speaks SMTP in plaintext and offers STARTTLS/,
      fix: /--starttls smtp/,
    },
    start: async (kit) => {
      const port = await startSmtpServer(await kit.pki.leaf(), kit.subscriptions);
      return { args: [`127.0.0.1:${port}`, ...TIMEOUT], stop: () => Promise.resolve() };
    },
  },
  {
    name: 'STARTTLS required (IMAP, Dovecot)',
    needs: { command: 'dovecot', aptPackage: 'dovecot-imapd' },
    expected: {
      code: 'ERR_RXTLS_STARTTLS_REQUIRED',
      exit: 1,
      cause: /speaks IMAP in plaintext and offers STARTTLS/,
      fix: /--starttls imap/,
    },
    start: async (kit) => {
      const dovecot = await startDovecot(kit.pki);
      return { args: [`127.0.0.1:${dovecot.starttlsPort}`, ...TIMEOUT], stop: () => dovecot.stop() };
    },
  },
  {
    name: 'client certificate required (openssl s_server -Verify)',
    needs: { command: 'openssl', versionArgs: ['version'], aptPackage: 'openssl' },
    expected: {
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      exit: 1,
      cause: /requires a client certificate/,
      fix: /--cert FILE --key FILE/,
      note: /sent a CertificateRequest \(read off the wire, TLSv1\.3\) accepting certificates issued by "CN=rxtls test root CA"/,
      wire: 'TLSv1.3',
    },
    start: async (kit) => opensslServer(kit, await kit.pki.leaf(), ['-Verify', '1', '-CAfile', kit.caFile]),
  },
  {
    name: 'client certificate requested, optional, TLS 1.3 (openssl s_server -verify)',
    needs: { command: 'openssl', versionArgs: ['version'], aptPackage: 'openssl' },
    expected: {
      code: 'ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL',
      exit: 0,
      cause: /asks for a client certificate without requiring one \(issued by "CN=rxtls test root CA"\)/,
      fix: /stop asking/,
      note: /sent a CertificateRequest \(read off the wire, TLSv1\.3\) accepting certificates issued by "CN=rxtls test root CA"/,
      wire: 'TLSv1.3',
    },
    start: async (kit) => opensslServer(kit, await kit.pki.leaf(), ['-verify', '1', '-CAfile', kit.caFile]),
  },
  {
    name: 'client certificate requested, optional, TLS 1.2 (openssl s_server -tls1_2 -verify)',
    needs: { command: 'openssl', versionArgs: ['version'], aptPackage: 'openssl' },
    expected: {
      code: 'ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL',
      exit: 0,
      cause: /asks for a client certificate without requiring one \(issued by "CN=rxtls test root CA"\)/,
      fix: /stop asking/,
      note: /sent a CertificateRequest \(read off the wire, TLSv1\.2\)/,
      wire: 'TLSv1.2',
    },
    start: async (kit) => opensslServer(kit, await kit.pki.leaf(), ['-tls1_2', '-verify', '1', '-CAfile', kit.caFile]),
  },
  {
    name: 'chain out of order, TLS 1.3 (node:tls, the PEMs concatenated in the wrong order)',
    expected: {
      code: 'ERR_RXTLS_CHAIN_OUT_OF_ORDER',
      exit: 0,
      cause: /out of order \("CN=localhost", then "CN=rxtls doctor intermediate one", then "CN=rxtls doctor intermediate two"\)/,
      fix: /Order the server's chain file/,
      note: /order that would fit: "CN=localhost", then "CN=rxtls doctor intermediate two", then "CN=rxtls doctor intermediate one"/,
      wire: 'TLSv1.3',
    },
    start: async (kit) => {
      const { leaf, one, two } = await twoIntermediates(kit);
      return tlsFixture(kit, { ...leaf, cert: `${leaf.cert}${one}${two}` });
    },
  },
  {
    name: 'chain out of order, TLS 1.2 (openssl s_server -tls1_2 -cert_chain)',
    needs: { command: 'openssl', versionArgs: ['version'], aptPackage: 'openssl' },
    expected: {
      code: 'ERR_RXTLS_CHAIN_OUT_OF_ORDER',
      exit: 0,
      cause: /out of order \("CN=localhost", then "CN=rxtls doctor intermediate one", then "CN=rxtls doctor intermediate two"\)/,
      fix: /Order the server's chain file/,
      wire: 'TLSv1.2',
    },
    start: async (kit) => {
      const { leaf, one, two } = await twoIntermediates(kit);
      return opensslWithChain(kit, leaf, `${one}${two}`, ['-tls1_2']);
    },
  },
  {
    name: 'chain with a repeat, a stray and the root (node:tls)',
    expected: {
      code: 'ERR_RXTLS_CHAIN_DUPLICATE',
      exit: 0,
      cause: /sends "CN=rxtls doctor intermediate one" more than once/,
      fix: /Remove the repeated certificate/,
      note: /sent again at position 2/,
      also: ['ERR_RXTLS_CHAIN_UNRELATED', 'ERR_RXTLS_CHAIN_ROOT_SENT'],
      wire: 'TLSv1.3',
    },
    start: async (kit) => {
      const one = await kit.pki.ca.issue({ ca: true, commonName: 'rxtls doctor intermediate one' });
      const leaf = await one.issue();
      const stray = await kit.pki.otherAuthority();
      return tlsFixture(kit, {
        ...leaf,
        cert: `${firstPem(leaf.cert)}${firstPem(one.cert)}${firstPem(one.cert)}${firstPem(stray.cert)}${kit.pki.ca.cert}`,
      });
    },
  },
  {
    name: 'a server that never answers',
    expected: { code: 'ERR_RXTLS_NO_ANSWER', exit: 1, cause: /opens, but nothing answers/, fix: /service behind the port runs/ },
    start: async () => {
      const server = await startSilentServer();
      return { args: [`127.0.0.1:${server.port}`, '--timeout', '0.8'], stop: () => server.close() };
    },
  },
  {
    name: 'DNS failure (.invalid)',
    expected: { code: 'ENOTFOUND', exit: 1, cause: /does not resolve/, fix: /spelling of the host name/ },
    start: () => Promise.resolve({ args: ['no-such-host.invalid:443', ...TIMEOUT], stop: () => Promise.resolve() }),
  },
  {
    name: 'connection refused',
    expected: { code: 'ECONNREFUSED', exit: 1, cause: /Nothing listens on 127\.0\.0\.1:\d+/, fix: /is the service running/ },
    start: async () => ({ args: [`127.0.0.1:${await freePort()}`, ...TIMEOUT], stop: () => Promise.resolve() }),
  },
];

/** Whether a fixture can run here. */
export function available(fixture: Fixture): boolean {
  return fixture.needs === undefined || installed(fixture.needs.command, fixture.needs.versionArgs);
}

export { createTestPki };
