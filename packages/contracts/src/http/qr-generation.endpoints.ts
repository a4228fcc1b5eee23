import { endpointsFor } from './route';
import type { QrGenerationRoutes } from './qr-generation';

/**
 * qr-generation's routes as the browser calls them. Method and path only: the specs (and zod) stay out of the web
 * bundle, and a path that drifts from its spec does not compile.
 */
export const qrGenerationEndpoints = endpointsFor<QrGenerationRoutes>()({
  reissuePoster: { method: 'post', path: '/stalls/:merchantId/qr/static' },
  currentPoster: { method: 'get', path: '/stalls/:merchantId/qr/static' },
  issueDynamicQr: { method: 'post', path: '/stalls/:merchantId/qr/dynamic' },
  cancelQr: { method: 'post', path: '/qr/:qrId/cancel' },
  getQr: { method: 'get', path: '/qr/:qrId' },
  listStallQrs: { method: 'get', path: '/stalls/:merchantId/qr' },
  qrPng: { method: 'get', path: '/qr/:qrId/image.png' },
  qrSvg: { method: 'get', path: '/qr/:qrId/image.svg' },
  posterPdf: { method: 'get', path: '/qr/:qrId/poster.pdf' },
  posterPng: { method: 'get', path: '/qr/:qrId/poster.png' },
  posterSvg: { method: 'get', path: '/qr/:qrId/poster.svg' },
  verifyQr: { method: 'post', path: '/qr/verify' },
  reportCheck: { method: 'post', path: '/qr/checks/:checkId/report' },
  listGenuineChecks: { method: 'get', path: '/genuine-checks' },
});
