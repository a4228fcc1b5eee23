import { endpointsFor } from './route';
import type { InsightsRoutes } from './market-insights';

/**
 * market-insights' routes as the browser calls them. Method and path only: the specs (and zod) stay out of the web
 * bundle, and a path that drifts from its spec does not compile.
 */
export const insightsEndpoints = endpointsFor<InsightsRoutes>()({
  listMarketAlerts: { method: 'get', path: '/markets/:marketId/alerts' },
  listProvinceAlerts: { method: 'get', path: '/province/alerts' },
  getAlert: { method: 'get', path: '/alerts/:alertId' },
  acknowledgeAlert: { method: 'post', path: '/alerts/:alertId/acknowledge' },
  monthlyReport: { method: 'get', path: '/markets/:marketId/reports/monthly' },
  marketStats: { method: 'get', path: '/markets/:marketId/stats/:table' },
  provinceStats: { method: 'get', path: '/province/stats/:table' },
});
