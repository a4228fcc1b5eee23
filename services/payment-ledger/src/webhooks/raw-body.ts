import express, { type Express, type RequestHandler } from 'express';
import { AppError } from '@marketqr/service-kit';
import { WEBHOOK_ERRORS } from './errors';

interface Layer {
  name?: string;
  handle?: { name?: string };
}

/**
 * Webhook signatures are over the raw bytes, but service-kit's app parses every JSON body before the service's own
 * routes run, and a parsed body cannot be turned back into the bytes that were signed. So, for `path` only, a raw
 * body reader is moved in front of that JSON parser: it reads the bytes (any content type, up to `limit`) into
 * `req.body` as a Buffer, after which the JSON parser sees a finished request and leaves it alone.
 *
 * This reaches into Express 5's router stack (`app.router.stack`, documented since Express 5 as `app.router`); it
 * fails at start, not at the first webhook, if the stack ever stops looking as expected. The clean fix belongs in
 * service-kit (`createHttpApp({ rawBodyPaths })`, see the README).
 */
export function installRawBody(app: Express, path: string, limitBytes: number): void {
  const reader = express.raw({ type: () => true, limit: limitBytes });
  const rawBody: RequestHandler = (req, res, next) => {
    reader(req, res, (err?: unknown) => {
      if (!err) return next();
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') {
        return next(new AppError(WEBHOOK_ERRORS.TOO_LARGE, `webhook bodies are limited to ${limitBytes} bytes`, 413));
      }
      if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
        return next(new AppError(WEBHOOK_ERRORS.MALFORMED, 'unsupported body encoding', 415));
      }
      next(err);
    });
  };
  Object.defineProperty(rawBody, 'name', { value: 'webhookRawBody' });

  app.use(path, rawBody);
  const stack = (app as unknown as { router?: { stack?: Layer[] } }).router?.stack;
  if (!Array.isArray(stack)) throw new Error('installRawBody: express app has no router stack');
  const mine = stack.findIndex((l) => l.name === 'webhookRawBody' || l.handle?.name === 'webhookRawBody');
  const json = stack.findIndex((l) => l.name === 'jsonParser' || l.handle?.name === 'jsonParser');
  if (mine < 0 || json < 0) throw new Error('installRawBody: cannot find the JSON parser or the raw reader');
  if (mine > json) {
    const [layer] = stack.splice(mine, 1);
    stack.splice(json, 0, layer!);
  }
}
