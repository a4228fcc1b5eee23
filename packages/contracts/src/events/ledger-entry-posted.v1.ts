import { z } from 'zod';
import { defineEvent } from '../define';
import { businessDaySchema, idSchema, instantSchema, nonNegativeVndSchema, vndSchema } from './common';

export const LEDGER_ENTRY_POSTED = 'ledger.entry-posted';

export const ledgerLineSchema = z
  .object({
    /** Chart-of-accounts path: `collection:<marketId>`, `payable:<merchantId>`, `suspense:<marketId>`, `fees`, … */
    account: z.string().min(1).max(200),
    debit: nonNegativeVndSchema,
    credit: nonNegativeVndSchema,
  })
  .refine((l) => (l.debit === 0) !== (l.credit === 0), { message: 'a line is either a debit or a credit' });

/**
 * One balanced journal entry of the double-entry ledger, as posted. Read models (market-insights) use it for
 * balances and reconciliation; nobody recomputes money from payment events.
 */
export const ledgerEntryPostedV1Schema = z
  .object({
    entryId: idSchema,
    merchantId: idSchema,
    marketId: idSchema,
    businessDay: businessDaySchema,
    kind: z.enum(['payment', 'reversal', 'reallocation', 'fee', 'payout', 'payout_failed', 'adjustment']),
    /** What the entry books: `{type: 'payment', id: paymentId}`, `{type: 'settlement_line', id}`. */
    reference: z.object({ type: z.string().min(1).max(64), id: idSchema }),
    lines: z.array(ledgerLineSchema).min(2),
    /** The stall's payable balance after this entry, in đồng (what settlement would pay out now). */
    merchantBalanceAfter: vndSchema,
    postedAt: instantSchema,
  })
  .refine((e) => sum(e.lines, 'debit') === sum(e.lines, 'credit'), {
    message: 'debits and credits must balance',
    path: ['lines'],
  });
export type LedgerEntryPostedV1 = z.infer<typeof ledgerEntryPostedV1Schema>;

function sum(lines: { debit: number; credit: number }[], side: 'debit' | 'credit'): number {
  return lines.reduce((acc, l) => acc + l[side], 0);
}

export const ledgerEntryPostedV1 = defineEvent({
  type: LEDGER_ENTRY_POSTED,
  version: 1,
  topic: 'ledgerEvents',
  key: 'merchantId',
  schema: ledgerEntryPostedV1Schema,
  description: 'A balanced journal entry was posted for a stall.',
});
