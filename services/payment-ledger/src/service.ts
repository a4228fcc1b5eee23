import type { ServiceDefinition } from '@marketqr/service-runtime';

/**
 * payment-ledger: Bank notifications (the inbox), matching them to stalls and QRs, the double-entry journal and balances, reversals and reallocations, and the live payment stream to vendors.
 * Started by main.ts; tests start the same definition in-process or as a child process.
 */
export const definition: ServiceDefinition = {
  name: 'payment-ledger',
  version: '0.1.0',
  defaultPort: 4103,
};
