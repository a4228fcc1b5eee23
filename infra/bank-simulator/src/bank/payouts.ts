import { bankError } from '../support/errors';
import type { Rng } from '../support/rng';
import type { AccountDirectory } from './accounts';
import type { Ledger } from './ledger';

/** NAPAS 247 caps one interbank transfer; larger settlements must be split by the caller. */
export const NAPAS_MAX_AMOUNT = 499_999_999;

export interface PayoutRequest {
  toBin: string;
  toAccount: string;
  amount: number;
  description: string;
  sourceAccount?: string;
}

export interface PayoutRecord {
  payoutId: string;
  idempotencyKey: string;
  status: 'SUCCEEDED';
  amount: number;
  toBin: string;
  toAccount: string;
  toName: string;
  sourceAccount: string;
  description: string;
  transactionId: string;
  createdAt: string;
  failureCode: null;
}

export type PayoutAnswer = { record: PayoutRecord; replayed: boolean };

/**
 * Payouts, idempotent by the client's key. The whole check-and-book below is synchronous: two requests with one key
 * (a retry racing a slow original) are serialized by the event loop, so the second always sees the first's record and
 * a key can never book two transfers.
 */
export class PayoutStore {
  private readonly byKey = new Map<string, { fingerprint: string; record: PayoutRecord }>();
  private readonly byId = new Map<string, PayoutRecord>();

  constructor(
    private readonly accounts: AccountDirectory,
    private readonly ledger: Ledger,
    private readonly rng: () => Rng,
    private readonly operatingAccount: string,
  ) {}

  submit(idempotencyKey: string, req: PayoutRequest, now: Date): PayoutAnswer {
    const fingerprint = canonical(req);
    const seen = this.byKey.get(idempotencyKey);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw bankError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key was used for a different payout', 409, {
          payoutId: seen.record.payoutId,
        });
      }
      return { record: seen.record, replayed: true };
    }
    if (req.amount > NAPAS_MAX_AMOUNT) {
      throw bankError('AMOUNT_LIMIT_EXCEEDED', `one transfer carries at most ${NAPAS_MAX_AMOUNT} đồng`, 422, {
        max: NAPAS_MAX_AMOUNT,
      });
    }
    // Rejections are not remembered under the key: nothing moved, so the same key may be tried again once fixed.
    const to = this.accounts.resolve(req.toBin, req.toAccount);
    const source = this.accounts.resolvePartner(req.sourceAccount ?? this.operatingAccount);
    const payoutId = `PO${String(this.byId.size + 1).padStart(8, '0')}${String(this.rng().int(10_000)).padStart(4, '0')}`;
    const transfer = this.ledger.book(
      {
        kind: 'payout',
        amount: req.amount,
        description: req.description,
        from: { bin: source.bin, accountNumber: source.accountNumber, name: source.accountNameAscii },
        to: { bin: to.bin, accountNumber: to.accountNumber, name: to.accountNameAscii },
        virtualAccount: null,
        payoutId,
      },
      now,
    );
    const record: PayoutRecord = {
      payoutId,
      idempotencyKey,
      status: 'SUCCEEDED',
      amount: req.amount,
      toBin: to.bin,
      toAccount: to.accountNumber,
      toName: to.accountNameAscii,
      sourceAccount: source.accountNumber,
      description: req.description,
      transactionId: transfer.transactionId,
      createdAt: now.toISOString(),
      failureCode: null,
    };
    this.byKey.set(idempotencyKey, { fingerprint, record });
    this.byId.set(payoutId, record);
    return { record, replayed: false };
  }

  byPayoutId(payoutId: string): PayoutRecord | undefined {
    return this.byId.get(payoutId);
  }

  byIdempotencyKey(key: string): PayoutRecord | undefined {
    return this.byKey.get(key)?.record;
  }

  all(): PayoutRecord[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byKey.clear();
    this.byId.clear();
  }
}

/** Key order must not make "the same payout" look different. */
function canonical(req: PayoutRequest): string {
  const { toBin, toAccount, amount, description, sourceAccount } = req;
  return JSON.stringify([toBin, toAccount, amount, description, sourceAccount ?? null]);
}
