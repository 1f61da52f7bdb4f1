/**
 * `npm run test:runtimes`: the runtime smoke (`tools/runtime-smoke.ts`) under Node (the
 * reference), Bun and Deno, then one table: feature × runtime → pass / fail / unsupported. Bun and
 * Deno come from the npm registry's `bun` and `deno` packages through `npx`, at the versions
 * pinned below; nothing is downloaded from anywhere else.
 *
 *   npm run test:runtimes                  # every run below
 *   npm run test:runtimes -- --only deno   # runs whose name starts with one of these (comma-separated)
 *
 * Bun runs twice: with rxtls's defaults, and with `tls: { ciphers: 'DEFAULT' }` on every client
 * connection — the way on that rxtls's refusal names, since Bun's BoringSSL has no security levels.
 * The exit status is 1 when a row failed or a run gave no report.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { SmokeReport, SmokeStatus } from './runtime-smoke';

/** The runtime versions the compatibility table is measured on: the one place they are pinned. */
export const RUNTIME_VERSIONS = { bun: '1.4.5', deno: '2.9.6' } as const;

/** How long one run may take before it is stopped. */
const RUN_DEADLINE_MS = 5 * 60_000;

const root = join(__dirname, '..');
const smoke = join('tools', 'runtime-smoke.ts');

interface Run {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const RUNS: readonly Run[] = [
  { name: 'node', command: join(root, 'node_modules', '.bin', 'tsx'), args: [smoke] },
  { name: 'bun', command: 'npx', args: ['-y', `bun@${RUNTIME_VERSIONS.bun}`, smoke] },
  { name: 'bun+ciphers', command: 'npx', args: ['-y', `bun@${RUNTIME_VERSIONS.bun}`, smoke, '--tls-ciphers', 'DEFAULT'] },
  // --sloppy-imports: the sources' imports have no extension ('./connect'), as tsc and Node's CommonJS want.
  { name: 'deno', command: 'npx', args: ['-y', `deno@${RUNTIME_VERSIONS.deno}`, 'run', '-A', '--sloppy-imports', smoke] },
];

interface Outcome {
  readonly run: Run;
  readonly report: SmokeReport | undefined;
  readonly seconds: number;
  readonly note: string;
}

/** Runs the smoke once with `--json`, in its own process group so that a stuck run can be stopped whole. */
function measure(run: Run): Promise<Outcome> {
  const started = Date.now();
  console.log(`▶ ${run.name}: ${[run.command.replace(`${root}/`, ''), ...run.args, '--json'].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(run.command, [...run.args, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let stopped = false;
    const timer = setTimeout(() => {
      stopped = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, RUN_DEADLINE_MS);
    const finish = (status: number | null, failure?: Error) => {
      clearTimeout(timer);
      const seconds = Math.round((Date.now() - started) / 1000);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const json = stdout.split('\n').find((l) => l.startsWith('{'));
      let report: SmokeReport | undefined;
      try {
        report = json === undefined ? undefined : (JSON.parse(json) as SmokeReport);
      } catch {
        report = undefined;
      }
      const last = stderr.split('\n').slice(-3).join(' / ');
      const note = failure
        ? `could not start: ${failure.message}`
        : stopped
          ? `stopped after ${RUN_DEADLINE_MS / 1000} s`
          : report === undefined
            ? `no report (exit ${status}): ${last}`
            : status === 3
              ? 'did not exit by itself'
              : '';
      resolve({ run, report, seconds, note });
    };
    child.once('error', (error) => finish(null, error));
    child.once('close', (status) => finish(status));
  });
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--only');
  const only = at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : [];
  const runs = RUNS.filter((r) => only.length === 0 || only.some((prefix) => r.name.startsWith(prefix)));
  const outcomes: Outcome[] = [];
  for (const run of runs) outcomes.push(await measure(run));

  const features = [...new Set(outcomes.flatMap((o) => o.report?.rows.map((r) => r.feature) ?? []))];
  // A detail shared by several cells (one refusal behind a whole column) is printed once.
  const notes: string[] = [];
  const cell = (o: Outcome, feature: string): string => {
    const row = o.report?.rows.find((r) => r.feature === feature);
    if (!row) return '—';
    if (row.status === 'pass') return 'pass';
    if (!notes.includes(row.detail)) notes.push(row.detail);
    return `${row.status} [${notes.indexOf(row.detail) + 1}]`;
  };
  const heading = outcomes.map((o) => o.report?.runtime ?? o.run.name);
  console.log(`\n| feature | ${heading.join(' | ')} |\n| --- | ${heading.map(() => '---').join(' | ')} |`);
  for (const feature of features) console.log(`| ${feature} | ${outcomes.map((o) => cell(o, feature)).join(' | ')} |`);
  console.log(`| time | ${outcomes.map((o) => `${o.seconds} s`).join(' | ')} |`);
  for (const [i, note] of notes.entries()) console.log(`\n[${i + 1}] ${note}`);
  for (const o of outcomes) if (o.note) console.log(`\n${o.run.name}: ${o.note}`);

  const count = (status: SmokeStatus) => outcomes.reduce((n, o) => n + (o.report?.rows.filter((r) => r.status === status).length ?? 0), 0);
  const broken = outcomes.filter((o) => o.note !== '').length;
  console.log(
    `\nruntimes: ${count('pass')} passed, ${count('fail')} failed, ${count('unsupported')} unsupported${broken ? `, ${broken} run(s) broken` : ''}`,
  );
  if (count('fail') > 0 || broken > 0) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
