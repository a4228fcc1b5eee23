import type { Period } from '../domain/period';
import {
  adoptionRow,
  asOfDay,
  dailySeries,
  emptyAdoption,
  emptyMeasures,
  groupAdoption,
  lookbackStart,
  paymentColumns,
  payerStats,
  statusAt,
  totalMeasures,
  type AdoptionRow,
  type DayCounters,
  type StallInfo,
} from '../domain/stats';
import { eachDay } from '../domain/time';
import type { Store } from '../store/models';

/** Whose figures: one market (a manager's view), or every market of the province (the administrator's view). */
export type Scope = { level: 'market'; marketId: string } | { level: 'province' };

export const UNKNOWN = '(unknown)';
const IN_CHUNK = 500;

const scopeFilter = (scope: Scope): Record<string, unknown> =>
  scope.level === 'market' ? { marketId: scope.marketId } : {};

const vi = new Intl.Collator('vi');
/** Group names in Vietnamese alphabetical order, the unknown group last. */
const byName = (a: string, b: string) => (a === UNKNOWN ? 1 : b === UNKNOWN ? -1 : vi.compare(a, b));

/**
 * The statistics of a scope and period, read from the per-stall read models and summed here: market, zone, category
 * and province figures are never stored as shared counters (see store/models.ts). The definitions are in
 * domain/stats.ts and the README.
 */
/** The grouping of every stall into one group: the total. */
const ALL = (): string => 'all';

export class StatsService {
  constructor(private readonly store: Store) {}

  /** A market is known once a merchant event named one of its stalls. */
  async marketKnown(marketId: string): Promise<boolean> {
    return (await this.store.stalls.findOne({ marketId }, { projection: { _id: 1 } })) !== null;
  }

  async scopeInfo(scope: Scope) {
    if (scope.level === 'province') {
      const markets = await this.store.stalls.distinct('marketId', {});
      return { level: 'province' as const, markets: markets.length };
    }
    const any = await this.store.stalls.findOne({ marketId: scope.marketId }, { projection: { marketName: 1 } });
    return { level: 'market' as const, marketId: scope.marketId, marketName: any?.marketName ?? null };
  }

  private async stallInfo(scope: Scope): Promise<StallInfo[]> {
    const [stalls, qrs] = await Promise.all([
      this.store.stalls
        .find(scopeFilter(scope), {
          projection: {
            marketId: 1,
            marketName: 1,
            stallCode: 1,
            vendorName: 1,
            zone: 1,
            category: 1,
            registeredDay: 1,
            statusHistory: 1,
          },
        })
        .toArray(),
      this.store.stallQrs.find(scopeFilter(scope), { projection: { statics: 1, revokedStatics: 1 } }).toArray(),
    ]);
    const qrOf = new Map(qrs.map((q) => [q._id, q]));
    return stalls.map((s) => ({
      merchantId: s._id,
      marketId: s.marketId,
      marketName: s.marketName ?? null,
      stallCode: s.stallCode ?? null,
      vendorName: s.vendorName ?? null,
      zone: s.zone ?? null,
      category: s.category ?? null,
      registeredDay: s.registeredDay ?? null,
      statusHistory: (s.statusHistory ?? []).map((h) => ({ status: h.status, day: h.day })),
      staticQrs: (qrOf.get(s._id)?.statics ?? []).map((q) => ({ qrId: q.qrId, day: q.day })),
      revokedStaticQrs: (qrOf.get(s._id)?.revokedStatics ?? []).map((q) => ({ qrId: q.qrId, day: q.day })),
    }));
  }

  /** Stall-day counters with the reallocation adjustments, for days from…to. */
  private async counters(scope: Scope, from: string, to: string): Promise<DayCounters[]> {
    const filter = { ...scopeFilter(scope), day: { $gte: from, $lte: to } };
    const projection = { appliedEventIds: 0 };
    const [days, adjustments] = await Promise.all([
      this.store.stallDays.find(filter, { projection }).toArray(),
      this.store.adjustments.find(filter).toArray(),
    ]);
    return [...days, ...adjustments] as DayCounters[];
  }

