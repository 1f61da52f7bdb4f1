import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { filter, firstValueFrom, take, type Subscription } from 'rxjs';
import { connectWebSocket, lines } from '../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../lib/testing';
import { CLI_DEFAULTS } from '../lib/cli/cli-defaults';
import { parseConnectArgs } from '../lib/cli/connect-command';
import { parseGatewayArgs } from '../lib/cli/gateway-command';
import { styleFor } from '../lib/cli/output';
import { parsePinArgs } from '../lib/cli/pin-command';
import { parseServeArgs } from '../lib/cli/serve-command';
import { DEFAULT_LISTEN_HOST } from '../lib';
import { freePort } from './interop/peers';
import { buildOnce } from './support/build-once';
import { startSmtpServer } from './support/smtp-server';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
/** Runs the built command; never throws on a non-zero exit. */
async function rxtls(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let pki: TestPki;
let dir: string;
let caFile: string;
const servers: TestServer[] = [];
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  await buildOnce();
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-cli-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
}, 120_000);
afterEach(async () => {
  subscriptions.splice(0).forEach((s) => s.unsubscribe());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function echoServer(credentials?: { cert: string; key: string }): Promise<number> {
  const server = await startTlsServer({
    ...(credentials ?? (await pki.leaf())),
    greeting: '* OK hello from the test server\r\n',
    echo: true,
  });
  servers.push(server);
  return server.port;
}

describe('output style', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('colours a terminal, not a pipe, and never with NO_COLOR', () => {
    expect(styleFor(tty, {}).red('x')).toBe('\u001b[31mx\u001b[0m');
    expect(styleFor(tty, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(styleFor(pipe, {}).red('x')).toBe('x');
  });
});

describe('each command parses its own arguments', () => {
  it('connect: the port is 443, or the STARTTLS port of --starttls, unless HOST:PORT names one', () => {
    expect(parseConnectArgs(['imap.example.com']).target).toEqual({ host: 'imap.example.com', port: 443 });
    for (const [protocol, ports] of Object.entries(CLI_DEFAULTS.protocols))
      expect(parseConnectArgs(['mail.example.com', '--starttls', protocol]).target.port).toBe(ports.starttls);
    expect(parseConnectArgs(['mail.example.com:587', '--starttls', 'smtp']).target.port).toBe(587);
    expect(CLI_DEFAULTS.protocols).toEqual({
      smtp: { starttls: 25, implicitTls: 465 },
      imap: { starttls: 143, implicitTls: 993 },
      pop3: { starttls: 110, implicitTls: 995 },
      ftp: { starttls: 21, implicitTls: 990 },
    });
  });

  it('connect: flags become the command, with the idle default and --timeout in seconds', () => {
    expect(parseConnectArgs(['h:1', '--send', 'a', '--send', 'b', '--pin', 'p', '--json', '--timeout', '0.5'])).toEqual({
      target: { host: 'h', port: 1 },
      pins: ['p'],
      alpn: [],
      send: ['a', 'b'],
      idleSeconds: CLI_DEFAULTS.idleSeconds,
      json: true,
      insecure: false,
      timeoutSeconds: 0.5,
    });
    expect(() => parseConnectArgs(['h', '--timeout', '0'])).toThrow('--timeout must be a positive number of seconds, got "0"');
    expect(() => parseConnectArgs(['h', '--cert', 'c.pem'])).toThrow('--cert and --key go together');
    expect(() => parseConnectArgs(['h:99999'])).toThrow('port must be an integer from 1 to 65535 in "h:99999"');
  });

  it('connect and serve: --keylog FILE', () => {
    expect(parseConnectArgs(['h', '--keylog', '/tmp/k.log']).keylog).toBe('/tmp/k.log');
    expect(parseConnectArgs(['h']).keylog).toBeUndefined();
    expect(parseServeArgs(['--port', '0', '--self-signed', '--keylog', 'k.log']).keylog).toBe('k.log');
  });

  it('serve and gateway: --ticket-keys FILE (gateway: with --cert only)', () => {
    expect(parseServeArgs(['--port', '0', '--self-signed', '--ticket-keys', 't.keys']).ticketKeys).toBe('t.keys');
    const wss = ['--listen', '127.0.0.1:0', '--to', 'h:1', '--cert', 'c.pem', '--key', 'k.pem', '--ticket-keys', 't.keys'];
    expect(parseGatewayArgs(wss).ticketKeys).toBe('t.keys');
    expect(() => parseGatewayArgs(['--listen', '127.0.0.1:0', '--to', 'h:1', '--ticket-keys', 't.keys'])).toThrow(
      '--ticket-keys needs --cert FILE --key FILE: a ws: gateway has no TLS sessions to resume',
    );
  });

  it('pin, serve and gateway', () => {
    expect(parsePinArgs(['h', '--ca', 'ca.pem'])).toEqual({ target: { host: 'h', port: 443 }, ca: 'ca.pem' });
    expect(parseServeArgs(['--port', '0', '--self-signed'])).toEqual({
      port: 0,
      host: DEFAULT_LISTEN_HOST,
      selfSigned: true,
      echo: false,
      workers: 1,
    });
    expect(() => parseServeArgs(['--port', '65536', '--self-signed'])).toThrow('--port must be an integer from 0 to 65535, got "65536"');
    expect(() => parseServeArgs(['--port', '1'])).toThrow('give either --cert FILE --key FILE or --self-signed');
    expect(parseGatewayArgs(['--listen', '[::1]:0', '--to', 'imap.example.com:993', '--max-connections', '8'])).toEqual({
      host: '::1',
      port: 0,
      targets: ['imap.example.com:993'],
      origins: [],
      json: false,
      maxConnections: 8,
      workers: 1,
    });
    expect(() => parseGatewayArgs(['--listen', '127.0.0.1:0', '--to', 'h:0'])).toThrow('port must be an integer from 1 to 65535 in "h:0"');
    expect(() => parseGatewayArgs(['--listen', '127.0.0.1:0', '--to', 'h:1', '--max-connections', '0'])).toThrow(
      '--max-connections must be a positive integer, got "0"',
    );
  });
});

describe('rxtls (the command)', () => {
  it('prints help and its version, and explains bad arguments without a stack trace', async () => {
    expect((await rxtls(['--help'])).stdout).toContain('usage: rxtls <command>');
    expect((await rxtls(['--version'])).stdout).toBe('rxtls 0.1.0\n');
    expect((await rxtls(['connect', '--help'])).stdout).toContain('--starttls PROTO');
    for (const command of ['pin', 'serve', 'gateway']) {
      const help = await rxtls([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: rxtls ${command} `));
    }
    for (const args of [
      ['connect'],
      ['connect', 'h:99999'],
      ['connect', 'h', '--bogus'],
      ['serve'],
      ['frobnicate'],
      ['connect', 'h', '--starttls', 'gopher'],
      ['gateway', '--listen', '127.0.0.1:0'],
      ['gateway', '--to', 'h:1'],
      ['gateway', '--listen', '127.0.0.1:0', '--to', 'no-port'],
      ['connect', 'h:0'],
      ['pin', 'h:65536'],
      ['serve', '--port', '65536', '--self-signed'],
      ['serve', '--port', '1.5', '--self-signed'],
      ['gateway', '--listen', '127.0.0.1:0', '--to', 'h:1', '--max-connections', '2147483648'],
    ]) {
      const result = await rxtls(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^rxtls: .+\n(usage: rxtls)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('connect --send: prints the summary, sends the lines, prints what comes back, exits 0', async () => {
    const leaf = await pki.leaf();
    const port = await echoServer(leaf);
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--send', 'ping', '--send', 'pong', '--idle', '0.5']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Connected to localhost:${port} — verified`);
    expect(result.stdout).toMatch(/TLSv1\.3, TLS_\w+, ALPN none, new session/);
    expect(result.stdout).toContain(`pin      ${leaf.spkiPin}`);
    expect(result.stdout).toMatch(/0 {2}CN=localhost\n\s+issuer {3}CN=rxtls test root CA/);
    expect(result.stdout.split('\n').slice(-4)).toEqual(['* OK hello from the test server', 'ping', 'pong', '']);
  });

  it('--json prints one parseable event per line', async () => {
    const port = await echoServer();
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--send', 'ping', '--idle', '0.5', '--json']);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; text?: string; peer?: { subject: string } });
    expect(events.map((e) => e.type)).toEqual(['connected', 'line', 'line', 'closed']);
    expect(events[0]?.peer?.subject).toBe('CN=localhost');
    expect(events[2]?.text).toBe('ping');
  });

  it.each([
    ['expired', (p: TestPki) => p.expired(), ['CERT_HAS_EXPIRED: certificate has expired']],
    ['self-signed', (p: TestPki) => p.selfSigned(), ['DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate']],
    ['wrong-host', (p: TestPki) => p.leaf({ names: ['elsewhere.test'] }), ['ERR_TLS_CERT_ALTNAME_INVALID: ']],
  ])('exits 2 and lists every problem for a %s certificate', async (_name, make, expected) => {
    const port = await echoServer(await make(pki));
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--send', 'secret']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Certificate verification failed:');
    for (const problem of expected) expect(result.stderr).toContain(`  ${problem}`);
    expect(result.stdout).not.toContain('hello from the test server');
  });

  it('exits 1 for a refused connection, naming host:port', async () => {
    const port = await echoServer();
    servers.splice(0).forEach((s) => void s.close());
    await new Promise((r) => setTimeout(r, 50));
    const result = await rxtls(['connect', `127.0.0.1:${port}`, '--ca', caFile, '--send', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        `rxtls: 127.0.0.1:${port}: connection refused (connect ECONNREFUSED 127.0.0.1:${port})`,
        `  why: Nothing listens on 127.0.0.1:${port}: the connection was refused.`,
        '  fix: Check the host and the port (is the service running?), and retry when it is back.',
        '',
      ].join('\n'),
    );
  });

  it('pin and gateway explain their failures too: a refused connection, a port in use', async () => {
    const port = await freePort();
    const pin = await rxtls(['pin', `127.0.0.1:${port}`]);
    expect(pin.code).toBe(1);
    expect(pin.stderr).toContain(`rxtls: 127.0.0.1:${port}: connection refused`);
    expect(pin.stderr).toContain('  fix: Check the host and the port (is the service running?), and retry when it is back.');
    const busy = await echoServer();
    const gateway = await rxtls(['gateway', '--listen', `127.0.0.1:${busy}`, '--to', `localhost:${port}`]);
    expect(gateway.code).toBe(1);
    expect(gateway.stderr).toMatch(new RegExp(`^rxtls: .*${busy}.*\\n {2}why: .+\\n {2}fix: .+\\n$`, 's'));
  });

  it('--json leaves the write and read sides out of connected', async () => {
    const port = await echoServer();
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--idle', '0.3', '--json']);
    const connected = JSON.parse(result.stdout.split('\n')[0] ?? '{}') as Record<string, unknown>;
    expect(connected['type']).toBe('connected');
    expect(Object.keys(connected)).not.toEqual(expect.arrayContaining(['writer']));
    expect(Object.keys(connected)).not.toEqual(expect.arrayContaining(['reader']));
  });

  it('explains a certificate failure under its problems: why, and the narrowest fix for exactly that certificate', async () => {
    const expired = await pki.expired({ names: ['elsewhere.test'] });
    const port = await echoServer(expired);
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--send', 'secret']);
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n');
    const at = lines.indexOf('Certificate verification failed:');
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '  CERT_HAS_EXPIRED: certificate has expired (CN=elsewhere.test)',
      expect.stringMatching(/^ {2}ERR_TLS_CERT_ALTNAME_INVALID: .*DNS:elsewhere\.test \(CN=elsewhere\.test\)$/),
    ]);
    // dates before the name: the expiry is explained first, the name after it
    expect(lines[at + 3]).toMatch(/^ {2}why: The certificate "CN=elsewhere.test" expired on \d{4}-\d\d-\d\d \(\d+ days? ago\)\.$/);
    expect(lines[at + 4]).toContain(`fix: The server's operator must renew it; only if you have confirmed out of band`);
    expect(lines[at + 4]).toContain(`allowErrors(['CERT_HAS_EXPIRED'], '${expired.fingerprint256}')`);
    expect(lines[at + 5]).toBe('  and ERR_TLS_CERT_ALTNAME_INVALID: The certificate is not for "localhost": it is for DNS:elsewhere.test.');
    expect(lines[at + 6]).toMatch(/^ {4}fix: Connect by one of the names on the certificate/);
    expect(result.stderr).not.toMatch(/insecure|NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized/i);
  });

  it('--json: a certFailed event carries its explanation', async () => {
    const port = await echoServer(await pki.selfSigned());
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--json']);
    expect(result.code).toBe(2);
    const failed = result.stdout
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { type: string; explanation?: { code: string; cause: string; fix: string; details: { subject?: string } } },
      )
      .find((e) => e.type === 'certFailed');
    expect(failed?.explanation).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', details: { subject: 'CN=localhost' } });
    expect(failed?.explanation?.fix).toMatch(/fingerprint\('/);
  });

  it('connect --keylog FILE: the TLS secrets in FILE, mode 0600, with a loud warning', async () => {
    const port = await echoServer();
    const file = join(dir, 'connect-keys.log');
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--send', 'ping', '--idle', '0.3', '--keylog', file]);
    expect(result.code).toBe(0);
    const written = await readFile(file, 'utf8');
    expect(written).toMatch(
      /^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]{64,}$/m,
    );
    expect(written.trimEnd().split('\n')).toHaveLength(5);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(result.stderr).toMatch(/SecurityWarning: keylog: TLS session secrets are being written to .*connect-keys\.log/);
    expect(result.stderr.match(/RXTLS_KEYLOG/g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/[0-9a-f]{64}/);
  });

  it('connect --keylog to an unwritable path: exit 1, the option named and explained, no connection', async () => {
    const port = await echoServer();
    const file = join(dir, 'no-such-dir', 'keys.log');
    const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--keylog', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`rxtls: option "keylog" cannot be opened for appending: ENOENT`);
    expect(result.stderr).toContain('  why: The option "keylog" is missing or wrong');
    expect(result.stderr).toContain('  fix: Fix the option "keylog" as the message says; nothing was opened.');
  });

  it('serve --keylog FILE: every connection’s secrets in FILE, mode 0600', async () => {
    const file = join(dir, 'serve-keys.log');
    const child = spawn('node', [CLI, 'serve', '--port', '0', '--self-signed', '--greeting', 'hi', '--keylog', file], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const deadline = Date.now() + 10_000;
      while (!/listening on 127\.0\.0\.1:\d+/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1] ?? '';
      const fingerprint = /fingerprint (\S+),/.exec(stdout)?.[1] ?? '';
      const result = await rxtls(['connect', `127.0.0.1:${port}`, '--fingerprint', fingerprint, '--send', 'x', '--idle', '0.3']);
      expect(result.stdout).toContain('hi');
      while (((await readFile(file, 'utf8').catch(() => '')).match(/\n/g) ?? []).length < 5 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const written = await readFile(file, 'utf8');
      expect(
        written
          .trimEnd()
          .split('\n')
          .map((l) => l.split(' ')[0])
          .sort(),
      ).toEqual([
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
        'CLIENT_TRAFFIC_SECRET_0',
        'EXPORTER_SECRET',
        'SERVER_HANDSHAKE_TRAFFIC_SECRET',
        'SERVER_TRAFFIC_SECRET_0',
      ]);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(stderr).toMatch(/SecurityWarning: keylog: TLS session secrets are being written to .*serve-keys\.log/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('serve --ticket-keys FILE refuses a file every user may read, and says how to fix it', async () => {
    const file = join(dir, 'readable.keys');
    await writeFile(file, randomBytes(48), { mode: 0o644 });
    await chmod(file, 0o644);
    const result = await rxtls(['serve', '--port', '0', '--self-signed', '--ticket-keys', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `rxtls: option "ticketKeys" names a file every user of this machine may read (mode 644): chmod 600 it (or 640 for a group), since the keys open every session they sealed (got "${file}")`,
    );
    expect(result.stdout).not.toMatch(/listening on/);
  });

  it('pin prints the SPKI pins of the chain, equal to what the openssl command computes, even for an untrusted server', async () => {
    const self = await pki.selfSigned();
    const port = await echoServer(self);
    const certFile = join(dir, 'self.pem');
    await writeFile(certFile, self.cert);
    const result = await rxtls(['pin', `localhost:${port}`]);
    expect(result.code).toBe(0);
    const { stdout: opensslPin } = await run('sh', [
      '-c',
      `openssl x509 -pubkey -noout -in ${certFile} | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
    ]);
    expect(result.stdout).toBe(
      `sha256/${opensslPin.trim()}  CN=localhost\nchain NOT verified against Node's root store: DEPTH_ZERO_SELF_SIGNED_CERT (self-signed certificate)\n`,
    );
  });

  it('--starttls smtp upgrades against a local STARTTLS server', async () => {
    const port = await startSmtpServer(await pki.leaf(), subscriptions);
    const result = await rxtls([
      'connect',
      `localhost:${port}`,
      '--starttls',
      'smtp',
      '--ca',
      caFile,
      '--send',
      'EHLO cli.test',
      '--send',
      'QUIT',
      '--idle',
      '0.5',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('— verified');
    expect(result.stdout).toContain('250 smtp.rxtls.test at your service, securely');
    expect(result.stdout).toContain('221 2.0.0 Bye');
  });

  it('talks to openssl s_server (-rev answers each line reversed)', async () => {
    const port = await freePort();
    const leaf = await pki.leaf();
    await writeFile(join(dir, 's.pem'), leaf.cert);
    await writeFile(join(dir, 's.key'), leaf.key);
    const server = spawn('openssl', [
      's_server',
      '-accept',
      String(port),
      '-naccept',
      '1',
      '-rev',
      '-cert',
      join(dir, 's.pem'),
      '-key',
      join(dir, 's.key'),
    ]);
    try {
      await new Promise<void>((resolve) => server.stdout.on('data', (c: Buffer) => c.toString().includes('ACCEPT') && resolve()));
      const result = await rxtls(['connect', `localhost:${port}`, '--ca', caFile, '--send', 'hello openssl', '--idle', '0.5']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('lssnepo olleh');
    } finally {
      server.kill();
    }
  });

  it('interactive: lines piped on stdin are sent, replies printed, end of input closes gracefully', async () => {
    const port = await echoServer();
    const child = spawn('node', [CLI, 'connect', `localhost:${port}`, '--ca', caFile], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('hello from the test server') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.stdin.write('typed by a person\n');
    while (!stdout.includes('typed by a person') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.stdin.end(); // Ctrl-D
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n').slice(-2)).toEqual(['* OK hello from the test server', 'typed by a person']);
  });

  it('gateway bridges a WebSocket client to an allowed TLS service, refuses others with 403, and stops on SIGTERM', async () => {
    const port = await echoServer();
    const child = spawn('node', [CLI, 'gateway', '--listen', '127.0.0.1:0', '--to', `localhost:${port}`, '--ca', caFile], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    try {
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const deadline = Date.now() + 10_000;
      while (!/listening on ws:\/\/127\.0\.0\.1:\d+\//.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const url = /listening on (ws:\/\/\S+)/.exec(stdout)?.[1] ?? '';
      const greeting = await firstValueFrom(
        connectWebSocket(url).pipe(
          lines(),
          filter((e) => e.type === 'line'),
          take(1),
        ),
      );
      expect(greeting).toEqual({ type: 'line', text: '* OK hello from the test server' });
      const refused = await firstValueFrom(connectWebSocket(`${url}?target=localhost:22`), { defaultValue: undefined }).catch(
        (e: unknown) => e,
      );
      expect((refused as Error).message).toMatch(/403/);
      while (!stdout.includes('refused') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stdout).toMatch(/#1 127\.0\.0\.1 → localhost:\d+ \(CN=localhost\)/);
      expect(stdout).toContain("refused 127.0.0.1: 403 target localhost:22 is not on the gateway's allow-list");
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
