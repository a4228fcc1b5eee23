import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { AppError, parseBody, parsePageQuery, toPage, type Clock, type RouteDoc } from '@marketqr/service-kit';
import type { Access } from '../access';
import { VERDICTS } from '../domain/verdict';
import { json } from '../http/common';
import type { Models } from '../store/models';
import type { GenuineCheckRecord } from './genuine-check.record';
import type { GenuineCheckService } from './genuine-check.service';
import { readQrFromImage } from './image-decode';

export const genuineCheckRoutes: RouteDoc[] = [
  {
    method: 'post',
    path: '/qr/verify',
    summary:
      'Public: is this QR genuine? JSON {payload}, or an image (PNG/JPEG) as the body (Content-Type image/png, image/jpeg) or as multipart field "image"',
    tags: ['genuine check'],
    requestBody: {
      content: {
        'application/json': {
          schema: { type: 'object', required: ['payload'], properties: { payload: { type: 'string' } } },
        },
        'image/png': { schema: { type: 'string', format: 'binary' } },
        'image/jpeg': { schema: { type: 'string', format: 'binary' } },
        'multipart/form-data': {
          schema: { type: 'object', properties: { image: { type: 'string', format: 'binary' } } },
        },
      },
    },
    responses: {
      '200': {
        description: `verdict (${VERDICTS.join(', ')}), flagged, messages, the stall and QR it points at, what was decoded`,
        ...json({ type: 'object' }),
      },
      '400': { description: 'QR.INVALID_REQUEST, QR.IMAGE_UNREADABLE' },
      '413': { description: 'QR.IMAGE_TOO_LARGE' },
      '415': { description: 'QR.UNSUPPORTED_IMAGE' },
      '422': { description: 'QR.NO_QR_IN_IMAGE' },
    },
  },
  {
    method: 'post',
    path: '/qr/checks/{checkId}/report',
    summary:
      "Public: the shopper a flagged check warned reports the code to the market's management (qr.reported, once per check; a repeat answers the first report)",
    tags: ['genuine check'],
    responses: {
      '200': { description: '{checkId, reportedAt, alreadyReported}', ...json({ type: 'object' }) },
      '404': { description: 'QR.CHECK_NOT_FOUND' },
    },
  },
  {
    method: 'get',
    path: '/genuine-checks',
    summary: 'Flagged checks, newest first (?marketId=&verdict=&page=&pageSize=): admins, or managers of that market',
    tags: ['genuine check'],
    auth: true,
  },
];

const payloadSchema = z.object({ payload: z.string().min(1).max(2_000) }).strict();
const listSchema = z.object({ marketId: z.string().min(1).max(128).optional(), verdict: z.enum(VERDICTS).optional() });

export function genuineCheckRouter(deps: {
  access: Access;
  checks: GenuineCheckService;
  models: Models;
  uploadMaxBytes: number;
  imageMaxPixels: number;
  clock: Clock;
}): Router {
  const r = Router();
  const tooLarge = () =>
    new AppError('QR.IMAGE_TOO_LARGE', `images up to ${deps.uploadMaxBytes} bytes are read`, 413, {
      maxBytes: deps.uploadMaxBytes,
    });
  const raw = express.raw({ type: ['image/png', 'image/jpeg', 'image/jpg'], limit: deps.uploadMaxBytes });
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: deps.uploadMaxBytes, files: 1, fields: 5, parts: 6 },
  }).single('image');
  // Upload limits answer with this endpoint's own codes rather than the generic body-parser ones.
  const guarded =
    (mw: RequestHandler): RequestHandler =>
    (req: Request, res: Response, next: NextFunction) =>
      mw(req, res, (err?: unknown) => {
        if (!err) return next();
        const e = err as { type?: string; code?: string; message?: string };
        if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE') return next(tooLarge());
        if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) {
          return next(new AppError('QR.INVALID_REQUEST', `upload refused: ${e.message ?? e.code}`, 400));
        }
        next(err);
      });

  r.post('/qr/verify', guarded(raw), guarded(upload), async (req, res) => {
    let text: string;
    let input: 'payload' | 'image';
    if (req.file) {
      text = await readQrFromImage(req.file.buffer, deps.imageMaxPixels);
      input = 'image';
    } else if (Buffer.isBuffer(req.body)) {
      if (req.body.length === 0) throw new AppError('QR.INVALID_REQUEST', 'the image body is empty', 400);
      text = await readQrFromImage(req.body, deps.imageMaxPixels);
      input = 'image';
    } else if (req.is('multipart/form-data')) {
      throw new AppError('QR.INVALID_REQUEST', 'send the image in a multipart field named "image"', 400);
    } else {
      text = parseBody(payloadSchema, req.body, 'QR.INVALID_REQUEST').payload;
      if (!text.trim()) throw new AppError('QR.INVALID_REQUEST', 'payload is empty', 400);
      input = 'payload';
    }
    // The shopper page says which market it is in, so an unknown account can be reported to that market's managers.
    const market =
      typeof req.query.marketId === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(req.query.marketId)
        ? req.query.marketId
        : null;
    res.set('Cache-Control', 'no-store').json(await deps.checks.check(text, input, deps.clock.now(), market));
  });

  r.post('/qr/checks/:checkId/report', async (req, res) => {
    const checkId = String(req.params.checkId);
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(checkId))
      throw new AppError('QR.CHECK_NOT_FOUND', 'no flagged check with this id', 404);
    res.set('Cache-Control', 'no-store').json(await deps.checks.report(checkId, deps.clock.now()));
  });

  r.get('/genuine-checks', deps.access.authenticate, async (req, res) => {
    const page = parsePageQuery(req.query);
    const q = listSchema.safeParse({ marketId: req.query.marketId, verdict: req.query.verdict });
    if (!q.success) throw new AppError('QR.INVALID_QUERY', `verdict is one of ${VERDICTS.join(', ')}`, 400);
    const p = deps.access.principal(req);
    // Managers see their own market (the default for them); checks of unknown accounts have no market: admins only.
    const marketId = q.data.marketId ?? (p.role === 'market_manager' ? p.marketId : undefined);
    if (marketId) deps.access.requireMarket(req, marketId);
    else deps.access.requireEveryMarket(req);
    const filter: Record<string, unknown> = {};
    if (marketId) filter.marketId = marketId;
    if (q.data.verdict) filter.verdict = q.data.verdict;
    const [items, total] = await Promise.all([
      deps.models.GenuineCheck.find(filter)
        .sort({ at: -1 })
        .skip((page.page - 1) * page.pageSize)
        .limit(page.pageSize)
        .lean<GenuineCheckRecord[]>()
        .exec(),
      deps.models.GenuineCheck.countDocuments(filter),
    ]);
    res.json(
      toPage(
        items.map(({ _id, ...rest }) => ({ id: _id, ...rest })),
        total,
        page,
      ),
    );
  });
  return r;
}
