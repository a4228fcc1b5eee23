import { endpointsFor } from './route';
import type { OnboardingRoutes } from './merchant-onboarding';

/**
 * merchant-onboarding's routes as the browser calls them. Method and path only: the specs (and zod) stay out of the
 * web bundle, and a path that drifts from its spec does not compile.
 */
export const onboardingEndpoints = endpointsFor<OnboardingRoutes>()({
  login: { method: 'post', path: '/auth/login' },
  jwks: { method: 'get', path: '/.well-known/jwks.json' },
  listBanks: { method: 'get', path: '/banks' },
  createMarket: { method: 'post', path: '/markets' },
  listMarkets: { method: 'get', path: '/markets' },
  getMarket: { method: 'get', path: '/markets/:marketId' },
  createManager: { method: 'post', path: '/markets/:marketId/managers' },
  registerStall: { method: 'post', path: '/markets/:marketId/stalls' },
  listMarketStalls: { method: 'get', path: '/markets/:marketId/stalls' },
  getStall: { method: 'get', path: '/stalls/:stallId' },
  approveStall: { method: 'post', path: '/stalls/:stallId/approve' },
  suspendStall: { method: 'post', path: '/stalls/:stallId/suspend' },
  reactivateStall: { method: 'post', path: '/stalls/:stallId/reactivate' },
  reviewVerification: { method: 'post', path: '/stalls/:stallId/verification/review' },
  retryVerification: { method: 'post', path: '/stalls/:stallId/verification/retry' },
  changePayoutAccount: { method: 'put', path: '/stalls/:stallId/payout-account' },
});
