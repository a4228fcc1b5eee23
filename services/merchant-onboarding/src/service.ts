import type { ServiceDefinition } from '@marketqr/service-runtime';

/**
 * merchant-onboarding: Markets, zones, stalls, vendors, users and logins (issues JWTs), payout accounts verified by bank name inquiry, virtual accounts.
 * Started by main.ts; tests start the same definition in-process or as a child process.
 */
export const definition: ServiceDefinition<{}> = {
  name: 'merchant-onboarding',
  version: '0.1.0',
  defaultPort: 4101,
};