  private async grouped(
    scope: Scope,
    period: Period,
    keyOf: (stall: StallInfo | undefined, c?: DayCounters) => string,
  ): Promise<{ groups: Map<string, AdoptionRow>; total: AdoptionRow; stalls: StallInfo[] }> {
    const [stalls, counters] = await Promise.all([
      this.stallInfo(scope),
      this.counters(scope, lookbackStart(period), period.to),
    ]);
    const byKey = groupAdoption(stalls, counters, period, keyOf);
    const groups = new Map<string, AdoptionRow>();
    for (const [key, g] of byKey) groups.set(key, adoptionRow(g.adoption, g.measures));
    // The total is one more grouping, unless the groups asked for were the total already.
    const all = (keyOf === ALL ? byKey : groupAdoption(stalls, counters, period, ALL)).get('all');
    const total = all ? adoptionRow(all.adoption, all.measures) : adoptionRow(emptyAdoption(), emptyMeasures());
    return { groups, total, stalls };
  }

  async adoption(scope: Scope, period: Period) {
    const { total } = await this.grouped(scope, period, ALL);
    return { rows: [total] };
  }

  /**
   * Adoption as of each day of the period, one row per day: the dashboard's chart in one request (it asked once per
   * day before: 14 requests, each reading the same stalls and counters). One read of each, then each day computed in
   * memory exactly as `adoption` computes it for a one-day period; a day after today is counted as of today.
   */
  async adoptionDays(scope: Scope, period: Period) {
    const today = period.asOf && period.asOf < period.to ? period.asOf : period.to;
    const [stalls, counters] = await Promise.all([
      this.stallInfo(scope),
      this.counters(scope, lookbackStart(period), period.to),
    ]);
    const rows = eachDay(period.from, period.to).map((day) => {
      const oneDay: Period = { from: day, to: day, asOf: day > today ? today : day };
      const g = groupAdoption(stalls, counters, oneDay, ALL).get('all');
      return { day, ...(g ? adoptionRow(g.adoption, g.measures) : adoptionRow(emptyAdoption(), emptyMeasures())) };
    });
    return { rows };
  }

  async zones(scope: Scope, period: Period) {
    if (scope.level === 'market') {
      const { groups, total } = await this.grouped(scope, period, (s) => s?.zone ?? UNKNOWN);
      const rows = [...groups].sort(([a], [b]) => byName(a, b)).map(([zone, row]) => ({ zone, ...row }));
      return { rows, totals: total };
    }
    // Zones are a market's own: across the province a zone is (market, zone).
    const names = new Map<string, string | null>();
    const { groups, total } = await this.grouped(scope, period, (s, c) => {
      const marketId = s?.marketId ?? c?.marketId ?? UNKNOWN;
      if (s?.marketName) names.set(marketId, s.marketName);
      return JSON.stringify([marketId, s?.zone ?? UNKNOWN]);
    });
    const rows = [...groups]
      .map(([key, row]) => {
        const [marketId, zone] = JSON.parse(key) as [string, string];
        return { marketId, marketName: names.get(marketId) ?? null, zone, ...row };
      })
      .sort((a, b) => byName(a.marketId, b.marketId) || byName(a.zone, b.zone));
    return { rows, totals: total };
  }

  async categories(scope: Scope, period: Period) {
    const { groups, total } = await this.grouped(scope, period, (s) => s?.category ?? UNKNOWN);
    const rows = [...groups].sort(([a], [b]) => byName(a, b)).map(([category, row]) => ({ category, ...row }));
    return { rows, totals: total };
  }

  async markets(period: Period) {
    const names = new Map<string, string | null>();
    const { groups, total } = await this.grouped({ level: 'province' }, period, (s, c) => {
      const marketId = s?.marketId ?? c?.marketId ?? UNKNOWN;
      if (s?.marketName) names.set(marketId, s.marketName);
      return marketId;
    });
    const rows = [...groups]
      .sort(([a], [b]) => byName(a, b))
      .map(([marketId, row]) => ({ marketId, marketName: names.get(marketId) ?? null, ...row }));
    return { rows, totals: total };
  }

