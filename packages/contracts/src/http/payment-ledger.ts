import { z } from 'zod';
import { defineRoute } from './route';
import { pageOf, pageQueryShape } from './page';

/*
 * payment-ledger's HTTP API, one spec a route. The service validates requests and builds /openapi.json from these;
 * the web app calls them through payment-ledger.endpoints.ts (method and path, with these specs' types).
 *
 * The bank webhooks are described here too, but their bodies are the banks' formats and are checked by the ledger's
 * own parser (src/webhooks/providers.ts), after the signature over the raw bytes: a body cannot be parsed before it is
 * trusted, and a parsed body is not the bytes that were signed. Their schemas below document those formats.
 */

/** The outcome a payment's matching gave it: what the review queue filters on. */
export const PAYMENT_OUTCOMES = [
  'paid',
  'underpaid',
  'overpaid',
  'late',
  'order_code_of_other_stall',
  'held_for_review',
  'unmatched',
  'unknown_account',
] as const;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];

const timestamp = z.iso.datetime();
const int = z.int();

const posting = z.object({ account: z.string(), amount: int.meta({ description: 'debit positive, credit negative' }) });

/** A journal entry as stored (immutable); its `meta` depends on its kind. */
export const journalEntrySchema = z.looseObject({
  _id: z.string().meta({ description: 'payment:<paymentId>, payment:<paymentId>#<n> for a correction, …' }),
  kind: z.enum(['payment', 'reversal', 'reallocation', 'payout', 'fee', 'adjustment']),
  reference: z.object({ type: z.string(), id: z.string() }),
  paymentId: z.string().nullable(),
  marketId: z.string().nullable(),
  merchantId: z.string().nullable(),
  businessDay: z.iso.date(),
  postedAt: timestamp,
  description: z.string(),
  postings: z.array(posting),
  hash: z.string(),
  meta: z.looseObject({}).meta({ description: 'by kind: a payment’s outcome, paidAt, payer; a correction’s reason …' }),
});
export type JournalEntryView = z.output<typeof journalEntrySchema>;

/** What a statement and the live stream show of a payment credited to a stall. */
const paymentMemo = z.object({
  paymentId: z.string(),
  outcome: z.string(),
  amount: int,
  description: z.string(),
  payerName: z.string().nullable(),
  paidAt: z.string(),
  orderCode: z.string().nullable(),
  qrId: z.string().nullable(),
  expectedAmount: int.nullable(),
});

/** A stall's money as its vendor reads it: credits positive. */
export const vendorLineSchema = z.object({
  seq: int.meta({ description: 'the stall account’s posting number: 1, 2, 3 … without gaps' }),
  entryId: z.string(),
  kind: z.string(),
  amount: int,
  balance: int,
  businessDay: z.iso.date(),
  postedAt: timestamp,
  payment: paymentMemo.optional(),
});
export type VendorLineView = z.output<typeof vendorLineSchema>;

const statementLine = vendorLineSchema.extend({
  description: z.string(),
  reference: z.object({ type: z.string(), id: z.string() }).nullable(),
});

const inboxRecord = z.looseObject({
  _id: z.string(),
  provider: z.string(),
  providerTxId: z.string(),
  notification: z
    .looseObject({})
    .meta({ description: 'the notification as normalised (a vendor sees the payer masked)' }),
  receivedAt: timestamp,
  flag: z.enum(['ignored_outgoing']).nullable(),
});

const modifiedResend = z.looseObject({
  _id: z.string(),
  paymentId: z.string(),
  provider: z.string(),
  providerTxId: z.string(),
  differences: z.array(z.object({ field: z.string(), stored: z.unknown(), resent: z.unknown() })),
  receivedAt: timestamp,
});

const paymentView = z.object({
  paymentId: z.string(),
  status: z.enum(['queued', 'held', 'posted', 'ignored_outgoing']),
  notification: inboxRecord.nullable(),
  modifiedResends: z.array(modifiedResend).optional().meta({ description: 'not shown to vendors' }),
  // Present once the payment is posted:
  amount: int.optional(),
  holderAccount: z.string().nullable().optional(),
  holderMerchantId: z.string().nullable().optional(),
  holderMarketId: z.string().nullable().optional(),
  reversed: z.boolean().optional(),
  entries: z.array(journalEntrySchema).optional().meta({ description: 'the payment, then its corrections' }),
});
export type LedgerPaymentView = z.output<typeof paymentView>;

