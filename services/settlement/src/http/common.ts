import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { badRequest } from '@marketqr/service-kit';
import { isBusinessDay } from '../domain/business-day';
import type { Cause } from '../events';

/** The flow an HTTP request starts or continues: its `x-correlation-id` / `x-request-id`, else a new id. */
export function requestCause(req: Request): Cause {
  const header = req.header('x-correlation-id') ?? req.header('x-request-id');
  const id = header && /^[\w.:-]{1,200}$/.test(header) ? header : `req-${randomUUID()}`;
  return { correlationId: id, causationId: id };
}

export function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

export function dayParam(value: unknown, name = 'day'): string {
  if (typeof value !== 'string' || !isBusinessDay(value)) {
    throw badRequest('SETTLEMENT.INVALID_DAY', `${name} must be a YYYY-MM-DD calendar day`, { field: name });
  }
  return value;
}
