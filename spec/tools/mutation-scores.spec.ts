import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '..', '..', 'tools', 'mutation-scores.js');

/** A Stryker JSON report whose files hold mutants of the given statuses. */
const report = (files: Record<string, string[]>) => ({
  files: Object.fromEntries(Object.entries(files).map(([file, statuses]) => [file, { mutants: statuses.map((status) => ({ status })) }])),
});

describe('tools/mutation-scores.js', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'rxtls-scores-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs the script on the reports; returns its output and exit status. */
  async function scores(...reports: object[]): Promise<{ output: string; status: number }> {
    const files = await Promise.all(
      reports.map(async (r, i) => {
        const file = join(dir, `report-${i}.json`);
        await writeFile(file, JSON.stringify(r));
        return file;
      }),
    );
    try {
      return { output: execFileSync(process.execPath, [script, '--break', '85', ...files], { encoding: 'utf8' }), status: 0 };
    } catch (error) {
      const { stdout, status } = error as { stdout: string; status: number };
      return { output: stdout, status };
    }
  }

  it('sums each folder over its files and the reports, counting killed and timed-out as detected, ignoring what did not run', async () => {
    const { output, status } = await scores(
      report({ 'lib/a/x.ts': ['Killed', 'Timeout', 'Survived', 'CompileError', 'Ignored'], 'lib/b.ts': ['Killed'] }),
      report({ 'lib/a/y.ts': ['Killed', 'Killed', 'Killed', 'Killed', 'Killed', 'NoCoverage', 'RuntimeError'] }),
    );
    expect(output.split('\n').filter(Boolean)).toEqual([
      'Mutation score per folder (break at 85):',
      'lib    100.00%      1 detected     0 undetected',
      'lib/a   77.78%      7 detected     2 undetected  BELOW 85',
      'all     80.00%      8 detected     2 undetected  BELOW 85',
    ]);
    expect(status).toBe(1);
  });

  it('passes when every folder reaches the break threshold, exactly or above', async () => {
    const atBreak = [...Array<string>(17).fill('Killed'), 'Survived', 'Survived', 'NoCoverage'];
    const { output, status } = await scores(report({ 'lib/a/x.ts': atBreak, 'lib/b/y.ts': ['Killed'] }));
    expect(output).toContain('lib/a   85.00%');
    expect(output).not.toContain('BELOW');
    expect(status).toBe(0);
  });
});
