import type { Rng } from '../support/rng';
import { businessDayOf } from '../support/time';

export interface Party {
  bin: string;
  accountNumber: string;
  name: string;
}

export interface Transfer {
  transactionId: string;
  /** `incoming`: a transfer into a collection account (a shopper paying a stall); `payout`: money we sent out. */
  kind: 'incoming' | 'payout';
  /** Integer đồng. */
  amount: number;
  description: string;
  bookedAt: string;
  /** Asia/Ho_Chi_Minh day of `bookedAt`. */
  businessDay: string;
  from: Party;
  to: Party;
  /** For incoming transfers addressed to a stall's virtual account; the money lands on its collection account. */
  virtualAccount: string | null;
  payoutId: string | null;
}

export type StatementEntry = Transfer & { direction: 'credit' | 'debit' };

export interface StatementQuery {
  accountNumber: string;
  businessDay: string;
  offset: number;
  limit: number;
}

/**
 * Every transfer the simulated bank booked, in memory. Transaction ids look like core-banking ones ("FT" + the
 * Vietnamese date + digits) and come from the seeded RNG, so two runs with one seed produce the same ids.
 */
export class Ledger {
  private readonly byId = new Map<string, Transfer>();
  private readonly byDay = new Map<string, Transfer[]>();
  private seq = 0;

  constructor(private readonly rng: () => Rng) {}

  book(t: Omit<Transfer, 'transactionId' | 'bookedAt' | 'businessDay'>, at: Date): Transfer {
    const businessDay = businessDayOf(at);
    this.seq += 1;
    const transactionId = `FT${businessDay.slice(2).replace(/-/g, '')}${String(this.seq).padStart(6, '0')}${String(
      this.rng().int(1000),
    ).padStart(3, '0')}`;
    const transfer: Transfer = { ...t, transactionId, bookedAt: at.toISOString(), businessDay };
    this.byId.set(transactionId, transfer);
    const day = this.byDay.get(businessDay) ?? [];
    day.push(transfer);
    // Back-dated credits (tests) may arrive out of order; a statement lists the day by booking time.
    if (day.length > 1 && day[day.length - 2]!.bookedAt > transfer.bookedAt) {
      day.sort((a, b) => a.bookedAt.localeCompare(b.bookedAt));
    }
    this.byDay.set(businessDay, day);
    return transfer;
  }

  get(transactionId: string): Transfer | undefined {
    return this.byId.get(transactionId);
  }

  all(): Transfer[] {
    return [...this.byId.values()];
  }

  /** One page of an account's day plus the whole day's totals (what a bank's statement header shows). */
  statement(q: StatementQuery) {
    const entries = (this.byDay.get(q.businessDay) ?? []).flatMap((t): StatementEntry[] => {
      if (t.to.accountNumber === q.accountNumber) return [{ ...t, direction: 'credit' }];
      if (t.from.accountNumber === q.accountNumber) return [{ ...t, direction: 'debit' }];
      return [];
    });
    const totals = { credit: { count: 0, amount: 0 }, debit: { count: 0, amount: 0 } };
    for (const e of entries) {
      totals[e.direction].count += 1;
      totals[e.direction].amount += e.amount;
    }
    const page = entries.slice(q.offset, q.offset + q.limit);
    const next = q.offset + page.length;
    return { entries: page, totals, nextOffset: next < entries.length ? next : null };
  }

  clear(): void {
    this.byId.clear();
    this.byDay.clear();
    this.seq = 0;
  }
}
