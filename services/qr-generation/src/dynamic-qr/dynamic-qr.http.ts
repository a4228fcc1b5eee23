import { Router } from 'express';
import { qrGenerationRoutes as routes } from '@marketqr/contracts';
import { parsePart, reply } from '@marketqr/service-kit';
import { parseDynamicRequest, type TtlBounds } from '../domain/dynamic-request';
import { issuedByOf, qrFor, qrView, requestCause, stallFor, type LinkBase, type Lookups } from '../http/common';
import type { ImageService } from '../images/images.service';
import type { DynamicQrService } from './dynamic-qr.service';

export const dynamicQrRoutes = [routes.issueDynamicQr, routes.cancelQr];

export function dynamicQrRouter(
  deps: Lookups & LinkBase & { dynamics: DynamicQrService; images: ImageService; ttl: TtlBounds },
): Router {
  const r = Router();
  const issue = routes.issueDynamicQr;
  r.post(issue.path, deps.access.authenticate, async (req, res) => {
    // In this order, as always: a bad option first, then whether the caller may act on the stall, then the body.
    const { image } = parsePart(issue, 'query', req.query);
    const { merchantId } = parsePart(issue, 'params', req.params);
    const m = await stallFor(deps, req, merchantId);
    // The spec checks the body's shape; the domain parser adds the rules of this deployment (the TTL bounds) and of
    // text (a note counted in characters after NFC and trimming).
    const body = parseDynamicRequest(parsePart(issue, 'body', req.body), deps.ttl);
    const qr = await deps.dynamics.issue(m._id, body, issuedByOf(deps.access, req), requestCause(req));
    // The answer carries the payload, which the vendor's phone draws (apps/web's qr-image.ts): drawing a QR costs
    // about as much as the rest of issuing it, so the server draws one only when asked (?image=svg) or when an image
    // link is fetched (the PNG is then cached).
    reply(res, issue, 201, {
      qr: qrView(qr, deps),
      ...(image === 'svg' ? { image: { svgDataUrl: deps.images.qrSvgDataUrl(qr) } } : {}),
    });
  });
  r.post(routes.cancelQr.path, deps.access.authenticate, async (req, res) => {
    const { qrId } = parsePart(routes.cancelQr, 'params', req.params);
    const qr = await qrFor(deps, req, qrId);
    const after = await deps.dynamics.cancel(qr._id, issuedByOf(deps.access, req), requestCause(req));
    reply(res, routes.cancelQr, 200, { qr: qrView(after, deps) });
  });
  return r;
}
