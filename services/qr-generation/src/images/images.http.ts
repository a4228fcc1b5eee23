import { Router } from 'express';
import { qrGenerationRoutes as routes } from '@marketqr/contracts';
import { AppError, parsePart } from '@marketqr/service-kit';
import { effectiveStatus, type QrRecord } from '../domain/model';
import { qrFor, type Lookups } from '../http/common';
import type { ImageService } from './images.service';

export const imageRoutes = [routes.qrPng, routes.qrSvg, routes.posterPdf, routes.posterPng, routes.posterSvg];

/** Images are only made of QRs that may still be paid: a replaced poster must not be reprinted by mistake. */
function payable(qr: QrRecord, poster: boolean, now: Date): QrRecord {
  const status = effectiveStatus(qr, now);
  if (status !== 'active') throw new AppError('QR.NOT_ACTIVE', `the QR is ${status}`, 409, { status });
  if (poster && qr.kind !== 'static') throw new AppError('QR.NOT_STATIC', 'posters are made of static QRs only', 409);
  return qr;
}

/**
 * Who may fetch images: the stall's vendor, its market's managers, admins (the same as the QR itself). Not public by
 * id: the public need ("is this poster real?") is the genuine check, links get copied into chats and logs, and a
 * poster costs CPU to render.
 */
export function imagesRouter(deps: Lookups & { images: ImageService }): Router {
  const r = Router();
  const file = (qr: QrRecord, ext: string, size?: string) =>
    `vietqr-${qr.stallCode}-${qr.posterSerial ?? qr.orderCode ?? qr._id}${size ? `-${size}` : ''}.${ext}`;

  // The query first, as always: a bad option is refused before the QR is looked up.
  r.get(routes.qrPng.path, deps.access.authenticate, async (req, res) => {
    const q = parsePart(routes.qrPng, 'query', req.query);
    const { qrId } = parsePart(routes.qrPng, 'params', req.params);
    const qr = payable(await qrFor(deps, req, qrId), false, deps.clock.now());
    res.type('image/png').set('Cache-Control', 'private, max-age=60').send(deps.images.qrPng(qr, q.scale));
  });
  r.get(routes.qrSvg.path, deps.access.authenticate, async (req, res) => {
    const { qrId } = parsePart(routes.qrSvg, 'params', req.params);
    const qr = payable(await qrFor(deps, req, qrId), false, deps.clock.now());
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=60').send(deps.images.qrSvg(qr));
  });
  r.get(routes.posterPdf.path, deps.access.authenticate, async (req, res) => {
    const q = parsePart(routes.posterPdf, 'query', req.query);
    const { qrId } = parsePart(routes.posterPdf, 'params', req.params);
    const qr = payable(await qrFor(deps, req, qrId), true, deps.clock.now());
    const pdf = await deps.images.posterPdf(qr, q.size);
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="${file(qr, 'pdf', q.size)}"`)
      .set('Cache-Control', 'private, max-age=60')
      .send(pdf);
  });
  r.get(routes.posterPng.path, deps.access.authenticate, async (req, res) => {
    const q = parsePart(routes.posterPng, 'query', req.query);
    const { qrId } = parsePart(routes.posterPng, 'params', req.params);
    const qr = payable(await qrFor(deps, req, qrId), true, deps.clock.now());
    res
      .type('image/png')
      .set('Content-Disposition', `inline; filename="${file(qr, 'png', q.size)}"`)
      .set('Cache-Control', 'private, max-age=60')
      .send(deps.images.posterPng(qr, q.size, q.dpi));
  });
  r.get(routes.posterSvg.path, deps.access.authenticate, async (req, res) => {
    const q = parsePart(routes.posterSvg, 'query', req.query);
    const { qrId } = parsePart(routes.posterSvg, 'params', req.params);
    const qr = payable(await qrFor(deps, req, qrId), true, deps.clock.now());
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=60').send(deps.images.posterSvg(qr, q.size));
  });
  return r;
}