  /** One row per stall of a market: where it stands at the end of the period, and its payments in the period. */
  async stalls(scope: Scope, period: Period) {
    const [stalls, counters] = await Promise.all([
      this.stallInfo(scope),
      this.counters(scope, lookbackStart(period), period.to),
    ]);
    const groups = groupAdoption(stalls, counters, period, (s, c) => s?.merchantId ?? c?.merchantId ?? UNKNOWN);
    const asOf = asOfDay(period);
    const net = new Map<string, number>();
    for (const c of counters)
      if (c.day <= asOf) net.set(`${c.merchantId}|${c.day}`, (net.get(`${c.merchantId}|${c.day}`) ?? 0) + c.count);
    const lastPaid = new Map<string, string>();
    for (const [key, n] of net) {
      const [merchantId, day] = key.split('|') as [string, string];
      if (n > 0 && day > (lastPaid.get(merchantId) ?? '')) lastPaid.set(merchantId, day);
    }
    const known = new Map(stalls.map((s) => [s.merchantId, s]));
    const rows = [...groups].map(([merchantId, g]) => {
      const s = known.get(merchantId);
      return {
        merchantId,
        stallCode: s?.stallCode ?? null,
        vendorName: s?.vendorName ?? null,
        zone: s?.zone ?? null,
        category: s?.category ?? null,
        status: s ? statusAt(s, asOf) : null,
        registeredDay: s?.registeredDay ?? null,
        hasPrintedQr: g.adoption.withPrintedQr > 0,
        paidIn7d: g.adoption.withPayment7d > 0,
        paidIn30d: g.adoption.withPayment30d > 0,
        lastPaymentDay: lastPaid.get(merchantId) ?? null,
        ...paymentColumns(g.measures),
      };
    });
    rows.sort(
      (a, b) => byName(a.stallCode ?? UNKNOWN, b.stallCode ?? UNKNOWN) || a.merchantId.localeCompare(b.merchantId),
    );
    return { rows };
  }

  /**
   * What the monthly report needs of the stall-day counters, from ONE read of the stalls and counters (the dashboard's
   * tables each read them again): the total adoption row, and per stall, zone, category and day, grouped by the same
   * functions the statistics routes use, so the report's numbers are the dashboard's for the same period.
   */
  async reportFigures(scope: Scope, period: Period) {
    const [stalls, counters] = await Promise.all([
      this.stallInfo(scope),
      this.counters(scope, lookbackStart(period), period.to),
    ]);
    const rowsOf = (keyOf: (s: StallInfo | undefined, c?: DayCounters) => string) =>
      [...groupAdoption(stalls, counters, period, keyOf)].map(([key, g]) => ({
        key,
        ...adoptionRow(g.adoption, g.measures),
      }));
    const all = groupAdoption(stalls, counters, period, ALL).get('all');
    const asOf = asOfDay(period);
    const known = new Map(stalls.map((s) => [s.merchantId, s]));
    const perStall = rowsOf((s, c) => s?.merchantId ?? c?.merchantId ?? UNKNOWN).map((r) => {
      const s = known.get(r.key);
      return {
        ...r,
        status: s ? statusAt(s, asOf) : null,
        zone: s?.zone ?? UNKNOWN,
        category: s?.category ?? UNKNOWN,
      };
    });
    return {
      total: all ? adoptionRow(all.adoption, all.measures) : adoptionRow(emptyAdoption(), emptyMeasures()),
      stalls: perStall,
      zones: rowsOf((s) => s?.zone ?? UNKNOWN),
      categories: rowsOf((s) => s?.category ?? UNKNOWN),
      days: dailySeries(counters, period).map(({ day, measures }) => ({ day, ...paymentColumns(measures) })),
      hours: totalMeasures(counters, period).hourCounts,
    };
  }

  /**
   * Payout batches and lines of the business days in the period: batches and batched lines (market documents), lines
   * paid and failed (stall documents), and the lines that failed and have not been paid since.
   */
  async payouts(scope: Scope, period: Period) {
    const filter = { ...scopeFilter(scope), day: { $gte: period.from, $lte: period.to } };
    const [lines, batches] = await Promise.all([
      this.store.settlementDays
        .find(filter, { projection: { paidLineIds: 1, failedLineIds: 1, failedAttempts: 1, paidLines: 1 } })
        .toArray(),
      this.store.marketSettlementDays.find(filter, { projection: { batches: 1 } }).toArray(),
    ]);
    const paid = new Set<string>();
    const failed = new Set<string>();
    for (const l of lines) {
      for (const id of l.paidLineIds ?? []) paid.add(id);
      for (const id of l.failedLineIds ?? []) failed.add(id);
    }
    let unpaid = 0;
    for (const id of failed) if (!paid.has(id)) unpaid++;
    return {
      batches: batches.reduce((n, b) => n + (b.batches ?? 0), 0),
      failedLines: failed.size,
      failedLinesUnpaid: unpaid,
    };
  }

