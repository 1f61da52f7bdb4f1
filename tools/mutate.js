// @ts-check
/**
 * `npm run mutate [-- STRYKER_OPTIONS]`: StrykerJS over the pure core, one group of
 * tools/mutation-groups.js after the other (RXTLS_MUTATION_GROUP=NAME runs only that one), then
 * the mutation score of each folder. Exits 1 when a run failed or a folder is below the break
 * threshold. Stryker needs Node >= 22: on an older Node, the runs go through the npm registry's
 * `node@24` package (`npx -y node@24`), so `npm run mutate` works from Node 20 too.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { forgetStaticSurvivors } = require('./forget-static-survivors.js');
const { MUTATION_GROUPS, filesUnder, incrementalFile, matches, reportFile } = require('./mutation-groups.js');
const { folderScores, formatScores } = require('./mutation-scores.js');

const root = join(__dirname, '..');
const stryker = join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const supported = Number(process.versions.node.split('.')[0]) >= 22;
const [command, ...prefix] = supported ? [process.execPath] : ['npx', '-y', 'node@24'];
const only = process.env.RXTLS_MUTATION_GROUP;
const groups = MUTATION_GROUPS.filter((g) => only === undefined || g.name === only);
if (groups.length === 0) throw new Error(`RXTLS_MUTATION_GROUP=${only}: no such group in tools/mutation-groups.js`);
if (!supported) console.log(`Node ${process.version} is too old for StrykerJS: running it with npx -y node@24`);

const failed = [];
/** Forgets the group's static survivors when its specs changed (tools/forget-static-survivors.js). */
function refreshStaticSurvivors(/** @type {{ name: string, specs: string[] }} */ group) {
  const file = join(root, incrementalFile(group.name));
  if (!existsSync(file)) return;
  const paths = filesUnder('spec').filter((path) => group.specs.some((glob) => matches(glob, path)));
  const specs = new Map(paths.map((path) => [path, readFileSync(join(root, path), 'utf8')]));
  const { report, forgotten } = forgetStaticSurvivors(JSON.parse(readFileSync(file, 'utf8')), specs);
  if (forgotten === 0) return;
  writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`its specs changed: ${forgotten} static mutants that were not killed are tested again`);
}

for (const group of groups) {
  const { name } = group;
  console.log(`\n=== mutation group ${name}`);
  refreshStaticSurvivors(group);
  const started = Date.now();
  const run = spawnSync(command, [...prefix, stryker, 'run', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RXTLS_MUTATION_GROUP: name },
  });
  console.log(`=== mutation group ${name}: exit ${run.status ?? run.signal}, ${Math.round((Date.now() - started) / 1000)} s`);
  if (run.status !== 0) failed.push(name);
}

const reports = groups.map((g) => join(root, reportFile(g.name))).filter((file) => existsSync(file));
const scores = folderScores(reports.map((file) => JSON.parse(readFileSync(file, 'utf8'))));
const breakAt = require('../stryker.config.js').thresholds.break;
console.log(`\n${formatScores(scores, breakAt)}`);
if (failed.length > 0) console.log(`Stryker failed (or scored below ${breakAt}) for: ${failed.join(', ')}`);
process.exitCode = failed.length > 0 || scores.some((s) => s.score < breakAt) ? 1 : 0;
