import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { main } from '../../lib/cli/main';
import type { DoctorReport } from '../../lib/cli/doctor/report';
import { createTestPki, startTlsServer, type TestServer } from '../../lib/testing';
import { available, FIXTURES, type Fixture, type Kit, type RunningFixture } from './doctor-fixtures';

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

async function doctor(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const status = await main(['doctor', ...args], stdout, stderr);
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

let kit: Kit;
const subscriptions: Subscription[] = [];
const running = new Map<string, RunningFixture>();
const reports = new Map<string, { status: number; report: DoctorReport } | { failed: unknown }>();
const took = new Map<string, number>();
const runnable = FIXTURES.filter((f) => available(f) || process.env['RXTLS_REQUIRE_INTEROP'] === '1');

beforeAll(async () => {
  const pki = await createTestPki();
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-doctor-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
  kit = { pki, caFile, dir, subscriptions };
  // Every fixture at once: each is its own server on its own port, and the doctor's probes of one never touch another.
  await Promise.all(
    runnable.map(async (fixture) => {
      const began = Date.now();
      try {
        const started = await fixture.start(kit);
        running.set(fixture.name, started);
        const { status, stdout } = await doctor([...started.args, '--json']);
        reports.set(fixture.name, { status, report: JSON.parse(stdout) as DoctorReport });
        took.set(fixture.name, Date.now() - began);
      } catch (failed) {
        reports.set(fixture.name, { failed }); // its own test reports it
      }
    }),
  );
  const table = runnable.map((f) => {
    const run = reports.get(f.name);
    if (run === undefined || 'failed' in run) return { fixture: f.name, exit: '-', code: 'fixture failed', fix: String(run && run.failed) };
    const top = run.report.verdict.problems[0];
    return { fixture: f.name, exit: run.status, code: top?.code ?? '(none)', fix: top?.fix.slice(0, 70) ?? '' };
  });
  console.log(
    `rxtls doctor on ${table.length} broken servers:\n${table.map((r) => `${r.fixture.padEnd(56)} ${String(took.get(r.fixture) ?? '-').padStart(5)} ms  ${String(r.exit)}  ${r.code.padEnd(44)} ${r.fix}`).join('\n')}`,
  );
}, 60_000);

afterAll(async () => {
  subscriptions.splice(0).forEach((s) => s.unsubscribe());
  await Promise.all([...running.values()].map((r) => r.stop()));
  await rm(kit.dir, { recursive: true, force: true });
});

describe('rxtls doctor on broken servers', () => {
  it('has at least 15 fixtures, and runs them all here', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(15);
    expect(FIXTURES.filter((f) => !available(f)).map((f) => `${f.name}: apt-get install ${f.needs?.aptPackage ?? ''}`)).toEqual([]);
  });

  it.each(runnable.map((f): [string, Fixture] => [f.name, f]))('%s', (_name, fixture) => {
    const run = reports.get(fixture.name);
    if (run === undefined || 'failed' in run)
      throw run?.failed instanceof Error ? run.failed : new Error(`the fixture did not start: ${String(run?.failed)}`);
    const { status, report } = run;
    const [top] = report.verdict.problems;
    expect({ code: top?.code, exit: status }).toEqual({ code: fixture.expected.code, exit: fixture.expected.exit });
    expect(report.verdict.exitCode).toBe(status);
    expect(top?.cause).toMatch(fixture.expected.cause);
    expect(top?.fix).toMatch(fixture.expected.fix);
    if (fixture.expected.note) expect(top?.notes.join('\n')).toMatch(fixture.expected.note);
    if (fixture.expected.also)
      expect(report.verdict.problems.map((p) => p.code)).toEqual(expect.arrayContaining([...fixture.expected.also]));
    if (fixture.expected.wire) {
      // Read off the wire by the doctor's own parsers (TLS 1.3: decrypted), not node:tls's summary.
      const served =
        report.steps.find((s) => s.name === 'chain')?.facts['served'] ?? report.steps.find((s) => s.name === 'client-certificate')?.facts;
      expect(served).toMatchObject(
        report.steps.some((s) => s.name === 'chain')
          ? { status: 'read', complete: true, protocol: fixture.expected.wire }
          : { requested: true },
      );
    }
    // Never the advice the doctor exists to replace.
    for (const problem of report.verdict.problems)
      expect(`${problem.cause} ${problem.fix} ${problem.notes.join(' ')}`).not.toMatch(
        /REJECT_UNAUTHORIZED|rejectUnauthorized|insecure|verification off|--insecure/i,
      );
  });
});

