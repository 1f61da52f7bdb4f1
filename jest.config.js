/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  testTimeout: 30000,
  // Names the run, so that the specs that need dist/ build it once between them (spec/support/build-once.ts).
  globalSetup: '<rootDir>/tools/jest-global-setup.js',
  // Both cores: most specs wait on real peers over loopback, so two workers nearly halve the run
  // (CI runs the suite five times within its 30-minute budget).
  maxWorkers: 2,
};
