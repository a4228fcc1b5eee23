import express, { type RequestHandler } from 'express';
import { AppError } from '@marketqr/service-kit';
import { WEBHOOK_ERRORS } from './errors';

/**
 * Webhook signatures are over the raw bytes, and a parsed body cannot be turned back into the bytes that were signed.
 * This reader (given to service-kit as a body reader, so it runs before the JSON parser) reads any content type, up
 * to `limitBytes`, into `req.body` as a Buffer; the webhook's own error codes replace the generic ones.
 */
export function rawBodyReader(limitBytes: number): RequestHandler {
  const reader = express.raw({ type: () => true, limit: limitBytes });
  return (req, res, next) => {
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
}
