import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { findPage } from '@marketqr/mongo';
import multer from 'multer';
import { qrGenerationRoutes as routes } from '@marketqr/contracts';
import { AppError, parsePart, reply, toPage, type Clock } from '@marketqr/service-kit';
import type { Access } from '../access';
import type { Models } from '../store/models';
import type { GenuineCheckRecord } from './genuine-check.record';
import type { GenuineCheckService } from './genuine-check.service';
import { readQrFromImage } from './image-decode';

export const genuineCheckRoutes = [routes.verifyQr, routes.reportCheck, routes.listGenuineChecks];

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

  r.post(routes.verifyQr.path, guarded(raw), guarded(upload), async (req, res) => {
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
      // Only a JSON body is parsed by the spec; images (raw or multipart) are read above.
      text = parsePart(routes.verifyQr, 'body', req.body).payload;
      if (!text.trim()) throw new AppError('QR.INVALID_REQUEST', 'payload is empty', 400);
      input = 'payload';
    }
    // The shopper page says which market it is in, so an unknown account can be reported to that market's managers.
    const market = parsePart(routes.verifyQr, 'query', req.query).marketId ?? null;
    res.set('Cache-Control', 'no-store');
    reply(res, routes.verifyQr, 200, await deps.checks.check(text, input, deps.clock.now(), market));
  });

  r.post(routes.reportCheck.path, async (req, res) => {
    const { checkId } = parsePart(routes.reportCheck, 'params', req.params);
    res.set('Cache-Control', 'no-store');
    reply(res, routes.reportCheck, 200, await deps.checks.report(checkId, deps.clock.now()));
  });

  r.get(routes.listGenuineChecks.path, deps.access.authenticate, async (req, res) => {
    const { marketId: asked, verdict, ...page } = parsePart(routes.listGenuineChecks, 'query', req.query);
    const p = deps.access.principal(req);
    // Managers see their own market (the default for them); checks of unknown accounts have no market: admins only.
    const marketId = asked ?? (p.role === 'market_manager' ? p.marketId : undefined);
    if (marketId) deps.access.requireMarket(req, marketId);
    else deps.access.requireEveryMarket(req);
    const filter: Record<string, unknown> = {};
    if (marketId) filter.marketId = marketId;
    if (verdict) filter.verdict = verdict;
    const { items, total } = await findPage<GenuineCheckRecord>(deps.models.GenuineCheck.collection, filter, page, {
      sort: { at: -1 },
    });
    reply(
      res,
      routes.listGenuineChecks,
      200,
      toPage(
        items.map(({ _id, at, reportedAt, ...rest }) => ({
          id: _id,
          at: at.toISOString(),
          ...(reportedAt !== undefined ? { reportedAt: reportedAt?.toISOString() ?? null } : {}),
          ...rest,
        })),
        total,
        page,
      ),
    );
  });
  return r;
}
