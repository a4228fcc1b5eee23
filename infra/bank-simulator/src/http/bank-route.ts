import type { Request, RequestHandler, Response } from 'express';
import type { BankOperation } from '../faults/faults';
import type { SimulatorState } from '../state';
import { bankError } from '../support/errors';
import type { RequestLogEntry } from './request-log';

export interface BankAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A bank operation's logic: synchronous on purpose, so a check-then-write (idempotency) cannot interleave. */
export type BankHandler = (req: Request) => BankAnswer;

/**
 * Wraps one bank operation with what makes it a simulator: the request log, fault injection before and after the
 * bank handles the request, and the API-key check. The handler itself only plays the bank.
 */
export function bankRoute(state: SimulatorState, operation: BankOperation, handler: BankHandler): RequestHandler {
  return async (req, res, next) => {
    const entry = state.requests.add({
      operation,
      method: req.method,
      path: req.originalUrl,
      requestId: req.get('x-request-id') ?? null,
      attempt: Number(req.get('x-attempt')) || null,
      idempotencyKey: req.get('idempotency-key') ?? null,
    });
    res.on('finish', () => {
      if (entry.result === 'pending') entry.result = res.statusCode;
    });

    const fault = state.faults.decide(operation);
    entry.faults = fault.labels;
    if (fault.latencyMs && !(await state.pause(fault.latencyMs))) return cut(req, res, entry, 'reset');
    if (fault.failure === 'reset') return cut(req, res, entry, 'reset');
    if (fault.failure === '503') {
      return next(bankError('SERVICE_UNAVAILABLE', 'the bank is temporarily unavailable; nothing was processed', 503));
    }

    let answer: BankAnswer | undefined;
    let failure: unknown;
    try {
      authenticate(state, req);
      answer = handler(req);
    } catch (err) {
      failure = err;
    }

    // From here on the bank has acted; these faults lose the answer, not the effect.
    if (fault.after?.mode === 'drop') return cut(req, res, entry, 'dropped');
    if (fault.after?.mode === 'delay' && !(await state.pause(fault.after.delayMs)))
      return cut(req, res, entry, 'dropped');
    if (fault.after?.mode === 'unknown') {
      return next(bankError('OUTCOME_UNKNOWN', 'the outcome is not known yet; check the status', 504));
    }
    // The client gave up while we were slow (its timeout): the effect stays, nobody hears the answer.
    if (req.socket.destroyed) {
      entry.result = 'client_closed';
      return;
    }
    if (failure !== undefined || !answer) return next(failure);
    res.status(answer.status);
    if (answer.headers) res.set(answer.headers);
    res.json(answer.body);
  };
}

function cut(req: Request, res: Response, entry: RequestLogEntry, result: 'reset' | 'dropped'): void {
  entry.result = result;
  res.destroy();
  req.socket.destroy();
}

function authenticate(state: SimulatorState, req: Request): void {
  const expected = state.options.apiKey;
  if (expected && req.get('x-api-key') !== expected) {
    throw bankError('UNAUTHORIZED', 'missing or wrong x-api-key', 401);
  }
}
