import { addDays, eachDay, hourKey } from './time';
import type { Period } from './period';

/**
 * The statistics, as pure functions over the read model's documents, so that their definitions live in one place (and
 * in the README) and are tested without a database. Money is integer đồng throughout; the only divisions are the
 * average ticket (rounded half up to a whole đồng) and the ratios (rounded half up to 4 decimal places).
 */

export type PaymentKind = 'dynamic' | 'static';

/** What the statistics need to know about a stall (the `stalls`, `stall_qrs` read models). */
export interface StallInfo {
  merchantId: string;
  marketId: string;
  marketName: string | null;
  stallCode: string | null;
  vendorName: string | null;
  /** Current zone and category: groups use the stall's current ones. */
  zone: string | null;
  category: string | null;
  /** Day of its first merchant event (normally merchant.registered). */
  registeredDay: string | null;
  /** Each status the stall entered, in order, with the day (Asia/Ho_Chi_Minh) it did. */
  statusHistory: { status: string; day: string }[];
  /** Static QRs (printed posters) issued, and those revoked, with their days. */
  staticQrs: { qrId: string; day: string }[];
  revokedStaticQrs: { qrId: string; day: string }[];
}

/** One stall's counters for one day (a `stall_days` document, or a reallocation adjustment with negative values). */
export interface DayCounters {
  merchantId: string;
  marketId: string;
  day: string;
  count: number;
  value: number;
  dynamicCount: number;
  dynamicValue: number;
  staticCount: number;
  staticValue: number;
  /** Payments whose payer could be identified (the bank sent a name). */
  payerCount: number;
  /** Payments and value per hour of the day: keys h00 … h23. */
  hours: Record<string, number>;
  hourValues: Record<string, number>;
}

export interface Measures {
  paymentCount: number;
  paymentValue: number;
  dynamicCount: number;
  dynamicValue: number;
  staticCount: number;
  staticValue: number;
  paymentsWithPayer: number;
  hourCounts: number[];
  hourValues: number[];
}

export const emptyMeasures = (): Measures => ({
  paymentCount: 0,
  paymentValue: 0,
  dynamicCount: 0,
  dynamicValue: 0,
  staticCount: 0,
  staticValue: 0,
  paymentsWithPayer: 0,
  hourCounts: Array.from({ length: 24 }, () => 0),
  hourValues: Array.from({ length: 24 }, () => 0),
});

export function addCounters(m: Measures, c: DayCounters): void {
  m.paymentCount += c.count ?? 0;
  m.paymentValue += c.value ?? 0;
  m.dynamicCount += c.dynamicCount ?? 0;
  m.dynamicValue += c.dynamicValue ?? 0;
  m.staticCount += c.staticCount ?? 0;
  m.staticValue += c.staticValue ?? 0;
  m.paymentsWithPayer += c.payerCount ?? 0;
  for (let h = 0; h < 24; h++) {
    m.hourCounts[h]! += c.hours?.[hourKey(h)] ?? 0;
    m.hourValues[h]! += c.hourValues?.[hourKey(h)] ?? 0;
  }
}

/** Average ticket in whole đồng, rounded half up; null when there was no payment. */
export function averageTicket(value: number, count: number): number | null {
  if (count <= 0) return null;
  // Integer arithmetic: floor((2v + n) / 2n) is v/n rounded half up, exact for any total below 2^52 đồng.
  return Math.floor((2 * value + count) / (2 * count));
}

/** n / d rounded half up to 4 decimal places (0.6667); null when d is 0. */
export function ratio(n: number, d: number): number | null {
  if (d <= 0) return null;
  return Math.round((n * 10_000) / d) / 10_000;
}

/** The status a stall had at the end of `day`: the last status it entered on or before that day. */
export function statusAt(stall: StallInfo, day: string): string | null {
  let status: string | null = null;
  for (const s of stall.statusHistory) if (s.day <= day) status = s.status;
  return status;
}

/** Whether a printed (static) QR issued on or before `day` was still unrevoked at the end of `day`. */
export function hasPrintedQrAt(stall: StallInfo, day: string): boolean {
  const revoked = new Set(stall.revokedStaticQrs.filter((r) => r.day <= day).map((r) => r.qrId));
  return stall.staticQrs.some((q) => q.day <= day && !revoked.has(q.qrId));
}

// A type rather than an interface, so a totals row of these counts is a JSON row (an index signature) as it stands.
export type AdoptionCounts = {
  registered: number;
  active: number;
  withPrintedQr: number;
  withPayment7d: number;
  withPayment30d: number;
  activeWithPayment7d: number;
  activeWithPayment30d: number;
};

export const emptyAdoption = (): AdoptionCounts => ({
  registered: 0,
  active: 0,
  withPrintedQr: 0,
  withPayment7d: 0,
  withPayment30d: 0,
  activeWithPayment7d: 0,
  activeWithPayment30d: 0,
});

/** Payment columns every statistics table shares, in CSV order. */
export function paymentColumns(m: Measures) {
  return {
    paymentCount: m.paymentCount,
    paymentValue: m.paymentValue,
    averageTicket: averageTicket(m.paymentValue, m.paymentCount),
    dynamicCount: m.dynamicCount,
    dynamicValue: m.dynamicValue,
    staticCount: m.staticCount,
    staticValue: m.staticValue,
    dynamicShare: ratio(m.dynamicCount, m.paymentCount),
  };
}

export type AdoptionRow = AdoptionCounts & { adoptionRate: number | null } & ReturnType<typeof paymentColumns>;

