import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { describeWithTinyproxy, startRecordingRelay, startTinyproxy, type RecordingRelay, type RunningProxy } from '../interop/tinyproxy';

// `rxtls connect --proxy URL` and `--proxy env` through a real tinyproxy to a loopback TLS echo
// server, with a relay of our own behind the proxy recording what it passed on.

const PLAINTEXT = 'the secret cli line 0c41d7';
const USER = 'rxtls-cli-user';
const PASSWORD = 'Pw-CLI-6Hn2-unique';
const ROOT = join(__dirname, '..', '..');

/** A stream that keeps what is written. */
function capture(): NodeJS.WriteStream & { text(): string } {
  let text = '';
  return {
    isTTY: false,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    text: () => text,
  } as unknown as NodeJS.WriteStream & { text(): string };
}

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `rxtls ARGS`, in process. */
async function rxtls(args: readonly string[]): Promise<Run> {
  const stdout = capture();
  const stderr = capture();
  const status = await main([...args], stdout, stderr);
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

/** `rxtls ARGS` as a child process (from the sources, through tsx) with these environment variables. */
function rxtlsChild(args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  const clean: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(https?|all|no)_proxy$/i.test(name)),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'lib', 'cli', 'main.ts'), ...args],
      { cwd: ROOT, env: { ...clean, NO_COLOR: '1', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: error ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
      },
    );
  });
}

let pki: TestPki;
let dir: string;
let caFile: string;
let target: TestServer;
let relay: RecordingRelay;
beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-cli-proxy-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
  target = await startTlsServer({ ...(await pki.leaf()), echo: true });
  relay = await startRecordingRelay(target.port);
});
afterAll(async () => {
  await relay?.close();
  await target?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The arguments of a session that says PLAINTEXT to the relay (hence the target) and prints the echo. */
const session = (proxy: string, ...more: string[]) => [
  'connect',
  `localhost:${relay.port}`,
  '--ca',
  caFile,
  '--proxy',
  proxy,
  '--send',
  PLAINTEXT,
  '--idle',
  '0.3',
  ...more,
];

/** From behind the proxy, for each connection it relayed since `mark`: TLS records only. */
function expectOnlyCiphertextRelayed(mark: number): void {
  const relayed = relay.sessions.slice(mark);
  expect(relayed).toHaveLength(1);
  for (const direction of relayed.flatMap((s) => [s.toTarget, s.fromTarget])) {
    const bytes = Buffer.concat(direction);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes[0]).toBe(0x16);
    for (const visible of [PLAINTEXT, 'secret', USER, PASSWORD]) expect(bytes.includes(Buffer.from(visible))).toBe(false);
  }
}

describeWithTinyproxy('rxtls connect --proxy (through tinyproxy)', () => {
  let open: RunningProxy;
  let guarded: RunningProxy;
  beforeAll(async () => {
    open = await startTinyproxy({ connectPorts: [relay.port] });
    guarded = await startTinyproxy({ connectPorts: [relay.port], basicAuth: { user: USER, password: PASSWORD } });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('--proxy URL: exit 0, the verified summary and the echo printed, the proxy relayed only ciphertext', async () => {
    const mark = relay.sessions.length;
    const run = await rxtls(session(`http://127.0.0.1:${open.port}`));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`localhost:${relay.port}`);
    expect(run.stdout.split('\n')).toContain(PLAINTEXT);
    expectOnlyCiphertextRelayed(mark);
  });

  it('--proxy with BasicAuth and --json: exit 0, and the password is nowhere in the output', async () => {
    const mark = relay.sessions.length;
    const run = await rxtls(session(`http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}`, '--json'));
    expect(run.status).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; text?: string });
    expect(events.map((e) => e.type)).toEqual(['connected', 'line', 'closed']);
    expect(events[1]?.text).toBe(PLAINTEXT);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stdout + run.stderr).not.toContain(USER);
    expectOnlyCiphertextRelayed(mark);
  });

  it.each([
    ['a wrong password', () => `http://${USER}:${PASSWORD}-wrong@127.0.0.1:${guarded.port}`],
    ['no credentials', () => `http://127.0.0.1:${guarded.port}`],
  ])('a proxy refusing the auth (%s): exit 1, an error naming the proxy hop and its status, no password shown', async (_what, url) => {
    const mark = relay.sessions.length;
    const run = await rxtls(session(url()));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^rxtls: localhost:${relay.port}: proxy http://127\\.0\\.0\\.1:${guarded.port} .*status 40[17]`));
    expect(run.stderr).toMatch(/why: .*\n.*fix: /);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stdout + run.stderr).not.toContain(USER);
    expect(relay.sessions.slice(mark)).toHaveLength(0);
  });

  it('a malformed --proxy: exit 1, the option named, the password hidden', async () => {
    const run = await rxtls(session(`ftp://${USER}:${PASSWORD}@127.0.0.1:${open.port}`));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^rxtls: option "proxy" must be a URL .*the scheme "ftp" is not one of them \(got "ftp:\/\/\*\*\*@127/);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stdout + run.stderr).not.toContain(USER);
  });

  it('--proxy env, with HTTPS_PROXY (and its credentials) in the child’s environment: exit 0, through the proxy', async () => {
    const mark = relay.sessions.length;
    const run = await rxtlsChild(session('env'), {
      HTTPS_PROXY: `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}`,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toContain(PLAINTEXT);
    expect(run.stdout).not.toContain(PASSWORD);
    expectOnlyCiphertextRelayed(mark);
  }, 40_000);

  it('--proxy env with the target on NO_PROXY: exit 0, reached directly although HTTPS_PROXY names a dead proxy', async () => {
    const mark = relay.sessions.length;
    const direct = ['connect', `localhost:${target.port}`, '--ca', caFile, '--proxy', 'env', '--send', PLAINTEXT, '--idle', '0.3'];
    const run = await rxtlsChild(direct, { HTTPS_PROXY: 'http://127.0.0.1:1', NO_PROXY: 'example.org,localhost' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toContain(PLAINTEXT);
    expect(relay.sessions.slice(mark)).toHaveLength(0);
  }, 40_000);
});
