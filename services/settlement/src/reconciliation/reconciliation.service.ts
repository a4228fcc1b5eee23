import type { BankGateway, StatementEntry } from '@marketqr/bank-gateway';
import { conflict, toCsvDocument } from '@marketqr/service-kit';
import type { MarketSettings } from '../fees/fee-schedule.service';
import type { CreditDoc, LineDoc, Models } from '../store/models';

export const CATEGORIES = ['matched', 'missing_ours', 'missing_at_bank', 'amount_differs'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ReconciliationItem {
  category: Category;
  /** A credit into the collection account (a shopper's payment) or a payout out of it. */
  kind: 'credit' | 'payout';
  /** The bank's transaction id when known (ours or theirs). */
  bankTransactionId: string | null;
  payoutId: string | null;
  account: string;
  ourAmount: number | null;
  bankAmount: number | null;
  merchantId: string | null;
  paymentId: string | null;
  settlementLineId: string | null;
  description: string | null;
}

export interface ReconciliationReport {
  marketId: string;
  businessDay: string;
  accounts: string[];
  generatedAt: string;
  summary: Record<Category, number> & {
    credits: { ours: number; bank: number };
    payouts: { ours: number; bank: number };
  };
  items: ReconciliationItem[];
}

/**
 * One business day of one market, our records against the bank's statement (Asia/Ho_Chi_Minh booking day):
 * - credits: the payment events we saw (by the bank transaction id they carry) against the statement's credits to the
 *   market's collection account;
 * - payouts: the lines we paid that day (by payout id / transaction id) against the statement's debits of the accounts
 *   they were paid from.
 * Every transaction ends in one category: matched; missing_ours (the bank has it, we do not: a notification never
 * received, a payout we do not know of); missing_at_bank (we have it, the statement does not); amount_differs.
 * Unknown debits are reported only for the market's own collection account: the bank's shared operating account
 * carries every market's payouts.
 */
export class ReconciliationService {
  constructor(
    private readonly deps: {
      models: Models;
      gateway: BankGateway;
      settings: MarketSettings;
      operatingAccount: string | null;
    },
  ) {}

  async report(marketId: string, day: string): Promise<ReconciliationReport> {
    const { models, gateway } = this.deps;
    const collection = await this.deps.settings.collectionAccount(marketId);
    if (!collection) {
      throw conflict('SETTLEMENT.NO_COLLECTION_ACCOUNT', `no collection account is configured for ${marketId}`);
    }
    const [credits, paid] = await Promise.all([
      models.Credit.find({ marketId, bankDay: day }).lean<CreditDoc[]>(),
      models.Line.find({ marketId, state: 'paid', 'payout.bankDay': day }).lean<LineDoc[]>(),
    ]);
    const payoutAccounts = new Set<string>([collection]);
    for (const l of paid) {
      const source = l.payout?.sourceAccount ?? this.deps.operatingAccount;
      if (source) payoutAccounts.add(source);
    }
    const statements = new Map<string, StatementEntry[]>();
    for (const account of payoutAccounts) {
      const entries: StatementEntry[] = [];
      for await (const e of gateway.iterateStatement({ accountNumber: account, businessDay: day, limit: 500 }))
        entries.push(e);
      statements.set(account, entries);
    }

    const items: ReconciliationItem[] = [];
    // Credits: the collection account only.
    const bankCredits = new Map(
      (statements.get(collection) ?? []).filter((e) => e.direction === 'credit').map((e) => [e.transactionId, e]),
    );
    for (const c of credits) {
      const bank = bankCredits.get(c._id);
      bankCredits.delete(c._id);
      items.push({
        category: !bank ? 'missing_at_bank' : bank.amount === c.amount ? 'matched' : 'amount_differs',
        kind: 'credit',
        bankTransactionId: c._id,
        payoutId: null,
        account: collection,
        ourAmount: c.amount,
        bankAmount: bank?.amount ?? null,
        merchantId: c.merchantId,
        paymentId: c.paymentId,
        settlementLineId: null,
        description: bank?.description ?? null,
      });
    }
    for (const bank of bankCredits.values()) items.push(bankOnly('credit', bank, collection));

    // Payouts: debits of every account our lines were paid from, matched by transaction id, else by payout id.
    const debits = [...statements].flatMap(([account, entries]) =>
      entries.filter((e) => e.direction === 'debit').map((entry) => ({ entry, account })),
    );
    const byTransaction = new Map(debits.map((d) => [d.entry.transactionId, d]));
    const byPayout = new Map(debits.filter((d) => d.entry.payoutId).map((d) => [d.entry.payoutId!, d]));
    const taken = new Set<string>();
    for (const l of paid) {
      const p = l.payout!;
      const hit =
        (p.transactionId ? byTransaction.get(p.transactionId) : undefined) ??
        (p.payoutId ? byPayout.get(p.payoutId) : undefined);
      if (hit) taken.add(hit.entry.transactionId);
      items.push({
        category: !hit ? 'missing_at_bank' : hit.entry.amount === l.settle.net ? 'matched' : 'amount_differs',
        kind: 'payout',
        bankTransactionId: p.transactionId,
        payoutId: p.payoutId,
        account: hit?.account ?? p.sourceAccount ?? this.deps.operatingAccount ?? '',
        ourAmount: l.settle.net,
        bankAmount: hit?.entry.amount ?? null,
        merchantId: l.merchantId,
        paymentId: null,
        settlementLineId: l._id,
        description: hit?.entry.description ?? p.description,
      });
    }
    for (const { entry, account } of debits) {
      if (account === collection && !taken.has(entry.transactionId)) items.push(bankOnly('payout', entry, account));
    }

    const summary = {
      matched: 0,
      missing_ours: 0,
      missing_at_bank: 0,
      amount_differs: 0,
      credits: { ours: sum(credits.map((c) => c.amount)), bank: 0 },
      payouts: { ours: sum(paid.map((l) => l.settle.net)), bank: 0 },
    };
    for (const i of items) {
      summary[i.category]++;
      if (i.bankAmount !== null) summary[i.kind === 'credit' ? 'credits' : 'payouts'].bank += i.bankAmount;
    }
    return {
      marketId,
      businessDay: day,
      accounts: [...payoutAccounts],
      generatedAt: new Date().toISOString(),
      summary,
      items,
    };
  }
}

function bankOnly(kind: 'credit' | 'payout', e: StatementEntry, account: string): ReconciliationItem {
  return {
    category: 'missing_ours',
    kind,
    bankTransactionId: e.transactionId,
    payoutId: e.payoutId ?? null,
    account,
    ourAmount: null,
    bankAmount: e.amount,
    merchantId: null,
    paymentId: null,
    settlementLineId: null,
    description: e.description,
  };
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

const CSV_COLUMNS: (keyof ReconciliationItem)[] = [
  'category',
  'kind',
  'bankTransactionId',
  'payoutId',
  'account',
  'ourAmount',
  'bankAmount',
  'merchantId',
  'paymentId',
  'settlementLineId',
  'description',
];

/** RFC 4180: every field quoted when it needs to be; a leading =+-@ is prefixed so a spreadsheet never runs it. */
export function toCsv(report: ReconciliationReport): string {
  // service-kit's writer: RFC 4180, control and bidirectional characters neutralised, formulas defused.
  return toCsvDocument(CSV_COLUMNS, report.items as unknown as Record<string, unknown>[]);
}
