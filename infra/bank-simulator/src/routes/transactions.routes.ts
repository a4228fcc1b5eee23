import { z } from 'zod';
import { bankRoute } from '../http/bank-route';
import { bankError } from '../support/errors';
import { isCalendarDay } from '../support/time';
import { parseOr400 } from '../support/validation';
import type { SimulatorArea } from './area';

const statementQuery = z.object({
  accountNumber: z.string(),
  date: z.string().refine(isCalendarDay, 'date must be a calendar day YYYY-MM-DD (Asia/Ho_Chi_Minh)'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

// The cursor names its account and day so it cannot be replayed against another statement by mistake.
const encodeCursor = (account: string, day: string, offset: number) =>
  Buffer.from(`${account}|${day}|${offset}`).toString('base64url');
function decodeCursor(cursor: string, account: string, day: string): number {
  const [a, d, o] = Buffer.from(cursor, 'base64url').toString().split('|');
  const offset = Number(o);
  if (a !== account || d !== day || !Number.isInteger(offset) || offset < 0) {
    throw bankError('INVALID_REQUEST', 'cursor does not belong to this statement', 400);
  }
  return offset;
}

/** What the bank booked: one transfer by id, and an account's statement for a business day. */
export const transactionsArea: SimulatorArea = {
  name: 'transactions',
  routes: [
    {
      method: 'get',
      path: '/v1/transactions/:transactionId',
      summary: 'A booked transfer by the bank transaction id (operation transaction_lookup)',
      tags: ['bank'],
    },
    {
      method: 'get',
      path: '/v1/statements',
      summary:
        'Statement of a partner-bank account for a business day: ?accountNumber&date=YYYY-MM-DD&cursor&limit ' +
        '(operation statement)',
      tags: ['bank'],
    },
  ],
  mount(app, state) {
    app.get(
      '/v1/transactions/:transactionId',
      bankRoute(state, 'transaction_lookup', (req) => {
        const t = state.ledger.get(String(req.params.transactionId));
        if (!t) throw bankError('TRANSACTION_NOT_FOUND', `no transaction ${req.params.transactionId}`, 404);
        return { status: 200, body: t };
      }),
    );

    app.get(
      '/v1/statements',
      bankRoute(state, 'statement', (req) => {
        const q = parseOr400(statementQuery, req.query);
        state.accounts.resolvePartner(q.accountNumber);
        const offset = q.cursor ? decodeCursor(q.cursor, q.accountNumber, q.date) : 0;
        const page = state.ledger.statement({
          accountNumber: q.accountNumber,
          businessDay: q.date,
          offset,
          limit: q.limit,
        });
        return {
          status: 200,
          body: {
            accountNumber: q.accountNumber,
            businessDay: q.date,
            entries: page.entries,
            totals: page.totals,
            nextCursor: page.nextOffset === null ? null : encodeCursor(q.accountNumber, q.date, page.nextOffset),
          },
        };
      }),
    );
  },
};
