import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Cause } from '../events';

/** The flow an HTTP request starts or continues: its `x-correlation-id` / `x-request-id`, else a new id. */
export function requestCause(req: Request): Cause {
  const header = req.header('x-correlation-id') ?? req.header('x-request-id');
  const id = header && /^[\w.:-]{1,200}$/.test(header) ? header : `req-${randomUUID()}`;
  return { correlationId: id, causationId: id };
}
