import { z } from 'zod';
import { isBusinessDay } from '../business-day';
import { defineRoute } from './route';
import { pageOf, pageQueryShape } from './page';

/*
 * settlement's HTTP API, one spec a route. The service validates requests and builds /openapi.json from these; the
 * web app calls them through settlement.endpoints.ts (method and path, with these specs' types).
 */

/** Where a settlement line is: pending … paid, or failed for good (needs_attention), or carried to a later day. */
export const LINE_STATES = ['pending', 'submitted', 'paid', 'failed', 'needs_attention', 'carried'] as const;
export type LineState = (typeof LINE_STATES)[number];
export const CARRY_REASONS = ['not_positive', 'stall_suspended', 'no_verified_account', 'unknown_stall'] as const;
export const RECONCILIATION_CATEGORIES = ['matched', 'missing_ours', 'missing_at_bank', 'amount_differs'] as const;

const timestamp = z.iso.datetime();
const nullableTimestamp = timestamp.nullable();
const day = z.iso.date();
const int = z.int();

const feeScheduleSchema = z.object({
  rateBps: int.meta({ description: '1 bp = 0.01 %; 150 = 1.5 %' }),
  minimumFee: int,
  maximumFee: int.nullable(),
  exemptUpTo: int.nullable().meta({ description: 'days whose takings are at most this pay no fee' }),
  version: int,
});
export type FeeScheduleView = z.output<typeof feeScheduleSchema>;

const chargeItem = z.object({ code: z.string(), label: z.string(), amount: int });
const payoutAccount = z.object({ bin: z.string(), accountNumber: z.string(), holderName: z.string() });

