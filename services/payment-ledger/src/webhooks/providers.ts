import { z } from 'zod';
import { storableText } from '@marketqr/service-kit';
import type { Provider } from '../config';
import { parseBankTime } from '../domain/time';
import { isValidAmount, type Counterparty, type Notification } from '../domain/notification';
import { invalidAmount, malformed } from './errors';
import { verifyCasso, verifyTimestampedSha256 } from './signatures';

export interface IncomingWebhook {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface AuthContext {
  secret: string;
  nowMs: number;
  toleranceSeconds: number;
}

/**
 * One provider's webhook dialect: how it signs, what its body looks like, what it wants back. `authenticate` runs
 * before anything in the body is trusted; `normalise` turns an authenticated body into our one Notification.
 */
export interface ProviderAdapter {
  provider: Provider;
  /** Throws 401 AppErrors. Returns the parsed JSON when the scheme needed it (Casso), else undefined. */
  authenticate(req: IncomingWebhook, ctx: AuthContext): unknown;
  /** Throws 400 AppErrors (WEBHOOK.MALFORMED, WEBHOOK.INVALID_AMOUNT). */
  normalise(body: unknown): Notification;
  reply(result: { duplicate: boolean }): Record<string, unknown>;
}

const header = (req: IncomingWebhook, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw malformed('empty body');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw malformed(`body is not JSON: ${(e as Error).message}`);
  }
}

function shape<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw malformed(
      'body is not a notification in this provider’s format',
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

// An id is printable; NUL could not even be stored.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const PRINTABLE_ID = /^[^\u0000-\u001F\u007F]+$/;
const txId = z
  .union([
    z.string().trim().min(1).max(128).regex(PRINTABLE_ID, 'printable characters only'),
    z.number().int().nonnegative(),
  ])
  .transform(String);
const account = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z]{1,19}$/, 'up to 19 letters or digits');
/** Absent, null and "" all mean "no virtual account". */
const optionalAccount = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : null))
  .pipe(z.union([account, z.null()]));
// Free text is kept as the bank sent it, but for NUL, which the store cannot hold (see storableText): a notification
// is never refused for its description, since the bank would then deliver it for ever and the money go unrecorded.
const text = (max: number) =>
  z
    .union([z.string(), z.null()])
    .optional()
    .transform((v) => storableText(v ?? ''))
    .pipe(z.string().max(max));
const optionalText = (max: number) =>
  z
    .union([z.string(), z.null()])
    .optional()
    .transform((v) => (v && v.trim() ? storableText(v.trim()) : null))
    .pipe(z.union([z.string().max(max), z.null()]));
const bankTime = z.string().transform((v, ctx) => {
  const d = parseBankTime(v);
  if (!d) {
    ctx.addIssue({ code: 'custom', message: 'expected "YYYY-MM-DD HH:mm:ss" (Asia/Ho_Chi_Minh) or ISO 8601' });
    return z.NEVER;
  }
  return d;
});

/** Amount checks come after the shape check, so a string amount is malformed and 12.5 is an invalid amount. */
function incomingAmount(amount: number): number {
  if (!isValidAmount(amount)) throw invalidAmount(amount);
  return amount;
}

function counterpartyOf(c: Partial<Record<keyof Counterparty, string | null>>): Counterparty | null {
  const v = { bin: c.bin || null, accountNumber: c.accountNumber || null, name: c.name || null };
  return v.bin || v.accountNumber || v.name ? v : null;
}

// ---- bank simulator ---------------------------------------------------------------------------------------------

const bankSimSchema = z.object({
  transactionId: txId,
  direction: z.enum(['in', 'out']),
  amount: z.number(),
  description: text(1_000),
  accountNumber: account,
  virtualAccount: optionalAccount,
  bankBin: z
    .union([z.string().regex(/^\d{6}$/), z.null()])
    .optional()
    .transform((v) => v ?? null),
  bookedAt: bankTime,
  counterparty: z
    .object({
      bin: optionalText(16),
      accountNumber: optionalText(34),
      name: optionalText(200),
    })
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});

export const bankSimAdapter: ProviderAdapter = {
  provider: 'bank-sim',
  authenticate(req, ctx) {
    verifyTimestampedSha256({
      secret: ctx.secret,
      timestamp: header(req, 'x-marketqr-timestamp'),
      signature: header(req, 'x-marketqr-signature'),
      rawBody: req.rawBody,
      nowMs: ctx.nowMs,
      toleranceSeconds: ctx.toleranceSeconds,
    });
    return undefined;
  },
  normalise(body) {
    const b = shape(bankSimSchema, body);
    return {
      provider: 'bank-sim',
      providerTxId: b.transactionId,
      direction: b.direction,
      amount: b.direction === 'in' ? incomingAmount(b.amount) : Math.abs(b.amount),
      description: b.description,
      accountNumber: b.accountNumber,
      virtualAccount: b.virtualAccount,
      bankBin: b.bankBin,
      counterparty: b.counterparty ? counterpartyOf(b.counterparty) : null,
      bankTime: b.bookedAt,
      reference: null,
      code: null,
    };
  },
  reply: ({ duplicate }) => ({ ok: true, duplicate }),
};