describe('rxtls doctor: the report', () => {
  let good: TestServer;
  beforeAll(async () => {
    good = await startTlsServer(await kit.pki.leaf());
  });
  afterAll(() => good.close());

  it('--json is one versioned document: every step with its status and facts, and the verdict', async () => {
    const { status, stdout } = await doctor([`127.0.0.1:${good.port}`, '--servername', 'localhost', '--ca', kit.caFile, '--json']);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(report).toMatchObject({ version: 1, target: `127.0.0.1:${good.port}`, servername: 'localhost', starttls: null });
    expect(report.steps.map((s) => s.name)).toEqual([
      'dns',
      'tcp',
      'tls',
      'versions',
      'sni',
      'chain',
      'validity',
      'name',
      'client-certificate',
      'resumption',
    ]);
    const step = (name: string) => report.steps.find((s) => s.name === name);
    expect(step('tls')).toMatchObject({ status: 'ok', facts: { status: 'verified', protocol: 'TLSv1.3' } });
    expect(step('versions')?.facts['versions']).toEqual([
      { version: 'TLSv1', accepted: false, error: expect.objectContaining({ code: expect.any(String) }) },
      { version: 'TLSv1.1', accepted: false, error: expect.objectContaining({ code: expect.any(String) }) },
      { version: 'TLSv1.2', accepted: true },
      { version: 'TLSv1.3', accepted: true },
    ]);
    expect(step('chain')?.facts['certificates']).toEqual([
      expect.objectContaining({
        subject: 'CN=localhost',
        keyType: 'ec',
        keyBits: 256,
        signatureAlgorithm: 'ecdsa-with-SHA256',
        selfIssued: false,
      }),
      // Node completes the chain with the root from the trust store
      expect.objectContaining({ subject: 'CN=rxtls test root CA', isCA: true, selfIssued: true }),
    ]);
    expect(step('chain')?.facts['anchor']).toEqual({ subject: 'CN=rxtls test root CA', public: false });
    // The chain as served, read off the wire (TLS 1.3: decrypted): the leaf alone, tidy.
    expect(step('chain')?.facts['served']).toEqual({
      status: 'read',
      complete: true,
      protocol: 'TLSv1.3',
      certificates: [expect.objectContaining({ subject: 'CN=localhost', issuer: 'CN=rxtls test root CA', selfSigned: false, isCA: false })],
      faults: { path: [0], outOfOrder: false, duplicates: [], unrelated: [] },
    });
    expect(step('client-certificate')).toMatchObject({ status: 'ok', facts: { required: false, requested: false } });
    expect(step('resumption')).toMatchObject({ status: 'ok', facts: { status: 'resumed' } });
    // A private root is all there is to say of it: a warning, and the exit status of a verified connection.
    expect(report.verdict).toMatchObject({ status: 'warning', exitCode: 0 });
    expect(report.verdict.problems.map((p) => p.code)).toEqual(['ERR_RXTLS_PRIVATE_ROOT']);
    expect(status).toBe(0);
  });

  it('prints steps and the verdict as text, and takes --starttls', async () => {
    const smtp = FIXTURES.find((f) => f.name.startsWith('STARTTLS required (SMTP'));
    const started = await (smtp as Fixture).start(kit);
    const { status, stdout } = await doctor([...started.args, '--starttls', 'smtp', '--ca', kit.caFile, '--servername', 'localhost']);
    expect(stdout).toMatch(/^rxtls doctor 127\.0\.0\.1:\d+ \(servername localhost\) --starttls smtp\n/);
    expect(stdout).toMatch(/^ {2}tls +ok +TLSv1\.3, TLS_\w+: verified$/m);
    expect(stdout).toMatch(/^verdict: it works, with 1 warning \(exit 0\)$/m);
    expect(status).toBe(0);
  });

  it('is listed by rxtls --help, and doctor --help prints its usage', async () => {
    const stdout = capture();
    expect(await main(['--help'], stdout, capture())).toBe(0);
    expect(stdout.text()).toMatch(/^ {2}doctor HOST\[:PORT\] +probe step by step/m);
    const help = await doctor(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: rxtls doctor HOST\[:PORT\]/);
    expect(help.stdout).toMatch(/--timeout SECONDS +bound of each probe \(default 5\)/);
  });

  it('refuses bad arguments with the usage', async () => {
    expect(await doctor(['--timeout', 'soon', 'example.com'])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/--timeout must be a positive number of seconds/),
    });
    expect(await doctor(['a', 'b'])).toMatchObject({ status: 1, stderr: expect.stringMatching(/exactly one HOST\[:PORT\]/) });
    expect(await doctor(['x', '--starttls', 'gopher'])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/--starttls must be one of/),
    });
  });
});
