import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The layering of ARCHITECTURE.md is enforced by `npm run lint:deps` (part of `npm test`). These
 * specs show the check can fail: the same configuration, run over a small house with one upward
 * import, reports it by rule name.
 */
describe('the dependency check', () => {
  const root = join(__dirname, '..');
  const depcruise = (cwd: string, target: string) =>
    spawnSync(
      process.execPath,
      [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), target, '--config', join(root, '.dependency-cruiser.js')],
      {
        cwd,
        encoding: 'utf8',
      },
    );

  it('passes over lib/', () => {
    const run = depcruise(root, 'lib');
    expect(run.stdout).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });

  it('fails on an upward import, naming the rule and both files', () => {
    const run = depcruise(join(__dirname, 'fixtures/house'), 'lib');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('transport-imports-only-below: lib/transport/upward.ts → lib/client/dial.ts');
  });
});