/** A line as the API shows it: one stall's settlement of one business day (no bookkeeping fields). */
export const settlementLineViewSchema = z.object({
  id: z.string(),
  merchantId: z.string(),
  marketId: z.string(),
  businessDay: day,
  batchId: z.string(),
  stallCode: z.string(),
  vendorName: z.string(),
  state: z.enum(LINE_STATES),
  carryReason: z.enum(CARRY_REASONS).nullable(),
  rolledInto: z.string().nullable().meta({ description: 'the later line that took this carried one' }),
  day: z.object({ gross: int, count: int }),
  adjustments: z.object({ amount: int, count: int }),
  fee: z.object({ amount: int, base: int, schedule: feeScheduleSchema }),
  charges: z.object({ amount: int, planVersion: int.nullable(), items: z.array(chargeItem) }),
  carriedIn: z.object({ gross: int, fee: int, charges: int, lineIds: z.array(z.string()) }),
  grossAmount: int,
  feeAmount: int,
  chargesAmount: int,
  netAmount: int.meta({ description: 'what is paid to the stall' }),
  payoutAccount: payoutAccount.nullable(),
  payout: z
    .object({
      epoch: int,
      idempotencyKey: z.string(),
      attempts: int,
      failures: int,
      nextAttemptAt: nullableTimestamp,
      lastError: z
        .object({
          code: z.string(),
          reasonCode: z.string(),
          message: z.string(),
          outcome: z.string().nullable(),
          at: timestamp,
        })
        .nullable(),
      payoutId: z.string().nullable(),
      bankReference: z.string().nullable(),
      paidAt: nullableTimestamp,
    })
    .nullable(),
  contributionCount: int,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type SettlementLineView = z.output<typeof settlementLineViewSchema>;

const contributionSchema = z.object({
  id: z.string(),
  kind: z.enum(['payment', 'reversal', 'reallocation_in', 'reallocation_out']),
  businessDay: day,
  amount: int.meta({ description: 'signed: credits positive' }),
  paymentId: z.string(),
  bankTransactionId: z.string(),
  recordedAt: timestamp,
});

export const settlementBatchViewSchema = z.object({
  id: z.string(),
  marketId: z.string(),
  businessDay: day,
  state: z.enum(['closing', 'open', 'empty']),
  trigger: z.enum(['scheduler', 'admin']),
  createdBy: z.string(),
  cutoffAt: timestamp,
  closedAt: nullableTimestamp,
  lineCount: int,
  payableCount: int,
  carriedCount: int,
  totalNetAmount: int,
  linesByState: z.record(z.string(), int).optional(),
});
export type SettlementBatchView = z.output<typeof settlementBatchViewSchema>;

const summarySchema = z.object({
  merchantId: z.string(),
  stall: z.object({
    known: z.boolean(),
    status: z.string().nullable(),
    holdReason: z.enum(CARRY_REASONS).nullable().meta({ description: 'why the stall cannot be paid now' }),
    payoutAccount: z
      .object({ bin: z.string(), accountNumber: z.string(), holderName: z.string().nullable() })
      .nullable(),
  }),
  credits: int,
  paidOut: int,
  inPayment: int,
  carried: int,
  unsettled: int,
  fees: int,
  charges: int,
  balanced: z.boolean().meta({ description: 'credits = paidOut + inPayment + carried + unsettled + fees + charges' }),
  linesByState: z.record(z.string(), int),
});

const chargesViewSchema = z.object({
  merchantId: z.string(),
  plan: z
    .object({
      items: z.array(chargeItem),
      version: int,
      totalPerDay: int,
      updatedBy: z.string(),
      updatedAt: timestamp,
    })
    .nullable(),
  agreement: z.object({ planVersion: int, agreed: z.boolean(), at: timestamp }).nullable(),
  netted: z.boolean().meta({ description: 'the vendor agreed to exactly the plan in force' }),
});
const oneCharges = z.object({ charges: chargesViewSchema });

export const reconciliationItemSchema = z.object({
  category: z.enum(RECONCILIATION_CATEGORIES),
  kind: z.enum(['credit', 'payout']),
  bankTransactionId: z.string().nullable(),
  payoutId: z.string().nullable(),
  account: z.string(),
  ourAmount: int.nullable(),
  bankAmount: int.nullable(),
  merchantId: z.string().nullable(),
  stallCode: z.string().nullable(),
  vendorName: z.string().nullable(),
  paymentId: z.string().nullable(),
  settlementLineId: z.string().nullable(),
  description: z.string().nullable(),
  // The bank's booking time as its statement gives it (it may carry an offset), else ours.
  at: z.iso.datetime({ offset: true }).nullable(),
});
export type ReconciliationItemView = z.output<typeof reconciliationItemSchema>;

const ourAndBank = z.object({ ours: int, bank: int });
export const reconciliationReportSchema = z.object({
  marketId: z.string(),
  businessDay: day,
  accounts: z.array(z.string()),
  generatedAt: timestamp,
  summary: z.object({
    matched: int,
    missing_ours: int,
    missing_at_bank: int,
    amount_differs: int,
    credits: ourAndBank,
    payouts: ourAndBank,
  }),
  items: z.array(reconciliationItemSchema),
});
export type ReconciliationReportView = z.output<typeof reconciliationReportSchema>;

const marketParams = z.object({ marketId: z.string() });
const stallParams = z.object({ merchantId: z.string() });
const lineParams = z.object({ lineId: z.string() });
const invalidRequest = { code: 'SETTLEMENT.INVALID_REQUEST', message: 'request body is invalid' };
const invalidPage = { code: 'HTTP.INVALID_PAGE', message: 'page must be ≥ 1 and pageSize between 1 and 100' };
const pageQuery = z.object(pageQueryShape);
const managerOnly = { 403: ['AUTH.FORBIDDEN'] } as const;

const vnd = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const settlementRoutes = {
  cutoff: defineRoute({
    operationId: 'cutoff',
    method: 'post',
    path: '/markets/:marketId/settlements/cutoff',
    summary: 'Cut a business day off now (admin): 201 with the new batch, 200 when that day already has one',
    tags: ['batches'],
    auth: true,
    request: { params: marketParams, body: z.object({ businessDay: z.iso.date() }) },
    invalid: { body: invalidRequest },
    responses: {
      200: {
        description: 'the day already had a batch: that batch',
        schema: z.object({ created: z.boolean(), batch: settlementBatchViewSchema }),
      },
      201: {
        description: 'the new batch',
        schema: z.object({ created: z.boolean(), batch: settlementBatchViewSchema }),
      },
    },
    errors: {
      400: ['SETTLEMENT.INVALID_REQUEST', 'SETTLEMENT.INVALID_DAY', 'SETTLEMENT.DAY_IN_FUTURE'],
      409: ['SETTLEMENT.CUTOFF_IN_PROGRESS', 'SETTLEMENT.DAY_ALREADY_CLOSED'],
    },
  }),
  listBatches: defineRoute({
    operationId: 'listBatches',
    method: 'get',
    path: '/markets/:marketId/settlement-batches',
    summary: 'A market’s batches, newest day first, with their lines counted by state (manager, admin)',
    tags: ['batches'],
    auth: true,
    request: { params: marketParams, query: pageQuery },
    invalid: { query: invalidPage },
    responses: { 200: { description: 'a page of batches', schema: pageOf(settlementBatchViewSchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE'] },
  }),
  getBatch: defineRoute({
    operationId: 'getBatch',
    method: 'get',
    path: '/markets/:marketId/settlement-batches/:batchId',
    summary: 'One batch with its lines (manager, admin)',
    tags: ['batches'],
    auth: true,
    request: { params: z.object({ marketId: z.string(), batchId: z.string() }) },
    responses: {
      200: {
        description: 'the batch and its lines',
        schema: z.object({ batch: settlementBatchViewSchema.extend({ lines: z.array(settlementLineViewSchema) }) }),
      },
    },
    errors: { 404: ['SETTLEMENT.BATCH_NOT_FOUND'] },
  }),
  stallLines: defineRoute({
    operationId: 'stallLines',
    method: 'get',
    path: '/stalls/:merchantId/settlement-lines',
    summary: 'A stall’s settlement history, newest day first, paged (its vendor, the market’s managers, admins)',
    tags: ['settlement lines'],
    auth: true,
    request: { params: stallParams, query: pageQuery },
    invalid: { query: invalidPage },
    responses: { 200: { description: 'a page of lines', schema: pageOf(settlementLineViewSchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE'], 404: ['SETTLEMENT.STALL_NOT_FOUND'] },
  }),
  stallSummary: defineRoute({
    operationId: 'stallSummary',
    method: 'get',
    path: '/stalls/:merchantId/settlement-summary',
    summary: 'Where the stall’s money is: credited, paid out, in payment, carried, unsettled, fees, charges',
    tags: ['settlement lines'],
    auth: true,
    request: { params: stallParams },
    responses: { 200: { description: 'the summary', schema: z.object({ summary: summarySchema }) } },
    errors: { 404: ['SETTLEMENT.STALL_NOT_FOUND'] },
  }),
  getLine: defineRoute({
    operationId: 'getLine',
    method: 'get',
    path: '/settlement-lines/:lineId',
    summary: 'One line with the payments it settles',
    tags: ['settlement lines'],
    auth: true,
    request: { params: lineParams },
    responses: {
      200: {
        description: 'the line and its contributions',
        schema: z.object({ line: settlementLineViewSchema.extend({ contributions: z.array(contributionSchema) }) }),
      },
    },
    errors: { 404: ['SETTLEMENT.LINE_NOT_FOUND'] },
  }),
  retryLine: defineRoute({
    operationId: 'retryLine',
    method: 'post',
    path: '/settlement-lines/:lineId/retry',
    summary: 'Pay a line that needs attention again (manager, admin): resolves the old key at the bank first',
    tags: ['settlement lines'],
    auth: true,
    request: { params: lineParams },
    responses: {
      200: {
        description: 'nothing re-issued: the bank had paid it (already_paid) or still has it (in_progress)',
        schema: z.object({ outcome: z.enum(['already_paid', 'in_progress']), line: settlementLineViewSchema }),
      },
      202: {
        description: 'a new payout was issued under a new key',
        schema: z.object({ outcome: z.literal('reissued'), line: settlementLineViewSchema }),
      },
    },
    errors: {
      404: ['SETTLEMENT.LINE_NOT_FOUND'],
      409: [
        'SETTLEMENT.LINE_NOT_RETRYABLE',
        'SETTLEMENT.TOO_SOON',
        'SETTLEMENT.STALL_NOT_PAYABLE',
        'SETTLEMENT.CONCURRENT_UPDATE',
      ],
    },
  }),
  marketLines: defineRoute({
    operationId: 'marketLines',
    method: 'get',
    path: '/markets/:marketId/settlement-lines',
    summary: 'A market’s lines, filtered by state (e.g. ?state=needs_attention) and day, paged (manager, admin)',
    tags: ['settlement lines'],
    auth: true,
    request: {
      params: marketParams,
      // The filter first: a bad state is reported before a bad page, as it always was.
      query: z.object({
        state: z.enum(LINE_STATES).optional(),
        day: z.iso.date().optional(),
        ...pageQueryShape,
      }),
    },
    invalid: {
      query: {
        code: 'SETTLEMENT.INVALID_REQUEST',
        message: `state must be one of ${LINE_STATES.join(', ')}`,
        fields: { page: invalidPage, pageSize: invalidPage },
      },
    },
    responses: { 200: { description: 'a page of lines', schema: pageOf(settlementLineViewSchema) } },
    errors: { 400: ['SETTLEMENT.INVALID_REQUEST', 'HTTP.INVALID_PAGE'] },
  }),
  getFeeSchedule: defineRoute({
    operationId: 'getFeeSchedule',
    method: 'get',
    path: '/markets/:marketId/fee-schedule',
    summary: 'The market’s fee schedule in force (0 % when none was set)',
    tags: ['fees'],
    auth: true,
    request: { params: marketParams },
    responses: {
      200: {
        description: 'the schedule',
        schema: z.object({ marketId: z.string(), feeSchedule: feeScheduleSchema }),
      },
    },
  }),
  setFeeSchedule: defineRoute({
    operationId: 'setFeeSchedule',
    method: 'put',
    path: '/markets/:marketId/fee-schedule',
    summary:
      'Set the market’s fee schedule (admin): rateBps, minimumFee, maximumFee, exemptUpTo; from the next cut-off',
    tags: ['fees'],
    auth: true,
    request: {
      params: marketParams,
      body: z.object({
        rateBps: z.number().int().min(0).max(10_000),
        minimumFee: vnd.default(0),
        maximumFee: vnd.nullable().default(null),
        exemptUpTo: vnd.nullable().default(null),
      }),
    },
    invalid: { body: { code: 'SETTLEMENT.INVALID_FEE_SCHEDULE', message: 'request body is invalid' } },
    responses: {
      200: {
        description: 'the new schedule (its version one more)',
        schema: z.object({ marketId: z.string(), feeSchedule: feeScheduleSchema }),
      },
    },
    errors: { 400: ['SETTLEMENT.INVALID_FEE_SCHEDULE'], ...managerOnly },
  }),
  getCollectionAccount: defineRoute({
    operationId: 'getCollectionAccount',
    method: 'get',
    path: '/markets/:marketId/collection-account',
    summary: 'The market’s collection account at the partner bank',
    tags: ['fees'],
    auth: true,
    request: { params: marketParams },
    responses: {
      200: {
        description: 'the account, null when none is set',
        schema: z.object({ marketId: z.string(), collectionAccount: z.string().nullable() }),
      },
    },
  }),
  setCollectionAccount: defineRoute({
    operationId: 'setCollectionAccount',
    method: 'put',
    path: '/markets/:marketId/collection-account',
    summary: 'Set the market’s collection account (admin): payouts leave from it, reconciliation reads its statement',
    tags: ['fees'],
    auth: true,
    request: {
      params: marketParams,
      body: z.object({ accountNumber: z.string().regex(/^\d{6,19}$/, '6-19 digits') }),
    },
    invalid: { body: invalidRequest },
    responses: {
      200: {
        description: 'the account',
        schema: z.object({ marketId: z.string(), collectionAccount: z.string() }),
      },
    },
    errors: { 400: ['SETTLEMENT.INVALID_REQUEST'], ...managerOnly },
  }),
  getCharges: defineRoute({
    operationId: 'getCharges',
    method: 'get',
    path: '/stalls/:merchantId/charges',
    summary: 'The stall’s market charges, the vendor’s agreement and whether they are netted from payouts',
    tags: ['charges'],
    auth: true,
    request: { params: stallParams },
    responses: { 200: { description: 'the charges', schema: oneCharges } },
  }),
  setCharges: defineRoute({
    operationId: 'setCharges',
    method: 'put',
    path: '/stalls/:merchantId/charges',
    summary: 'Set the stall’s daily market charges (the market’s managers, admin); a new version needs a new agreement',
    tags: ['charges'],
    auth: true,
    request: {
      params: stallParams,
      body: z.object({
        items: z
          .array(
            z.object({
              code: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a snake_case code such as stall_rent'),
              label: z.string().trim().min(1).max(100),
              amount: z.number().int().positive().max(100_000_000),
            }),
          )
          .max(20),
      }),
    },
    invalid: { body: invalidRequest },
    responses: { 200: { description: 'the charges, a new plan version', schema: oneCharges } },
    errors: { 400: ['SETTLEMENT.INVALID_REQUEST', 'SETTLEMENT.DUPLICATE_CHARGE'], 404: ['SETTLEMENT.STALL_NOT_FOUND'] },
  }),
  agreeCharges: defineRoute({
    operationId: 'agreeCharges',
    method: 'put',
    path: '/stalls/:merchantId/charges/agreement',
    summary: 'The vendor agrees (or withdraws) to have this version of its charges netted from payouts (vendor only)',
    tags: ['charges'],
    auth: true,
    request: {
      params: stallParams,
      body: z.object({ planVersion: z.number().int().positive(), agreed: z.boolean() }),
    },
    invalid: { body: invalidRequest },
    responses: { 200: { description: 'the charges with the agreement', schema: oneCharges } },
    errors: {
      400: ['SETTLEMENT.INVALID_REQUEST'],
      404: ['SETTLEMENT.NO_CHARGE_PLAN'],
      409: ['SETTLEMENT.PLAN_VERSION_MISMATCH'],
    },
  }),
  reconciliation: defineRoute({
    operationId: 'reconciliation',
    method: 'get',
    path: '/markets/:marketId/reconciliation',
    summary: 'Our credits and payouts of ?day= against the bank statement (manager, admin)',
    description:
      'Every transaction is matched, missing_ours, missing_at_bank or amount_differs. JSON, or CSV (text/csv) with ' +
      'Accept: text/csv or ?format=csv: UTF-8 with a BOM, Vietnamese headers and words, local time; ?lang=en for ' +
      'the JSON keys as headers and English words.',
    tags: ['reconciliation'],
    auth: true,
    request: {
      params: marketParams,
      query: z.object({
        day: z.string().refine(isBusinessDay).meta({ description: 'YYYY-MM-DD, the bank’s booking day' }),
        // Empty is the default, as it always was.
        lang: z
          .enum(['', 'vi', 'en'])
          .optional()
          .transform((v) => (v === 'en' ? 'en' : 'vi'))
          .meta({ description: 'the CSV’s language: vi (default) or en' }),
        // Anything but csv is JSON, never refused. No default documented: when absent, the Accept header decides.
        format: z
          .enum(['json', 'csv'])
          .optional()
          .catch('json')
          .meta({ description: 'csv for CSV; when absent, the Accept header decides', default: undefined }),
      }),
    },
    invalid: {
      query: {
        code: 'SETTLEMENT.INVALID_DAY',
        message: 'day must be a YYYY-MM-DD calendar day',
        fields: {
          day: { code: 'SETTLEMENT.INVALID_DAY', message: 'day must be a YYYY-MM-DD calendar day' },
          lang: { code: 'SETTLEMENT.INVALID_LANG', message: 'lang must be vi or en' },
        },
      },
    },
    responses: {
      200: {
        description: 'the reconciliation (as JSON; CSV when asked, see the description)',
        schema: z.object({ reconciliation: reconciliationReportSchema }),
      },
    },
    errors: {
      400: ['SETTLEMENT.INVALID_DAY', 'SETTLEMENT.INVALID_LANG'],
      409: ['SETTLEMENT.NO_COLLECTION_ACCOUNT'],
    },
  }),
};

export type SettlementRoutes = typeof settlementRoutes;
