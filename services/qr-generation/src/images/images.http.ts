import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, type RouteDoc } from '@marketqr/service-kit';
import { effectiveStatus, type QrRecord } from '../domain/model';
import { qrFor, type Lookups } from '../http/common';
import type { ImageService } from './images.service';

export const imageRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/qr/:qrId/image.png',
    summary: 'PNG of an active QR (?scale=1..32 pixels per module, default 8)',
    tags: ['images'],
    auth: true,
    responses: { '200': { description: 'image/png' }, '409': { description: 'QR.NOT_ACTIVE' } },
  },
  { method: 'get', path: '/qr/:qrId/image.svg', summary: 'SVG of an active QR', tags: ['images'], auth: true },
  {
    method: 'get',
    path: '/qr/:qrId/poster.pdf',
    summary: 'Printable poster of an active static QR (?size=A6|A5), fonts embedded',
    tags: ['images'],
    auth: true,
    responses: { '200': { description: 'application/pdf' }, '409': { description: 'QR.NOT_ACTIVE, QR.NOT_STATIC' } },
  },
  {
    method: 'get',
    path: '/qr/:qrId/poster.png',
    summary: 'The poster as PNG (?size=A6|A5&dpi=72..300, default 150)',
    tags: ['images'],
    auth: true,
  },
  {
    method: 'get',
    path: '/qr/:qrId/poster.svg',
    summary: 'The poster as SVG (?size=A6|A5)',
    tags: ['images'],
    auth: true,
  },
];

const querySchema = z.object({
  scale: z.coerce.number().int().min(1).max(32).default(8),
  size: z.enum(['A6', 'A5']).default('A6'),
  dpi: z.coerce.number().int().min(72).max(300).default(150),
});

function query(req: Request) {
  const q = querySchema.safeParse(req.query);
  if (!q.success) {
    throw new AppError('QR.INVALID_QUERY', 'scale is 1..32, size is A6 or A5, dpi is 72..300', 400, {
      issues: q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return q.data;
}

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

  r.get('/qr/:qrId/image.png', deps.access.authenticate, async (req, res) => {
    const q = query(req);
    const qr = payable(await qrFor(deps, req, String(req.params.qrId)), false, deps.clock.now());
    res.type('image/png').set('Cache-Control', 'private, max-age=60').send(deps.images.qrPng(qr, q.scale));
  });
  r.get('/qr/:qrId/image.svg', deps.access.authenticate, async (req, res) => {
    const qr = payable(await qrFor(deps, req, String(req.params.qrId)), false, deps.clock.now());
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=60').send(deps.images.qrSvg(qr));
  });
  r.get('/qr/:qrId/poster.pdf', deps.access.authenticate, async (req, res) => {
    const q = query(req);
    const qr = payable(await qrFor(deps, req, String(req.params.qrId)), true, deps.clock.now());
    const pdf = await deps.images.posterPdf(qr, q.size);
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="${file(qr, 'pdf', q.size)}"`)
      .set('Cache-Control', 'private, max-age=60')
      .send(pdf);
  });
  r.get('/qr/:qrId/poster.png', deps.access.authenticate, async (req, res) => {
    const q = query(req);
    const qr = payable(await qrFor(deps, req, String(req.params.qrId)), true, deps.clock.now());
    res
      .type('image/png')
      .set('Content-Disposition', `inline; filename="${file(qr, 'png', q.size)}"`)
      .set('Cache-Control', 'private, max-age=60')
      .send(deps.images.posterPng(qr, q.size, q.dpi));
  });
  r.get('/qr/:qrId/poster.svg', deps.access.authenticate, async (req, res) => {
    const q = query(req);
    const qr = payable(await qrFor(deps, req, String(req.params.qrId)), true, deps.clock.now());
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=60').send(deps.images.posterSvg(qr, q.size));
  });
  return r;
}
