// `pnpm test:unit`: the tests that live beside the code (`src/**/*.test.ts`): pure logic, no Kafka, no database, so no
// global setup, and the whole run takes seconds. Tests that need infrastructure live in a `test/` folder (or tests/)
// and run with `npm test`, which runs these too.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/src/**/*.test.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
  // Without infrastructure, a test that reaches for it fails at once instead of waiting for a broker.
  testTimeout: 30_000,
};
