import { endpointsFor } from './route';
import type { PaymentLedgerRoutes } from './payment-ledger';

/**
 * payment-ledger's routes as the browser calls them. Method and path only: the specs (and zod) stay out of the web
 * bundle, and a path that drifts from its spec does not compile.
 */
export const paymentLedgerEndpoints = endpointsFor<PaymentLedgerRoutes>()({
  bankSimWebhook: { method: 'post', path: '/webhooks/bank-sim' },
  sepayWebhook: { method: 'post', path: '/webhooks/sepay' },
  cassoWebhook: { method: 'post', path: '/webhooks/casso' },
  paymentsStream: { method: 'get', path: '/stalls/:merchantId/payments/stream' },
  stallStatement: { method: 'get', path: '/stalls/:merchantId/statement' },
  stallPayments: { method: 'get', path: '/stalls/:merchantId/payments' },
  paymentsToday: { method: 'get', path: '/stalls/:merchantId/payments/today' },
  qrPayment: { method: 'get', path: '/qr/:qrId/payment' },
  getPayment: { method: 'get', path: '/payments/:paymentId' },
  reversePayment: { method: 'post', path: '/payments/:paymentId/reverse' },
  reallocatePayment: { method: 'post', path: '/payments/:paymentId/reallocate' },
  marketPayments: { method: 'get', path: '/markets/:marketId/payments' },
  unidentifiedPayments: { method: 'get', path: '/unidentified-payments' },
});
