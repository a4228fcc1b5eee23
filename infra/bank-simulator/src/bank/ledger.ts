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
  /** Running balance per `bin:account`, from 0 at start: credits in, debits out, in booking order. */
  private readonly balances = new Map<string, number>();
  private seq = 0;

  constructor(private readonly rng: () => Rng) {}

  /**
   * A fresh transaction id for a transfer booked at `at`. `book` uses it; the shopper's app uses it for transfers it
   * sends to other banks, which this bank does not book, so ids stay unique across both.
   */
  newTransactionId(at: Date): string {
    this.seq += 1;
    return `FT${businessDayOf(at).slice(2).replace(/-/g, '')}${String(this.seq).padStart(6, '0')}${String(
      this.rng().int(1000),
    ).padStart(3, '0')}`;
  }

  book(t: Omit<Transfer, 'transactionId' | 'bookedAt' | 'businessDay'>, at: Date): Transfer {
    const businessDay = businessDayOf(at);
    const transactionId = this.newTransactionId(at);
    const transfer: Transfer = { ...t, transactionId, bookedAt: at.toISOString(), businessDay };
    this.move(t.to, t.amount);
    this.move(t.from, -t.amount);
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

  /** Balance of an account as this ledger saw it (integer đồng; 0 before any booking). */
  balanceOf(bin: string, accountNumber: string): number {
    return this.balances.get(`${bin}:${accountNumber}`) ?? 0;
  }

  private move(party: Party, amount: number): void {
    const key = `${party.bin}:${party.accountNumber}`;
    this.balances.set(key, (this.balances.get(key) ?? 0) + amount);
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
    this.balances.clear();
    this.seq = 0;
  }
}
