import { Router } from 'express';
import type { RouteDoc } from '@marketqr/service-kit';
import { parseDynamicRequest, type TtlBounds } from '../domain/dynamic-request';
import { issuedByOf, json, qrFor, qrView, requestCause, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { ImageService } from '../images/images.service';
import type { DynamicQrService } from './dynamic-qr.service';

export const dynamicQrRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/stalls/:merchantId/qr/dynamic',
    summary: 'Issue a dynamic QR: amount (integer đồng, 1 … 499,999,999), optional note, ttlSeconds',
    tags: ['dynamic QR'],
    auth: true,
    requestBody: json({
      type: 'object',
      required: ['amount'],
      additionalProperties: false,
      properties: {
        amount: { type: 'integer', minimum: 1, maximum: 499_999_999 },
        note: { type: 'string', minLength: 1, maxLength: 140 },
        ttlSeconds: { type: 'integer', description: 'between QR_MIN_TTL_SECONDS and QR_MAX_TTL_SECONDS' },
      },
    }),
    responses: {
      '201': { description: 'id, order code, payload, expiry, an SVG data URL (image.svgDataUrl) and image links' },
      '400': {
        description: 'QR.INVALID_AMOUNT, QR.AMOUNT_TOO_LARGE, QR.TTL_OUT_OF_RANGE, QR.INVALID_NOTE, QR.INVALID_REQUEST',
      },
      '409': { description: 'QR.STALL_NOT_ACTIVE, QR.NO_VIRTUAL_ACCOUNT' },
    },
  },
  {
    method: 'post',
    path: '/qr/:qrId/cancel',
    summary: 'Cancel an open dynamic QR (revoked, qr.revoked)',
    tags: ['dynamic QR'],
    auth: true,
    responses: {
      '200': { description: 'the QR, revoked' },
      '409': { description: 'QR.NOT_ACTIVE, QR.NOT_CANCELLABLE' },
    },
  },
];

export function dynamicQrRouter(
  deps: Lookups & LinkBase & { dynamics: DynamicQrService; images: ImageService; ttl: TtlBounds },
): Router {
  const r = Router();
  r.post('/stalls/:merchantId/qr/dynamic', deps.access.authenticate, async (req, res) => {
    const m = await stallFor(deps, req, String(req.params.merchantId));
    const body = parseDynamicRequest(req.body, deps.ttl);
    const qr = await deps.dynamics.issue(m._id, body, issuedByOf(deps.access, req), requestCause(req));
    // The SVG goes in the answer; the PNG is rendered only if its link (qr.links.png) is fetched.
    res.status(201).json({ qr: qrView(qr, deps), image: { svgDataUrl: deps.images.qrSvgDataUrl(qr) } });
  });
  r.post('/qr/:qrId/cancel', deps.access.authenticate, async (req, res) => {
    const qr = await qrFor(deps, req, String(req.params.qrId));
    const after = await deps.dynamics.cancel(qr._id, issuedByOf(deps.access, req), requestCause(req));
    res.json({ qr: qrView(after, deps) });
  });
  return r;
}