// ---- SePay --------------------------------------------------------------------------------------------------------

const sepaySchema = z.object({
  id: txId,
  gateway: optionalText(100),
  transactionDate: bankTime,
  accountNumber: account,
  code: optionalText(64),
  content: text(1_000),
  transferType: z.enum(['in', 'out']),
  transferAmount: z.number(),
  accumulated: z.number().nullable().optional(),
  subAccount: optionalAccount,
  referenceCode: optionalText(128),
});

export const sepayAdapter: ProviderAdapter = {
  provider: 'sepay',
  authenticate(req, ctx) {
    verifyTimestampedSha256({
      secret: ctx.secret,
      timestamp: header(req, 'x-sepay-timestamp'),
      signature: header(req, 'x-sepay-signature'),
      rawBody: req.rawBody,
      nowMs: ctx.nowMs,
      toleranceSeconds: ctx.toleranceSeconds,
    });
    return undefined;
  },
  normalise(body) {
    const b = shape(sepaySchema, body);
    return {
      provider: 'sepay',
      providerTxId: b.id,
      direction: b.transferType,
      amount: b.transferType === 'in' ? incomingAmount(b.transferAmount) : Math.abs(b.transferAmount),
      description: b.content,
      accountNumber: b.accountNumber,
      virtualAccount: b.subAccount,
      bankBin: null,
      counterparty: null,
      bankTime: b.transactionDate,
      reference: b.referenceCode,
      code: b.code,
    };
  },
  reply: () => ({ success: true }),
};

// ---- Casso (webhook v2) ---------------------------------------------------------------------------------------------

const cassoSchema = z.object({
  error: z.literal(0),
  data: z.object({
    id: txId,
    reference: optionalText(128),
    description: text(1_000),
    amount: z.number(),
    runningBalance: z.number().nullable().optional(),
    transactionDateTime: bankTime,
    accountNumber: account,
    bankName: optionalText(200),
    bankAbbreviation: optionalText(50),
    virtualAccountNumber: optionalAccount,
    virtualAccountName: optionalText(200),
    counterAccountName: optionalText(200),
    counterAccountNumber: optionalText(34),
    counterAccountBankId: optionalText(16),
    counterAccountBankName: optionalText(200),
  }),
});

export const cassoAdapter: ProviderAdapter = {
  provider: 'casso',
  authenticate(req, ctx) {
    // Casso signs a re-serialisation of the parsed body: parse first (a body that is not JSON cannot be verified
    // and is refused as malformed; nothing is stored either way).
    const body = parseJson(req.rawBody);
    verifyCasso({
      secret: ctx.secret,
      header: header(req, 'x-casso-signature'),
      body,
      nowMs: ctx.nowMs,
      toleranceSeconds: ctx.toleranceSeconds,
    });
    return body;
  },
  normalise(body) {
    const { data: d } = shape(cassoSchema, body);
    // Casso reports money out as a negative amount: the sign is the direction.
    const out = d.amount < 0;
    return {
      provider: 'casso',
      providerTxId: d.id,
      direction: out ? 'out' : 'in',
      amount: out ? Math.abs(d.amount) : incomingAmount(d.amount),
      description: d.description,
      accountNumber: d.accountNumber,
      virtualAccount: d.virtualAccountNumber,
      bankBin: null,
      counterparty: counterpartyOf({
        bin: d.counterAccountBankId,
        accountNumber: d.counterAccountNumber,
        name: d.counterAccountName,
      }),
      bankTime: d.transactionDateTime,
      reference: d.reference,
      code: null,
    };
  },
  reply: () => ({ success: true }),
};

export const ADAPTERS: Record<Provider, ProviderAdapter> = {
  'bank-sim': bankSimAdapter,
  sepay: sepayAdapter,
  casso: cassoAdapter,
};

/** The formats as the adapters read them: the route specs document the same fields (a test keeps them in step). */
export const BODY_SCHEMAS: Record<Provider, z.ZodObject> = {
  'bank-sim': bankSimSchema,
  sepay: sepaySchema,
  casso: cassoSchema,
};
