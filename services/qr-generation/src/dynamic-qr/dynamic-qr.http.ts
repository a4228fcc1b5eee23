import { Router } from 'express';
import { AppError, type RouteDoc } from '@marketqr/service-kit';
import { parseDynamicRequest, type TtlBounds } from '../domain/dynamic-request';
import { issuedByOf, json, qrFor, qrView, requestCause, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { ImageService } from '../images/images.service';
import type { DynamicQrService } from './dynamic-qr.service';

export const dynamicQrRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/stalls/:merchantId/qr/dynamic',
    summary:
      'Issue a dynamic QR: amount (integer đồng, 1 … 499,999,999), optional note, ttlSeconds; ' +
      '?image=svg also answers with the QR drawn as an SVG data URL',
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
      '201': {
        description:
          'id, order code, payload (to draw the QR from), expiry and image links; with ?image=svg also image.svgDataUrl',
      },
      '400': {
        description:
          'QR.INVALID_AMOUNT, QR.AMOUNT_TOO_LARGE, QR.TTL_OUT_OF_RANGE, QR.INVALID_NOTE, QR.INVALID_REQUEST, QR.INVALID_IMAGE_OPTION',
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

function inlineSvgAsked(image: unknown): boolean {
  if (image === undefined) return false;
  if (image === 'svg') return true;
  throw new AppError('QR.INVALID_IMAGE_OPTION', 'image: the only inline image is svg', 400, { image });
}

export function dynamicQrRouter(
  deps: Lookups & LinkBase & { dynamics: DynamicQrService; images: ImageService; ttl: TtlBounds },
): Router {
  const r = Router();
  r.post('/stalls/:merchantId/qr/dynamic', deps.access.authenticate, async (req, res) => {
    const inlineSvg = inlineSvgAsked(req.query.image);
    const m = await stallFor(deps, req, String(req.params.merchantId));
    const body = parseDynamicRequest(req.body, deps.ttl);
    const qr = await deps.dynamics.issue(m._id, body, issuedByOf(deps.access, req), requestCause(req));
    // The answer carries the payload, which the vendor's phone draws (apps/web's qr-image.ts): drawing a QR costs
    // about as much as the rest of issuing it, so the server draws one only when asked (?image=svg) or when an image
    // link is fetched (the PNG is then cached).
    res
      .status(201)
      .json({ qr: qrView(qr, deps), ...(inlineSvg ? { image: { svgDataUrl: deps.images.qrSvgDataUrl(qr) } } : {}) });
  });
  r.post('/qr/:qrId/cancel', deps.access.authenticate, async (req, res) => {
    const qr = await qrFor(deps, req, String(req.params.qrId));
    const after = await deps.dynamics.cancel(qr._id, issuedByOf(deps.access, req), requestCause(req));
    res.json({ qr: qrView(after, deps) });
  });
  return r;
}