  async payments(scope: Scope, period: Period) {
    const counters = await this.counters(scope, period.from, period.to);
    const rows = dailySeries(counters, period).map(({ day, measures }) => ({ day, ...paymentColumns(measures) }));
    return { rows, totals: paymentColumns(totalMeasures(counters, period)) };
  }

  async hours(scope: Scope, period: Period) {
    const m = totalMeasures(await this.counters(scope, period.from, period.to), period);
    const rows = m.hourCounts.map((count, hour) => ({ hour, paymentCount: count, paymentValue: m.hourValues[hour]! }));
    let busiest: number | null = null;
    for (const r of rows)
      if (r.paymentCount > 0 && (busiest === null || r.paymentCount > rows[busiest]!.paymentCount)) busiest = r.hour;
    return { rows, totals: { paymentCount: m.paymentCount, paymentValue: m.paymentValue }, busiestHour: busiest };
  }

  async payers(scope: Scope, period: Period) {
    const filter = scopeFilter(scope);
    const [inPeriod, counters] = await Promise.all([
      this.store.payerDays
        .find({ ...filter, day: { $gte: period.from, $lte: period.to } }, { projection: { payerHash: 1, day: 1 } })
        .toArray(),
      this.counters(scope, period.from, period.to),
    ]);
    const hashes = [...new Set(inPeriod.map((p) => p.payerHash))];
    const seenBefore = new Set<string>();
    for (let i = 0; i < hashes.length; i += IN_CHUNK) {
      const earlier = await this.store.payerDays
        .find(
          { ...filter, payerHash: { $in: hashes.slice(i, i + IN_CHUNK) }, day: { $lt: period.from } },
          { projection: { payerHash: 1 } },
        )
        .toArray();
      for (const e of earlier) seenBefore.add(e.payerHash);
    }
    const stats = payerStats(inPeriod, seenBefore, period);
    const series = dailySeries(counters, period);
    const rows = stats.days.map((d, i) => {
      const m = series[i]!.measures;
      return {
        ...d,
        paymentsWithPayer: m.paymentsWithPayer,
        paymentsWithoutPayer: m.paymentCount - m.paymentsWithPayer,
      };
    });
    const total = totalMeasures(counters, period);
    return {
      rows,
      totals: {
        ...stats.totals,
        paymentsWithPayer: total.paymentsWithPayer,
        paymentsWithoutPayer: total.paymentCount - total.paymentsWithPayer,
      },
    };
  }

  async settlement(scope: Scope, period: Period) {
    const filter = { ...scopeFilter(scope), day: { $gte: period.from, $lte: period.to } };
    const [lines, batches, balances] = await Promise.all([
      this.store.settlementDays.find(filter, { projection: { appliedEventIds: 0 } }).toArray(),
      this.store.marketSettlementDays.find(filter, { projection: { appliedEventIds: 0 } }).toArray(),
      this.store.balances.find(scopeFilter(scope), { projection: { balance: 1 } }).toArray(),
    ]);
    const empty = () => ({
      batchedLines: 0,
      batchedGross: 0,
      batchedFee: 0,
      batchedNet: 0,
      paidLines: 0,
      paidGross: 0,
      paidFee: 0,
      paidCharges: 0,
      paidNet: 0,
      failedAttempts: 0,
    });
    const days = new Map(eachDay(period.from, period.to).map((d) => [d, empty()]));
    const totals = empty();
    for (const b of batches) {
      for (const target of [days.get(b.day), totals]) {
        if (!target) continue;
        target.batchedLines += b.batchedLines ?? 0;
        target.batchedGross += b.batchedGross ?? 0;
        target.batchedFee += b.batchedFee ?? 0;
        target.batchedNet += b.batchedNet ?? 0;
      }
    }
    for (const l of lines) {
      for (const target of [days.get(l.day), totals]) {
        if (!target) continue;
        target.paidLines += l.paidLines ?? 0;
        target.paidGross += l.paidGross ?? 0;
        target.paidFee += l.paidFee ?? 0;
        target.paidCharges += l.paidCharges ?? 0;
        target.paidNet += l.paidNet ?? 0;
        target.failedAttempts += l.failedAttempts ?? 0;
      }
    }
    return {
      rows: [...days].map(([day, v]) => ({ day, ...v })),
      totals,
      payableBalanceNow: balances.reduce((s, b) => s + (b.balance ?? 0), 0),
    };
  }
}
