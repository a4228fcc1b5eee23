// One jest run for the whole monorepo. Tests are TypeScript, transformed by SWC (fast; `tsc -b` typechecks separately).
// Workspace packages resolve to their sources, so tests need no build of the packages they import.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/infra', '<rootDir>/apps', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // tests/faults/ is the fault suite: heavy, run on its own by `pnpm test:faults` (tests/faults/jest.config.js).
  // scripts/test.sh runs the whole-system browser test (seven processes and Chromium) after the rest, on its own, so it
  // never competes with the load test for two cores: MARKETQR_SKIP_SYSTEM=1 leaves it out of the first run.
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '/tests/faults/',
    ...(process.env.MARKETQR_SKIP_SYSTEM === '1' ? ['/apps/web/test/web\\.e2e\\.test\\.ts$'] : []),
  ],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: {
    // Packages that live under infra/ rather than packages/ (listed before the generic rule, which would miss them).
    '^@marketqr/bank-simulator$': '<rootDir>/infra/bank-simulator/src/index.ts',
    '^@marketqr/([a-z0-9-]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
  globalSetup: '<rootDir>/packages/test-harness/src/global-setup.ts',
  globalTeardown: '<rootDir>/packages/test-harness/src/global-teardown.ts',
  // One generous limit for every test and hook. Tests wait for conditions (waitFor, whose default deadline is 60 s), so
  // a passing test never comes near it; it only bounds how long a broken one hangs. It must stay above the longest
  // chain of deadlines any single test waits through, on a busy 2-core machine.
  testTimeout: 300_000,
  maxWorkers: 2,
  reporters: ['default', ['<rootDir>/packages/test-harness/src/summary-reporter.js', {}]],
};
