import type { BankGateway, StatementEntry } from '@marketqr/bank-gateway';
import { businessDateTimeOf } from '@marketqr/contracts';
import { conflict, toCsvDocument } from '@marketqr/service-kit';
import type { MarketSettings } from '../fees/market-settings.service';
import type { CreditDoc, LineDoc, Models, StallDoc } from '../store/models';

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
  /** The stall's code and vendor, when the item is a stall's (a person reads them, not the merchantId). */
  stallCode: string | null;
  vendorName: string | null;
  paymentId: string | null;
  settlementLineId: string | null;
  description: string | null;
  /** When the money moved (ISO instant): the bank's booking time, else ours (the payment's paidAt, the payout's). */
  at: string | null;
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
    const [credits, paid, stalls] = await Promise.all([
      models.Credit.find({ marketId, bankDay: day }).lean<CreditDoc[]>(),
      models.Line.find({ marketId, state: 'paid', 'payout.bankDay': day }).lean<LineDoc[]>(),
      models.Stall.find({ marketId }, { stallCode: 1, vendorName: 1 }).lean<
        Pick<StallDoc, '_id' | 'stallCode' | 'vendorName'>[]
      >(),
    ]);
    const stallOf = new Map(stalls.map((st) => [st._id, st]));
    const who = (merchantId: string | null) => {
      const st = merchantId ? stallOf.get(merchantId) : undefined;
      return { stallCode: st?.stallCode ?? null, vendorName: st?.vendorName ?? null };
    };
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
        ...who(c.merchantId),
        paymentId: c.paymentId,
        settlementLineId: null,
        description: bank?.description ?? null,
        at: bank?.bookedAt ?? new Date(c.paidAt).toISOString(),
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
        ...who(l.merchantId),
        paymentId: null,
        settlementLineId: l._id,
        description: hit?.entry.description ?? p.description,
        at: hit?.entry.bookedAt ?? (p.paidAt ? new Date(p.paidAt).toISOString() : null),
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
    stallCode: null,
    vendorName: null,
    paymentId: null,
    settlementLineId: null,
    description: e.description,
    at: e.bookedAt,
  };
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

export type CsvLang = 'vi' | 'en';

/**
 * The CSV's columns, for a market manager opening it in Excel: what is wrong, when, whose, the two amounts, then the
 * references. The header is Vietnamese by default (the JSON key with `lang=en`).
 */
const CSV_COLUMNS: { key: keyof ReconciliationItem; vi: string }[] = [
  { key: 'category', vi: 'Kết quả đối soát' },
  { key: 'kind', vi: 'Loại giao dịch' },
  { key: 'at', vi: 'Thời điểm' },
  { key: 'stallCode', vi: 'Sạp' },
  { key: 'vendorName', vi: 'Tiểu thương' },
  { key: 'ourAmount', vi: 'Số tiền theo hệ thống (đồng)' },
  { key: 'bankAmount', vi: 'Số tiền theo ngân hàng (đồng)' },
  { key: 'bankTransactionId', vi: 'Mã giao dịch ngân hàng' },
  { key: 'payoutId', vi: 'Mã lệnh chi' },
  { key: 'account', vi: 'Tài khoản' },
  { key: 'merchantId', vi: 'Mã sạp (hệ thống)' },
  { key: 'paymentId', vi: 'Mã thanh toán' },
  { key: 'settlementLineId', vi: 'Mã dòng quyết toán' },
  { key: 'description', vi: 'Nội dung chuyển khoản' },
];

/** The words the manager's page uses for each category and kind. */
const CATEGORY_TEXT: Record<Category, Record<CsvLang, string>> = {
  matched: { vi: 'Khớp', en: 'Matched' },
  missing_ours: { vi: 'Ngân hàng có, hệ thống không có', en: 'At the bank, not in our records' },
  missing_at_bank: { vi: 'Hệ thống có, ngân hàng không có', en: 'In our records, not at the bank' },
  amount_differs: { vi: 'Lệch số tiền', en: 'Amount differs' },
};
const KIND_TEXT: Record<ReconciliationItem['kind'], Record<CsvLang, string>> = {
  credit: { vi: 'Tiền vào', en: 'Credit' },
  payout: { vi: 'Chi trả', en: 'Payout' },
};

/**
 * One row per item, as people read it: the category and kind in words, the time as the wall clock in
 * Asia/Ho_Chi_Minh ("2026-12-07 08:55:00"). service-kit's writer: a BOM first (Excel reads UTF-8), RFC 4180, control
 * and bidirectional characters neutralised, formulas defused.
 */
export function toCsv(report: ReconciliationReport, lang: CsvLang = 'vi'): string {
  const rows = report.items.map((i) => ({
    ...i,
    category: CATEGORY_TEXT[i.category][lang],
    kind: KIND_TEXT[i.kind][lang],
    at: i.at ? businessDateTimeOf(i.at) : null,
  }));
  return toCsvDocument(
    CSV_COLUMNS.map((c) => c.key),
    rows,
    CSV_COLUMNS.map((c) => (lang === 'vi' ? c.vi : c.key)),
  );
}
