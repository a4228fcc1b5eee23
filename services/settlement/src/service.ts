import type { ServiceDefinition } from '@marketqr/service-runtime';

/**
 * settlement: Per-vendor per-business-day settlement lines, fees, the daily cut-off, payout batches to the bank and reconciliation.
 * Started by main.ts; tests start the same definition in-process or as a child process.
 */
export const definition: ServiceDefinition = {
  name: 'settlement',
  version: '0.1.0',
  defaultPort: 4104,
};