const stallParams = z.object({ merchantId: z.string() });
const paymentParams = z.object({ paymentId: z.string() });
const invalidPage = { code: 'HTTP.INVALID_PAGE', message: 'page must be ≥ 1 and pageSize between 1 and 100' };
const invalidRequest = { code: 'LEDGER.INVALID_REQUEST', message: 'request body is invalid' };
const oneEntry = z.object({ entry: journalEntrySchema });
const correctionErrors = {
  400: ['LEDGER.INVALID_REQUEST'],
  404: ['LEDGER.PAYMENT_NOT_FOUND'],
  409: ['LEDGER.PAYMENT_NOT_POSTED', 'LEDGER.PAYMENT_REVERSED', 'LEDGER.CONCURRENT_CORRECTION'],
} as const;
const stallErrors = { 404: ['LEDGER.STALL_NOT_FOUND'] } as const;

// ---- the banks' webhook formats (documentation: checked by the ledger's parser, see above) -------------------------

const txId = z.union([z.string(), z.int().min(0)]).meta({ description: 'the bank’s transaction id' });
const optionalText = z.string().nullable().optional();
const bankTime = z.string().meta({ description: '"YYYY-MM-DD HH:mm:ss" (Asia/Ho_Chi_Minh) or ISO 8601' });
const account = z.string().regex(/^[0-9A-Za-z]{1,19}$/);

const bankSimBody = z.object({
  transactionId: txId,
  direction: z.enum(['in', 'out']),
  amount: z.number().meta({ description: 'whole đồng, > 0 for money in' }),
  description: optionalText,
  accountNumber: account,
  virtualAccount: z.string().nullable().optional(),
  bankBin: z
    .string()
    .regex(/^\d{6}$/)
    .nullable()
    .optional(),
  bookedAt: bankTime,
  counterparty: z.object({ bin: optionalText, accountNumber: optionalText, name: optionalText }).nullable().optional(),
});

const sepayBody = z.object({
  id: txId,
  gateway: optionalText,
  transactionDate: bankTime,
  accountNumber: account,
  code: optionalText,
  content: optionalText,
  transferType: z.enum(['in', 'out']),
  transferAmount: z.number(),
  accumulated: z.number().nullable().optional(),
  subAccount: z.string().nullable().optional().meta({ description: 'the virtual account' }),
  referenceCode: optionalText,
});

const cassoBody = z.object({
  error: z.literal(0),
  data: z.object({
    id: txId,
    reference: optionalText,
    description: optionalText,
    amount: z.number().meta({ description: 'negative for money out' }),
    runningBalance: z.number().nullable().optional(),
    transactionDateTime: bankTime,
    accountNumber: account,
    bankName: optionalText,
    bankAbbreviation: optionalText,
    virtualAccountNumber: z.string().nullable().optional(),
    virtualAccountName: optionalText,
    counterAccountName: optionalText,
    counterAccountNumber: optionalText,
    counterAccountBankId: optionalText,
    counterAccountBankName: optionalText,
  }),
});

/** The webhook formats, by provider: what the ledger's parser reads (its tests check the two agree on the fields). */
export const webhookBodies = { 'bank-sim': bankSimBody, sepay: sepayBody, casso: cassoBody } as const;

const webhookErrors = {
  400: ['WEBHOOK.MALFORMED', 'WEBHOOK.INVALID_AMOUNT'],
  401: ['WEBHOOK.BAD_SIGNATURE', 'WEBHOOK.STALE_TIMESTAMP'],
  409: ['WEBHOOK.MODIFIED_RESEND'],
  413: ['WEBHOOK.TOO_LARGE'],
  415: ['WEBHOOK.MALFORMED'],
} as const;
const malformed = { code: 'WEBHOOK.MALFORMED', message: 'body is not a notification in this provider’s format' };
const webhookDescription =
  'Signed over the raw body; checked in this order: signature and timestamp window (401), then the format (400), ' +
  'then stored, then 200. A 2xx always means stored (or already stored): anything else, the provider retries.';

