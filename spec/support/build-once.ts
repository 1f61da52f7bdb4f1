import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const STAMP = join(ROOT, 'node_modules', '.cache', 'rxtls-build-stamp');
const LOCK = join(ROOT, 'node_modules', '.cache', 'rxtls-build.lock');

/** Whose build dist/ holds, if anyone's. */
const stamped = () => readFile(STAMP, 'utf8').catch(() => undefined);

/**
 * Builds the package (`npm run build`, into dist/) once per jest run, for the specs that run the
 * built command or pack it: the first to ask builds, under a lock, and the others wait for it,
 * so that no spec reads dist/ while another rebuilds it. The run is named by RXTLS_JEST_RUN,
 * which tools/jest-global-setup.js sets; without it (a spec run some other way) every call
 * builds.
 */
export async function buildOnce(): Promise<void> {
  const id = process.env['RXTLS_JEST_RUN'];
  if (id === undefined) {
    await run('npm', ['run', 'build'], { cwd: ROOT });
    return;
  }
  const deadline = Date.now() + 240_000;
  await mkdir(join(LOCK, '..'), { recursive: true });
  while ((await stamped()) !== id) {
    if (Date.now() > deadline) throw new Error(`waited 240 s for another spec's build of dist/ (lock ${LOCK})`);
    try {
      await mkdir(LOCK);
    } catch {
      // Another spec of this run builds; a lock a finished or crashed run left behind names another run.
      const owner: string = await readFile(join(LOCK, 'run'), 'utf8').catch(() => id);
      if (owner !== id) await rm(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      await writeFile(join(LOCK, 'run'), id);
      if ((await stamped()) !== id) {
        await run('npm', ['run', 'build'], { cwd: ROOT });
        await writeFile(STAMP, id);
      }
    } finally {
      await rm(LOCK, { recursive: true, force: true });
    }
  }
}
