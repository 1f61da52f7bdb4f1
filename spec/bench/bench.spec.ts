/**
 * A smoke run of every section of `npm run bench` (tiny sizes, one run): the bench cannot rot.
 * It asserts that each section runs to the end and reports its ratios, never what they are:
 * timings belong to the bench, not to tests on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { sections } from '../../bench/sections';

const root = join(__dirname, '..', '..');

function bench(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

describe('npm run bench', () => {
  it('runs every section in a smoke run and reports each ratio', () => {
    const run = bench('--smoke');
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    for (const section of sections) {
      const report = run.stdout.split(`[${section.name}]`)[1]?.split(/\n\[|\nsummary/)[0] ?? '';
      // Every ratio line: a label, then ×median (min–max), or n/a when a baseline measured zero.
      expect(report).toMatch(/ (×\d+\.\d\d \(-?\d+\.\d\d–-?\d+\.\d\d\)|n\/a \(a baseline measured zero\))/);
    }
    expect(run.stdout).toMatch(/^summary/m);
  }, 300_000);

  it('names the sections it has when asked for one it has not', () => {
    const run = bench('--smoke', 'no-such-section');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`unknown bench section no-such-section: choose from ${sections.map((s) => s.name).join(', ')}`);
  });
});
