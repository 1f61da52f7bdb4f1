// @ts-check
/**
 * The mutation score of each folder, from Stryker's JSON reports (Stryker's clear-text table
 * gives one per file and one per run; a folder's files may be mutated in different runs).
 * `node tools/mutation-scores.js [--break N] REPORT.json…` prints the table and exits 1 when a
 * folder, or all of them together, is below N (default: the break threshold of stryker.config.js).
 */
const { readFileSync } = require('node:fs');
const { dirname } = require('node:path');

// Stryker's score: detected (killed or timed out) among all valid mutants; ignored ones and
// those that did not compile or crashed the test run do not count.
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/**
 * @param {Array<{ files: Record<string, { mutants: Array<{ status: string }> }> }>} reports
 * @returns {Array<{ folder: string, detected: number, undetected: number, score: number }>} the folders by name, then `all`
 */
function folderScores(reports) {
  /** @type {Map<string, { detected: number, undetected: number }>} */
  const folders = new Map();
  const all = { detected: 0, undetected: 0 };
  for (const report of reports) {
    for (const [file, { mutants }] of Object.entries(report.files)) {
      const folder = folders.get(dirname(file)) ?? { detected: 0, undetected: 0 };
      folders.set(dirname(file), folder);
      for (const { status } of mutants) {
        for (const counts of [folder, all]) {
          if (DETECTED.has(status)) counts.detected += 1;
          if (UNDETECTED.has(status)) counts.undetected += 1;
        }
      }
    }
  }
  const score = (/** @type {{ detected: number, undetected: number }} */ c) =>
    c.detected + c.undetected === 0 ? 100 : (100 * c.detected) / (c.detected + c.undetected);
  return [...[...folders].sort(([a], [b]) => a.localeCompare(b)), /** @type {const} */ (['all', all])].map(([folder, counts]) => ({
    folder,
    ...counts,
    score: score(counts),
  }));
}

/** @param {ReturnType<typeof folderScores>} scores @param {number} breakAt */
function formatScores(scores, breakAt) {
  const width = Math.max(...scores.map((s) => s.folder.length));
  const rows = scores.map(
    (s) =>
      `${s.folder.padEnd(width)}  ${s.score.toFixed(2).padStart(6)}%  ${String(s.detected).padStart(5)} detected  ${String(s.undetected).padStart(4)} undetected${s.score < breakAt ? `  BELOW ${breakAt}` : ''}`,
  );
  return [`Mutation score per folder (break at ${breakAt}):`, ...rows].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--break');
  const breakAt = at === -1 ? require('../stryker.config.js').thresholds.break : Number(args.splice(at, 2)[1]);
  const scores = folderScores(args.map((file) => JSON.parse(readFileSync(file, 'utf8'))));
  console.log(formatScores(scores, breakAt));
  if (scores.some((s) => s.score < breakAt)) process.exitCode = 1;
}

module.exports = { folderScores, formatScores };