/**
 * The adoption rate, the one definition the dashboard shows: of the stalls active at the end of the as-of day, the
 * share that received at least one QR payment in the 7 days ending on it. Numerator and denominator are the same
 * stalls (only active ones), so it is at most 1 and "43 / 44" and "97,7 %" are one figure. A week, not a month: a
 * stall whose payments stopped (a fake sticker over its poster, a vendor back to cash) stops counting within days.
 */
export function adoptionRow(a: AdoptionCounts, m: Measures): AdoptionRow {
  return { ...a, adoptionRate: ratio(a.activeWithPayment7d, a.active), ...paymentColumns(m) };
}

export const asOfDay = (p: Period): string => p.asOf ?? p.to;

/** The first day of the counters the adoption needs: the period's, and the 30 days ending on the as-of day. */
export const lookbackStart = (p: Period): string => {
  const start = addDays(asOfDay(p), -29);
  return start < p.from ? start : p.from;
};

/**
 * Adoption and payment measures per group (a zone, a category, a market, or one group for everything).
 *
 * Stall counts are taken at the end of the as-of day A (the period's last day, or today when the
 * period ends after today):
 * - registered: stalls registered on or before A;
 * - active: stalls whose status at the end of A is `active`;
 * - withPrintedQr: stalls with a static QR issued on or before A and not revoked by then;
 * - withPayment7d / withPayment30d: stalls with ≥ 1 counted payment in the 7 / 30 days ending on A;
 * - activeWithPayment7d / activeWithPayment30d: the active ones among those (7 days: the adoption rate's numerator);
 * - payment measures: counted payments with paidAt (Asia/Ho_Chi_Minh) in `from`…`to`.
 * Payments of a stall no merchant event has described yet count under the group `keyOf(undefined)`.
 */
export function groupAdoption(
  stalls: StallInfo[],
  counters: DayCounters[],
  period: Period,
  keyOf: (stall: StallInfo | undefined, c?: DayCounters) => string,
): Map<string, { adoption: AdoptionCounts; measures: Measures }> {
  const groups = new Map<string, { adoption: AdoptionCounts; measures: Measures }>();
  const group = (key: string) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { adoption: emptyAdoption(), measures: emptyMeasures() }));
    return g;
  };
  const byId = new Map(stalls.map((s) => [s.merchantId, s]));
  const asOf = asOfDay(period);
  const d7 = addDays(asOf, -6);
  const d30 = addDays(asOf, -29);
  // Net payments per stall per day (adjustments included), for the look-back windows.
  const perStallDay = new Map<string, Map<string, number>>();
  for (const c of counters) {
    if (c.day > period.to) continue;
    let days = perStallDay.get(c.merchantId);
    if (!days) perStallDay.set(c.merchantId, (days = new Map()));
    days.set(c.day, (days.get(c.day) ?? 0) + (c.count ?? 0));
    if (c.day >= period.from) addCounters(group(keyOf(byId.get(c.merchantId), c)).measures, c);
  }
  const paidSince = (merchantId: string, since: string) => {
    for (const [day, n] of perStallDay.get(merchantId) ?? []) if (day >= since && day <= asOf && n > 0) return true;
    return false;
  };
  for (const s of stalls) {
    if (!s.registeredDay || s.registeredDay > asOf) continue;
    const a = group(keyOf(s)).adoption;
    a.registered++;
    const active = statusAt(s, asOf) === 'active';
    if (active) a.active++;
    if (hasPrintedQrAt(s, asOf)) a.withPrintedQr++;
    if (paidSince(s.merchantId, d7)) {
      a.withPayment7d++;
      if (active) a.activeWithPayment7d++;
    }
    if (paidSince(s.merchantId, d30)) {
      a.withPayment30d++;
      if (active) a.activeWithPayment30d++;
    }
  }
  return groups;
}

/** Payment measures per day of the period, every day present (zeros for a day without payments). */
export function dailySeries(counters: DayCounters[], period: Period): { day: string; measures: Measures }[] {
  const byDay = new Map(eachDay(period.from, period.to).map((d) => [d, emptyMeasures()]));
  for (const c of counters) {
    const m = byDay.get(c.day);
    if (m) addCounters(m, c);
  }
  return [...byDay].map(([day, measures]) => ({ day, measures }));
}

export function totalMeasures(counters: DayCounters[], period: Period): Measures {
  const m = emptyMeasures();
  for (const c of counters) if (c.day >= period.from && c.day <= period.to) addCounters(m, c);
  return m;
}

export interface PayerDay {
  payerHash: string;
  day: string;
}

/**
 * New and returning payers. A payer is new on the first day they paid at the scope (a market, or any market of the
 * province); returning on any later day. Over the period: `payers` distinct payers who paid in it, `newPayers` those
 * whose first payment falls in it, `returningPayers` the others (they had paid before `from`).
 */
export function payerStats(inPeriod: PayerDay[], seenBefore: Set<string>, period: Period) {
  const firstDay = new Map<string, string>();
  const perDay = new Map<string, Set<string>>(eachDay(period.from, period.to).map((d) => [d, new Set()]));
  for (const p of inPeriod) {
    perDay.get(p.day)?.add(p.payerHash);
    if (seenBefore.has(p.payerHash)) continue;
    const first = firstDay.get(p.payerHash);
    if (!first || p.day < first) firstDay.set(p.payerHash, p.day);
  }
  const days = [...perDay].map(([day, payers]) => {
    let fresh = 0;
    for (const h of payers) if (firstDay.get(h) === day) fresh++;
    return { day, payers: payers.size, newPayers: fresh, returningPayers: payers.size - fresh };
  });
  const distinct = new Set<string>();
  for (const s of perDay.values()) for (const h of s) distinct.add(h);
  return {
    days,
    totals: { payers: distinct.size, newPayers: firstDay.size, returningPayers: distinct.size - firstDay.size },
  };
}
