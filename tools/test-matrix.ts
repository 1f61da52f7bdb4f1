/**
 * `npm run test:matrix`: the whole jest suite on each supported Node line, and once with RxJS 8,
 * then a table of Node × RxJS → passed/failed. Other Node lines come from the npm registry's
 * `node@N` package (through `npx`), so nothing is downloaded from anywhere else.
 *
 *   npm run test:matrix                          # Node 20, 22, 24, 26 with RxJS 7, and RxJS 8 on Node 24
 *   npm run test:matrix -- --node 22,24,26       # only these lines (CI: Node 20 ran as `npm test`)
 *   npm run test:matrix -- --rxjs8 none          # skip the RxJS 8 run (or --rxjs8 26: run it on Node 26)
 *
 * RxJS 8 is the dev dependency `rxjs-8` (an alias of the current 8.0.0 alpha: `^8.0.0` does not
 * match a prerelease). For its run `node_modules/rxjs` is swapped for it and put back afterwards,
 * and the library is type-checked against RxJS 8's types as well.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUPPORTED_NODE_LINES = ['20', '22', '24', '26'];
const RXJS8_DEFAULT_NODE_LINE = '24';

interface Row {
  node: string;
  rxjs: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  note: string;
}

const root = join(__dirname, '..');
const modules = join(root, 'node_modules');
const saved = join(modules, '.rxjs-7-matrix-saved');
const logs = mkdtempSync(join(tmpdir(), 'rxtls-matrix-'));

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return (at >= 0 ? process.argv[at + 1] : undefined) ?? fallback;
}

/** The command that runs `node` of one line, and its first arguments: this process's own binary when it is of that line. */
function nodeOf(line: string): [string, string[]] {
  return process.versions.node.split('.')[0] === line ? [process.execPath, []] : ['npx', ['-y', `node@${line}`]];
}

function versionOf(line: string): string {
  const [command, args] = nodeOf(line);
  const result = spawnSync(command, [...args, '--version'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not run Node ${line} from the registry's node@${line} package: ${result.stderr}`);
  return result.stdout.trim();
}

/** The first lines of a failure message, indented under its test. */
function indented(message: string, lines = 30): string {
  return message
    .split('\n')
    .slice(0, lines)
    .map((line) => `      ${line}`)
    .join('\n');
}

/** Runs the suite once; its output goes to a log file, named on failure. */
async function runJest(line: string, rxjs: string): Promise<Row> {
  const name = `node${line}-rxjs${rxjs.split('.')[0]}`;
  const report = join(logs, `${name}.json`);
  const log = join(logs, `${name}.log`);
  const [command, args] = nodeOf(line);
  const version = versionOf(line);
  console.log(`\n▶ Node ${version}, RxJS ${rxjs}: jest (log: ${log})`);
  const started = Date.now();
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(command, [...args, join(modules, '.bin', 'jest'), '--ci', '--json', `--outputFile=${report}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (code) => {
      writeFileSync(log, Buffer.concat(chunks));
      resolve(code);
    });
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (!existsSync(report))
    return { node: version, rxjs, passed: 0, failed: 0, skipped: 0, seconds, note: `jest did not report (exit ${status})` };
  const result = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numFailedTestSuites: number;
    testResults: Array<{
      name: string;
      status: string;
      message: string;
      assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
    }>;
  };
  // The log is in a temporary directory a CI machine throws away: what failed, and why, goes to the output.
  for (const suite of result.testResults) {
    for (const test of suite.assertionResults)
      if (test.status === 'failed') {
        console.log(`  ✕ ${suite.name.replace(root + '/', '')}: ${test.fullName}`);
        console.log(indented(test.failureMessages.join('\n')));
      }
    if (suite.status === 'failed' && suite.assertionResults.length === 0) console.log(indented(suite.message));
  }
  const brokenSuites = result.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
  const note = brokenSuites > 0 ? `${brokenSuites} suite(s) failed to run` : status === 0 ? '' : `exit ${status}`;
  return {
    node: version,
    rxjs,
    passed: result.numPassedTests,
    failed: result.numFailedTests + brokenSuites,
    skipped: result.numPendingTests,
    seconds,
    note,
  };
}

/** Puts RxJS 8 where `rxjs` is resolved from, for the length of `body`. */
async function withRxjs8<T>(body: () => Promise<T>): Promise<T> {
  const current = join(modules, 'rxjs');
  renameSync(current, saved);
  symlinkSync('rxjs-8', current);
  try {
    return await body();
  } finally {
    rmSync(current);
    renameSync(saved, current);
  }
}

function rxjsVersion(): string {
  return (JSON.parse(readFileSync(join(modules, 'rxjs', 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  // A run that was killed half-way leaves RxJS 8 in place: put RxJS 7 back first.
  if (existsSync(saved)) {
    rmSync(join(modules, 'rxjs'), { force: true });
    renameSync(saved, join(modules, 'rxjs'));
  }
  const lines = option('node', SUPPORTED_NODE_LINES.join(',')).split(',').filter(Boolean);
  const rxjs8Line = option('rxjs8', RXJS8_DEFAULT_NODE_LINE);
  const rows: Row[] = [];
  for (const line of lines) rows.push(await runJest(line, rxjsVersion()));
  if (rxjs8Line !== 'none') {
    rows.push(
      await withRxjs8(async () => {
        const typecheck = spawnSync(join(modules, '.bin', 'tsc'), ['--noEmit'], { cwd: root, encoding: 'utf8' });
        if (typecheck.status !== 0) console.log(typecheck.stdout);
        const row = await runJest(rxjs8Line, rxjsVersion());
        return typecheck.status === 0
          ? { ...row, note: [row.note, 'types check'].filter(Boolean).join('; ') }
          : { ...row, failed: row.failed + 1, note: [row.note, 'tsc failed against RxJS 8 types'].filter(Boolean).join('; ') };
      }),
    );
  }
  console.log('\n| Node | RxJS | passed | failed | skipped | time | note |\n| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.node} | ${r.rxjs} | ${r.passed} | ${r.failed} | ${r.skipped} | ${r.seconds} s | ${r.note} |`);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const broken = rows.filter((r) => r.passed === 0).length;
  console.log(`\nmatrix: ${passed} passed, ${failed} failed`);
  if (failed > 0 || broken > 0) process.exitCode = 1;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
