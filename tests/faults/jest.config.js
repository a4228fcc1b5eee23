// The fault suite only (`pnpm test:faults`): scenarios that start the whole system as processes, inject faults
// (killed consumers, replicas, restarted infrastructure, a bank outage, duplicate and bad input) and check that money
// is conserved. Slow and heavy, so the root config (`npm test`) ignores tests/faults/. Run one file at a time: the
// machine has 2 cores and each scenario runs ~8 processes.
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/tests/faults'],
  testMatch: ['**/*.fault.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 300_000,
  maxWorkers: 1,
  reporters: ['default'],
};
