import type { ServiceDefinition } from '@marketqr/service-runtime';

/**
 * market-insights: Read models for market management: adoption and payment statistics, alerts, exports, and the web pages.
 * Started by main.ts; tests start the same definition in-process or as a child process.
 */
export const definition: ServiceDefinition = {
  name: 'market-insights',
  version: '0.1.0',
  defaultPort: 4105,
};
