// @ts-check
/**
 * Stryker's incremental mode reuses the result of a mutant that was not killed when no new test
 * covers it and no covering test changed. It knows what covers a mutant from per-test coverage,
 * and a static mutant (one that runs when a module loads, such as a constant) has none: its
 * `Survived` is reused however the specs change, and a spec written to kill it never gets the
 * chance. So before a group's run, when its spec files differ from the ones the incremental file
 * recorded, its static mutants that were not killed are forgotten, and Stryker tests them again.
 */

/**
 * @typedef {{ status: string, static?: boolean }} MutantResult
 * @typedef {{ files: Record<string, { mutants: MutantResult[] }>, testFiles?: Record<string, { source?: string }> }} IncrementalReport
 */

/**
 * `report` without the static mutants that were not killed, when one of `specs` (path to current
 * source) is new or differs from what `report` recorded; else `report` itself.
 *
 * @param {IncrementalReport} report
 * @param {ReadonlyMap<string, string>} specs
 * @returns {{ report: IncrementalReport, forgotten: number }}
 */
function forgetStaticSurvivors(report, specs) {
  const recorded = report.testFiles ?? {};
  // A spec that was removed kills nothing new; Stryker keeps such entries, so they are not compared.
  if ([...specs].every(([path, source]) => recorded[path]?.source === source)) return { report, forgotten: 0 };
  let forgotten = 0;
  const files = Object.fromEntries(
    Object.entries(report.files).map(([path, file]) => {
      const mutants = file.mutants.filter((m) => !(m.static === true && m.status !== 'Killed'));
      forgotten += file.mutants.length - mutants.length;
      return [path, { ...file, mutants }];
    }),
  );
  return { report: { ...report, files }, forgotten };
}

module.exports = { forgetStaticSurvivors };
