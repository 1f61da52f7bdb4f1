// @ts-check
const { compilerOptions } = require('./tsconfig.json');
const { MUTATION_GROUPS, incrementalFile, reportFile } = require('./tools/mutation-groups.js');

/**
 * StrykerJS over the pure core (issue 22). `npm run mutate` (tools/mutate.js) runs one group of
 * tools/mutation-groups.js at a time, naming it in RXTLS_MUTATION_GROUP; without it, this is
 * every group in one (slower) run. Stryker needs Node >= 22.
 */
const selected = process.env.RXTLS_MUTATION_GROUP;
const groups = selected ? MUTATION_GROUPS.filter((g) => g.name === selected) : MUTATION_GROUPS;
if (groups.length === 0) throw new Error(`RXTLS_MUTATION_GROUP=${selected}: no such group in tools/mutation-groups.js`);
const name = selected ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
module.exports = {
  testRunner: 'jest',
  plugins: ['@stryker-mutator/jest-runner'],
  mutate: groups.flatMap((g) => g.mutate),
  jest: {
    configFile: 'jest.config.js',
    // Jest's own guess runs every spec: they all import lib/index.ts. perTest coverage picks the tests.
    enableFindRelatedTests: false,
    config: {
      testMatch: groups.flatMap((g) => g.specs.map((spec) => `<rootDir>/${spec}`)),
      setupFiles: ['<rootDir>/tools/mutation-setup.ts'],
      // A mutant that stalls a loopback spec fails it here, well before Stryker's own timeout
      // below, which would cost a restart of the test runner (the slowest spec takes ~1 s).
      testTimeout: 5000,
      // Transpile only: type-checking is npm test's job, and a worker restarted after a timed-out
      // mutant would otherwise build the whole TypeScript program again.
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { ...compilerOptions, isolatedModules: true }, diagnostics: false }] },
    },
  },
  coverageAnalysis: 'perTest',
  timeoutMS: 10000,
  concurrency: 2,
  thresholds: { high: 90, low: 85, break: 85 },
  incremental: true,
  incrementalFile: incrementalFile(name),
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  clearTextReporter: { allowColor: false, logTests: false },
  jsonReporter: { fileName: reportFile(name) },
  htmlReporter: { fileName: reportFile(name).replace(/json$/, 'html') },
  // Build output is not copied into the sandbox (the API reference alone is thousands of files).
  ignorePatterns: ['/docs/api', '/dist', '/reports', '/coverage'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
