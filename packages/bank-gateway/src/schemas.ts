import { z } from 'zod';

/**
 * Inputs are checked before anything is sent (a bad amount must never reach the bank), and answers are parsed so a
 * bank that changes its format fails loudly as BANK.BAD_RESPONSE instead of leaking `undefined` into the ledger.
 */

/** Money is an integer number of đồng: no floats, no fractions, nothing a JS number cannot hold exactly. */
export const amountVnd = z
  .number({ error: 'amount must be a number of đồng' })
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'amount must be a positive safe integer number of đồng');

// A BIN is six digits; not every one starts with 9704 (wallets, foreign banks), so no narrower pattern.
const bin = z.string().regex(/^\d{6}$/, 'bin must be 6 digits');
// Loose on purpose: the bank owns the exact shape of its account numbers and says ACCOUNT_INVALID itself.
const accountNumber = z.string().regex(/^[0-9A-Za-z]{4,32}$/, 'account number must be 4-32 letters or digits');
// Printable text only: control characters in a transfer description end up on someone's bank statement.
const description = z
  .string()
  .min(1)
  .max(140)
  .regex(/^[^\p{Cc}]+$/u, 'description must be printable text');
export const idempotencyKey = z
  .string({ error: 'idempotencyKey is required for a payout' })
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, 'idempotencyKey must be 8-128 of [A-Za-z0-9._:-]');
const businessDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'businessDay must be YYYY-MM-DD')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      message: 'businessDay is not a calendar date',
    },
  );

export const nameInquiryInput = z.object({ bin, accountNumber });
export type NameInquiryInput = z.infer<typeof nameInquiryInput>;

export const registerVirtualAccountInput = z.object({
  /** The market's collection account at the partner bank. */
  collectionAccount: accountNumber,
  /**
   * Our reference for the stall. The bank keys virtual accounts by (collection account, stall ref), so registering the
   * same pair again returns the same number: that is what makes this call safe to retry.
   */
  stallRef: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'stallRef must be 1-32 of [A-Za-z0-9-]'),
  /** Shown to shoppers by their bank app's name inquiry, e.g. "CHO BEN THANH - SAP A12". */
  displayName: z.string().min(1).max(70).optional(),
});
export type RegisterVirtualAccountInput = z.infer<typeof registerVirtualAccountInput>;

export const transactionLookupInput = z.object({ transactionId: z.string().regex(/^[A-Za-z0-9-]{4,64}$/) });

export const payoutInput = z.object({
  idempotencyKey,
  toBin: bin,
  toAccount: accountNumber,
  amount: amountVnd,
  description,
  /** The account debited; the bank uses the API client's default operating account when absent. */
  sourceAccount: accountNumber.optional(),
});
export type PayoutInput = z.infer<typeof payoutInput>;

export const payoutStatusInput = z.union([
  z.object({ idempotencyKey }),
  z.object({ payoutId: z.string().regex(/^[A-Za-z0-9-]{4,64}$/) }),
]);
export type PayoutStatusInput = { idempotencyKey: string } | { payoutId: string };

export const statementInput = z.object({
  accountNumber,
  /** The business day in Asia/Ho_Chi_Minh, `YYYY-MM-DD`. */
  businessDay,
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export type StatementInput = z.infer<typeof statementInput>;

// ---- answers -------------------------------------------------------------------------------------------------------

const answerAmount = z
  .number()
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'amount must be a positive safe integer');

export const nameInquiryAnswer = z.object({
  bin: z.string(),
  accountNumber: z.string(),
  /** The holder's name as the bank has it, with Vietnamese diacritics when the bank keeps them. */
  accountName: z.string().min(1),
  /** Upper-case without diacritics, the form NAPAS shows in bank apps; compare names on this. */
  accountNameAscii: z.string().min(1).optional(),
  accountType: z.enum(['personal', 'business', 'virtual']).optional(),
  bankShortName: z.string().optional(),
});
export type NameInquiryResult = z.infer<typeof nameInquiryAnswer>;

export const virtualAccountAnswer = z.object({
  virtualAccount: z.string().min(1),
  collectionAccount: z.string(),
  bin: z.string(),
  stallRef: z.string(),
  displayName: z.string(),
  createdAt: z.string(),
  /** False when the pair was already registered and the bank returned the existing number. */
  created: z.boolean(),
});
export type VirtualAccount = z.infer<typeof virtualAccountAnswer>;

const party = z.object({ bin: z.string(), accountNumber: z.string(), name: z.string() });

export const transactionAnswer = z.object({
  transactionId: z.string().min(1),
  kind: z.enum(['incoming', 'payout']),
  amount: answerAmount,
  description: z.string(),
  bookedAt: z.string(),
  businessDay: z.string(),
  from: party,
  to: party,
  virtualAccount: z.string().nullish(),
  payoutId: z.string().nullish(),
});
export type BankTransaction = z.infer<typeof transactionAnswer>;

export const payoutAnswer = z.object({
  payoutId: z.string().min(1),
  idempotencyKey: z.string(),
  status: z.enum(['SUCCEEDED', 'PROCESSING', 'FAILED']),
  amount: answerAmount,
  toBin: z.string(),
  toAccount: z.string(),
  toName: z.string(),
  sourceAccount: z.string(),
  description: z.string(),
  transactionId: z.string().nullable(),
  createdAt: z.string(),
  failureCode: z.string().nullish(),
});
export type PayoutResult = z.infer<typeof payoutAnswer> & {
  /** True when the bank answered from its idempotency store: this key had already been paid out. */
  replayed: boolean;
};

const totals = z.object({ count: z.number().int().min(0), amount: z.number().int().min(0) });
export const statementAnswer = z.object({
  accountNumber: z.string(),
  businessDay: z.string(),
  entries: z.array(transactionAnswer.extend({ direction: z.enum(['credit', 'debit']) })),
  /** For the whole day, not just this page. */
  totals: z.object({ credit: totals, debit: totals }),
  nextCursor: z.string().nullable(),
});
export type StatementPage = z.infer<typeof statementAnswer>;
export type StatementEntry = StatementPage['entries'][number];

export const bankErrorBody = z.object({
  error: z.object({ code: z.string().min(1), message: z.string().optional(), details: z.unknown().optional() }),
});