export const paymentLedgerRoutes = {
  bankSimWebhook: defineRoute({
    operationId: 'bankSimWebhook',
    method: 'post',
    path: '/webhooks/bank-sim',
    summary:
      'Bank simulator notification (X-MarketQR-Timestamp, X-MarketQR-Signature: sha256=HMAC(secret, ts.rawBody)) → {ok, duplicate}',
    description: webhookDescription,
    tags: ['webhooks'],
    auth: false,
    request: { body: bankSimBody },
    invalid: { body: malformed },
    responses: {
      200: {
        description: 'stored; duplicate when it already was',
        schema: z.object({ ok: z.literal(true), duplicate: z.boolean() }),
      },
    },
    errors: webhookErrors,
  }),
  sepayWebhook: defineRoute({
    operationId: 'sepayWebhook',
    method: 'post',
    path: '/webhooks/sepay',
    summary: 'SePay notification (X-SePay-Timestamp, X-SePay-Signature: sha256=HMAC(secret, ts.rawBody)) → {success}',
    description: webhookDescription,
    tags: ['webhooks'],
    auth: false,
    request: { body: sepayBody },
    invalid: { body: malformed },
    responses: { 200: { description: 'stored (or already stored)', schema: z.object({ success: z.literal(true) }) } },
    errors: webhookErrors,
  }),
  cassoWebhook: defineRoute({
    operationId: 'cassoWebhook',
    method: 'post',
    path: '/webhooks/casso',
    summary: 'Casso webhook v2 (X-Casso-Signature: t=<ms>,v1=HMAC-SHA512(key, t.JSON(sorted body))) → {success}',
    description: webhookDescription,
    tags: ['webhooks'],
    auth: false,
    request: { body: cassoBody },
    invalid: { body: malformed },
    responses: { 200: { description: 'stored (or already stored)', schema: z.object({ success: z.literal(true) }) } },
    errors: webhookErrors,
  }),
  paymentsStream: defineRoute({
    operationId: 'paymentsStream',
    method: 'get',
    path: '/stalls/:merchantId/payments/stream',
    summary:
      'Server-Sent Events: each payment credited to the stall (event `payment`, id = the stall account seq); resume with Last-Event-ID or ?since=; a token past the last seq gets event `reset` and the stream restarts from now',
    description:
      'Each `payment` event’s data is a statement line (JSON: seq, amount, balance, payment: {paymentId, outcome, ' +
      'amount, payerName, paidAt, orderCode, qrId, expectedAmount} …). The Last-Event-ID header wins over ?since=.',
    tags: ['stalls'],
    auth: true,
    request: {
      params: stallParams,
      query: z.object({
        // Read as text and checked with Last-Event-ID (which wins, so a bad ?since= beside a good header is not
        // refused); a repeated ?since= is ignored, as it always was.
        since: z
          .string()
          .optional()
          .catch(undefined)
          .meta({ description: 'resume after this seq (a non-negative integer)', pattern: '^\\d{1,15}$' }),
      }),
    },
    responses: { 200: { description: 'the event stream', contentType: 'text/event-stream' } },
    errors: { 400: ['LEDGER.INVALID_RESUME_TOKEN'], ...stallErrors },
  }),
  stallStatement: defineRoute({
    operationId: 'stallStatement',
    method: 'get',
    path: '/stalls/:merchantId/statement',
    summary: "The stall's account statement, newest first, with its balance",
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams, query: z.object(pageQueryShape) },
    invalid: { query: invalidPage },
    responses: {
      200: {
        description: 'a page of postings and the balance (what the vendor is owed)',
        schema: pageOf(statementLine).extend({ merchantId: z.string(), account: z.string(), balance: int }),
      },
    },
    errors: { 400: ['HTTP.INVALID_PAGE'], ...stallErrors },
  }),
  stallPayments: defineRoute({
    operationId: 'stallPayments',
    method: 'get',
    path: '/stalls/:merchantId/payments',
    summary: 'Payments credited to the stall after a sequence number, oldest first',
    tags: ['stalls'],
    auth: true,
    request: {
      params: stallParams,
      query: z.object({ ...pageQueryShape, since: z.coerce.number().int().min(0).default(0) }),
    },
    invalid: {
      query: {
        code: 'LEDGER.INVALID_QUERY',
        message: 'since must be a sequence number ≥ 0',
        fields: { page: invalidPage, pageSize: invalidPage },
      },
    },
    responses: {
      200: {
        description: 'a page of payments',
        schema: pageOf(vendorLineSchema).extend({ merchantId: z.string(), since: int }),
      },
    },
    errors: { 400: ['HTTP.INVALID_PAGE', 'LEDGER.INVALID_QUERY'], ...stallErrors },
  }),
  paymentsToday: defineRoute({
    operationId: 'paymentsToday',
    method: 'get',
    path: '/stalls/:merchantId/payments/today',
    summary:
      "Today's takings: payments and their corrections (reversals, reallocations) made today, as the statement shows them",
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams },
    responses: {
      200: {
        description: 'the total and count of the business day (Asia/Ho_Chi_Minh)',
        schema: z.object({
          merchantId: z.string(),
          businessDay: z.iso.date(),
          total: int,
          count: int,
          currency: z.literal('VND'),
        }),
      },
    },
    errors: stallErrors,
  }),
  qrPayment: defineRoute({
    operationId: 'qrPayment',
    method: 'get',
    path: '/qr/:qrId/payment',
    summary:
      'Public: whether a dynamic QR has been paid, and when ({qrId, paid, paidAt}); the shopper page asks before offering to pay it',
    tags: ['qr'],
    auth: false,
    request: { params: z.object({ qrId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) }) },
    invalid: { params: { code: 'LEDGER.INVALID_QR_ID', message: 'not a QR id' } },
    responses: {
      200: {
        description: 'whether and when it was paid (not who, not how much)',
        schema: z.object({ qrId: z.string(), paid: z.boolean(), paidAt: z.string().nullable() }),
      },
    },
    errors: { 400: ['LEDGER.INVALID_QR_ID'] },
  }),
  getPayment: defineRoute({
    operationId: 'getPayment',
    method: 'get',
    path: '/payments/:paymentId',
    summary: 'A payment: the notification, its status, its entries and corrections (audit trail)',
    tags: ['payments'],
    auth: true,
    request: { params: paymentParams },
    responses: { 200: { description: 'the payment', schema: paymentView } },
    errors: { 404: ['LEDGER.PAYMENT_NOT_FOUND'] },
  }),
  reversePayment: defineRoute({
    operationId: 'reversePayment',
    method: 'post',
    path: '/payments/:paymentId/reverse',
    summary: 'Reverse a payment {reasonCode, reason} (manager of its market, or admin) → payment.reversed',
    tags: ['payments'],
    auth: true,
    request: {
      params: paymentParams,
      body: z.object({
        reasonCode: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a snake_case code: bank_recall, refund_to_payer, …'),
        reason: z.string().trim().min(3).max(500),
      }),
    },
    invalid: { body: invalidRequest },
    responses: { 201: { description: 'the reversal entry', schema: oneEntry } },
    errors: correctionErrors,
  }),
  reallocatePayment: defineRoute({
    operationId: 'reallocatePayment',
    method: 'post',
    path: '/payments/:paymentId/reallocate',
    summary: 'Move a payment to another stall of its market {toMerchantId, reason} → payment.reallocated',
    tags: ['payments'],
    auth: true,
    request: {
      params: paymentParams,
      body: z.object({
        toMerchantId: z.string().min(1).max(128),
        reason: z.string().trim().min(3).max(500),
      }),
    },
    invalid: { body: invalidRequest },
    responses: { 201: { description: 'the reallocation entry', schema: oneEntry } },
    errors: {
      ...correctionErrors,
      400: ['LEDGER.INVALID_REQUEST', 'LEDGER.CROSS_MARKET'],
      404: ['LEDGER.PAYMENT_NOT_FOUND', 'LEDGER.STALL_NOT_FOUND'],
      409: [...correctionErrors[409], 'LEDGER.ALREADY_THERE'],
    },
  }),
  marketPayments: defineRoute({
    operationId: 'marketPayments',
    method: 'get',
    path: '/markets/:marketId/payments',
    summary: "The market's payments, newest first, by outcome: the review queue",
    tags: ['payments'],
    auth: true,
    request: {
      params: z.object({ marketId: z.string() }),
      query: z.object({ ...pageQueryShape, outcome: z.enum(PAYMENT_OUTCOMES).optional() }),
    },
    invalid: {
      query: {
        code: 'LEDGER.INVALID_QUERY',
        message: 'unknown outcome',
        fields: { page: invalidPage, pageSize: invalidPage },
      },
    },
    responses: { 200: { description: 'a page of payment entries', schema: pageOf(journalEntrySchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE', 'LEDGER.INVALID_QUERY'] },
  }),
  unidentifiedPayments: defineRoute({
    operationId: 'unidentifiedPayments',
    method: 'get',
    path: '/unidentified-payments',
    summary: 'Payments to accounts no market is known for (admin)',
    tags: ['payments'],
    auth: true,
    request: { query: z.object(pageQueryShape) },
    invalid: { query: invalidPage },
    responses: { 200: { description: 'a page of payment entries', schema: pageOf(journalEntrySchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE'] },
  }),
};

export type PaymentLedgerRoutes = typeof paymentLedgerRoutes;
