import { endpointsFor } from './route';
import type { SettlementRoutes } from './settlement';

/**
 * settlement's routes as the browser calls them. Method and path only: the specs (and zod) stay out of the web
 * bundle, and a path that drifts from its spec does not compile.
 */
export const settlementEndpoints = endpointsFor<SettlementRoutes>()({
  cutoff: { method: 'post', path: '/markets/:marketId/settlements/cutoff' },
  listBatches: { method: 'get', path: '/markets/:marketId/settlement-batches' },
  getBatch: { method: 'get', path: '/markets/:marketId/settlement-batches/:batchId' },
  stallLines: { method: 'get', path: '/stalls/:merchantId/settlement-lines' },
  stallSummary: { method: 'get', path: '/stalls/:merchantId/settlement-summary' },
  getLine: { method: 'get', path: '/settlement-lines/:lineId' },
  retryLine: { method: 'post', path: '/settlement-lines/:lineId/retry' },
  marketLines: { method: 'get', path: '/markets/:marketId/settlement-lines' },
  getFeeSchedule: { method: 'get', path: '/markets/:marketId/fee-schedule' },
  setFeeSchedule: { method: 'put', path: '/markets/:marketId/fee-schedule' },
  getCollectionAccount: { method: 'get', path: '/markets/:marketId/collection-account' },
  setCollectionAccount: { method: 'put', path: '/markets/:marketId/collection-account' },
  getCharges: { method: 'get', path: '/stalls/:merchantId/charges' },
  setCharges: { method: 'put', path: '/stalls/:merchantId/charges' },
  agreeCharges: { method: 'put', path: '/stalls/:merchantId/charges/agreement' },
  reconciliation: { method: 'get', path: '/markets/:marketId/reconciliation' },
});
