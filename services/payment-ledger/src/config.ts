import { z } from 'zod';
import { authConfigShape } from '@marketqr/auth';
import { ORDER_CODE_SOURCE } from '@marketqr/contracts';
import { productionSecrets } from '@marketqr/service-kit';

/** The order codes qr-generation prints (`MQ` + 8 symbols of its unambiguous alphabet): the contracts' definition. */
export const DEFAULT_ORDER_CODE_PATTERN = ORDER_CODE_SOURCE;

/**
 * payment-ledger's own settings, on top of the shared ones (service-runtime) and auth's (JWT_*).
 * Secrets may come from `NAME_FILE` (loadConfig reads the file).
 */
export const configShape = {
  ...authConfigShape,
  /** HMAC secret the bank simulator signs `POST /webhooks/bank-sim` with. Required outside development and test. */
  WEBHOOK_SECRET_BANKSIM: z.string().min(16, 'at least 16 characters').optional(),
  /** SePay's webhook HMAC key. Required outside development and test. */
  WEBHOOK_SECRET_SEPAY: z.string().min(16, 'at least 16 characters').optional(),
  /** Casso's webhook checksum key. Required outside development and test. */
  WEBHOOK_SECRET_CASSO: z.string().min(16, 'at least 16 characters').optional(),
  /**
   * Key of the HMAC that turns a payer's bank and account number into `payerAccountHash` on payment events, so
   * statistics can tell new from returning payers while the account number never leaves the ledger. ≥ 32 characters;
   * required outside development and test. Changing it makes every payer look new.
   */
  PAYER_HASH_KEY: z.string().min(32, 'at least 32 characters').optional(),
  /** A signed timestamp further than this from our clock is refused (replays, badly skewed senders). */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
  /** Larger webhook bodies get 413 before anything is verified or stored. */
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(1_048_576).default(65_536),
  /**
   * The markets' collection accounts: `accountNumber=marketId` pairs, comma-separated (`2150001234=cho-nenh`).
   * Optional: merchant events carry each stall's market's collection account, and the service remembers it. This list
   * is for accounts no merchant event has named yet (older events lack it) and wins over what was learned.
   */
  COLLECTION_ACCOUNTS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out = new Map<string, string>();
      for (const pair of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const m = /^([0-9A-Za-z]{1,19})=([^\s=]{1,128})$/.exec(pair);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `expected accountNumber=marketId, got "${pair}"` });
          continue;
        }
        out.set(m[1]!, m[2]!);
      }
      return out;
    }),
  /**
   * How long a notification naming an order code or virtual account we do not know yet waits for the qr/merchant
   * event that would explain it, before it is posted without it (to the stall by virtual account, or to suspense).
   */
  MATCH_HOLD_MS: z.coerce.number().int().min(0).max(86_400_000).default(120_000),
  /**
   * The largest single transfer believed, per provider (`provider=amount`, comma-separated; a provider not named gets
   * 499,999,999 đ, NAPAS 247's per-transfer limit). A larger credit is stored and booked to the market's suspense for
   * review, never announced to a vendor.
   */
  PLAUSIBLE_MAX_AMOUNTS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Record<Provider, number> = {
        'bank-sim': NAPAS_247_LIMIT,
        sepay: NAPAS_247_LIMIT,
        casso: NAPAS_247_LIMIT,
      };
      for (const pair of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const m = /^(bank-sim|sepay|casso)=(\d{1,13})$/.exec(pair);
        if (!m || Number(m[2]) < 1) {
          ctx.addIssue({ code: 'custom', message: `expected provider=amount (bank-sim, sepay, casso), got "${pair}"` });
          continue;
        }
        out[m[1] as Provider] = Number(m[2]);
      }
      return out;
    }),
  /** A bank booking time further than this from when the notification arrived is not believed (held for review). */
  PLAUSIBLE_CLOCK_SKEW_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(7 * 86_400_000)
    .default(86_400_000),
  /**
   * Past bank times believed per provider beyond PLAUSIBLE_CLOCK_SKEW_MS, in days (`provider=days`, comma-separated;
   * default none). For a demo or test bank only: the demo stack (scripts/stack.sh) sets `bank-sim=62` so its history
   * replay (scripts/demo/history.js) can book 60 days of backdated transfers at their own time. A production provider
   * must never be named here: a notification weeks old is a replay or a forgery, and goes to review.
   */
  BACKDATED_BANK_TIME_DAYS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Partial<Record<Provider, number>> = {};
      for (const pair of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const m = /^(bank-sim|sepay|casso)=(\d{1,3})$/.exec(pair);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 366) {
          ctx.addIssue({ code: 'custom', message: `expected provider=days (1–366), got "${pair}"` });
          continue;
        }
        out[m[1] as Provider] = Number(m[2]);
      }
      return out;
    }),
  /** What an order code looks like inside a transfer description (a regular expression, matched case-insensitively). */
  ORDER_CODE_PATTERN: z
    .string()
    .default(DEFAULT_ORDER_CODE_PATTERN)
    .refine((p) => {
      try {
        new RegExp(p, 'gi');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression'),
  /** How often the inbox processor looks for notifications nobody has posted yet (other replicas', crashed work). */
  INBOX_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /**
   * A new notification is left to the replica that stored it for this long before any replica's poller takes it,
   * so replicas do not race each other for fresh work (a race would be harmless, only wasted).
   */
  INBOX_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(3_000),
  /**
   * How long a webhook's answer waits for its notification to be posted (it is stored already; the answer is a 200
   * either way). Bounds the backlog a burst can build and keeps announcements immediate.
   */
  WEBHOOK_POST_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(2_000),
  /**
   * Group commit of the webhook inbox: concurrent notifications are stored in one insertMany that closes at this many
   * records or this many milliseconds after the first (a lone notification waits at most that long).
   */
  INBOX_BATCH_MAX_ITEMS: z.coerce.number().int().min(1).max(1_000).default(100),
  INBOX_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(100).default(4),
  /**
   * Group commit of the ledger: entries posted at about the same time are written together (their postings appended
   * per account as one block), in a batch that closes at this many entries or this many milliseconds after the first.
   */
  LEDGER_BATCH_MAX_ITEMS: z.coerce.number().int().min(1).max(1_000).default(200),
  LEDGER_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(100).default(2),
  /**
   * Notifications matched at the same time by one process. Their postings are written together by the ledger's group
   * commit, so this bounds a batch's size as well: wide enough that a burst fills batches.
   */
  PROCESSOR_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(128),
  /** How often entries whose postings were interrupted (a crash) are looked for and completed. */
  LEDGER_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** An entry still marked in progress after this long belongs to a writer that died: complete it. */
  LEDGER_PENDING_AFTER_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** How often a live stream checks the store for payments posted by other replicas. */
  SSE_POLL_MS: z.coerce.number().int().min(50).max(10_000).default(500),
  /** Comment lines that keep proxies and phones from closing an idle stream. */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
};

export type LedgerConfig = { [K in keyof typeof configShape]: z.output<(typeof configShape)[K]> };

export type Provider = 'bank-sim' | 'sepay' | 'casso';

/** NAPAS 247's per-transfer limit ("under 500 million đồng"): the same cap qr-generation puts on a dynamic QR. */
export const NAPAS_247_LIMIT = 499_999_999;

/** Known to everyone on purpose: it only ever signs notifications on a developer's machine or in tests. */
export const DEVELOPMENT_WEBHOOK_SECRET = 'marketqr-development-webhook-secret';
/** Known to everyone on purpose: it only ever hashes payers on a developer's machine or in tests. */
export const DEVELOPMENT_PAYER_HASH_KEY = 'marketqr-development-payer-hash-key-0123456789';

/**
 * The ledger's secrets: each provider's webhook key and the payer-hash key. Outside development and test a missing one
 * stops the service at start (an unsigned webhook endpoint would let anyone credit any stall); in those two,
 * well-known development values stand in. `defaulted` names the stand-ins, for a warning.
 */
export function ledgerSecrets(config: {
  NODE_ENV: LedgerConfig['NODE_ENV'];
  WEBHOOK_SECRET_BANKSIM?: string;
  WEBHOOK_SECRET_SEPAY?: string;
  WEBHOOK_SECRET_CASSO?: string;
  PAYER_HASH_KEY?: string;
}): { webhooks: Record<Provider, string>; payerHashKey: string; defaulted: string[] } {
  const dev = DEVELOPMENT_WEBHOOK_SECRET;
  const { values, defaulted } = productionSecrets(config.NODE_ENV, {
    WEBHOOK_SECRET_BANKSIM: { value: config.WEBHOOK_SECRET_BANKSIM, development: dev },
    WEBHOOK_SECRET_SEPAY: { value: config.WEBHOOK_SECRET_SEPAY, development: dev },
    WEBHOOK_SECRET_CASSO: { value: config.WEBHOOK_SECRET_CASSO, development: dev },
    PAYER_HASH_KEY: { value: config.PAYER_HASH_KEY, development: DEVELOPMENT_PAYER_HASH_KEY },
  });
  return {
    webhooks: {
      'bank-sim': values.WEBHOOK_SECRET_BANKSIM,
      sepay: values.WEBHOOK_SECRET_SEPAY,
      casso: values.WEBHOOK_SECRET_CASSO,
    },
    payerHashKey: values.PAYER_HASH_KEY,
    defaulted,
  };
}
