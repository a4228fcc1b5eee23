import type { Period } from '../domain/period';
import { ratio } from '../domain/stats';
import { addDays, isoWeekday, localTime } from '../domain/time';
import type { AlertService } from '../alerts/alerts.service';
import type { AlertKind } from '../store/models';
import type { StatsService } from '../stats/stats.service';

/**
 * The monthly report of one market: what its board prints or sends up to the district. Every figure comes from the
 * same read models and the same grouping functions as the dashboard's tables (StatsService), for the calendar month
 * in Asia/Ho_Chi_Minh; this module only picks, compares and labels them.
 */

export class MonthError extends Error {
  constructor(
    readonly code: 'INSIGHTS.INVALID_MONTH' | 'INSIGHTS.MONTH_IN_FUTURE',
    message: string,
  ) {
    super(message);
    this.name = 'MonthError';
  }
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface MonthPeriod extends Period {
  month: string;
  asOf: string;
  /** The month has ended (as of today): its figures will not change except by late corrections. */
  complete: boolean;
}

/** The month before `month` (`YYYY-MM`). */
export function previousMonth(month: string): string {
  return addDays(`${month}-01`, -1).slice(0, 7);
}

/** The last month that has ended, for a default. */
export const lastMonth = (today: string): string => previousMonth(today.slice(0, 7));

/**
 * `YYYY-MM` → its days. The current month is allowed (figures so far, stall counts as of today); a month after today's
 * has nothing to report and is refused rather than answered with zeros that look like a real month.
 */
export function monthPeriod(month: unknown, today: string): MonthPeriod {
  if (typeof month !== 'string' || !MONTH_RE.test(month))
    throw new MonthError('INSIGHTS.INVALID_MONTH', 'month must be YYYY-MM (e.g. 2025-03)');
  const thisMonth = today.slice(0, 7);
  if (month > thisMonth)
    throw new MonthError('INSIGHTS.MONTH_IN_FUTURE', `month ${month} has not begun (today is ${today})`);
  const from = `${month}-01`;
  const to = addDays(`${addDays(from, 31).slice(0, 7)}-01`, -1);
  const asOf = to > today ? today : to;
  return { month, from, to, asOf, complete: to < today };
}

/** Calendar weeks (Monday–Sunday) of the month, cut at its first and last day. */
export function weeksOf(from: string, to: string): { from: string; to: string }[] {
  const weeks: { from: string; to: string }[] = [];
  for (let start = from; start <= to;) {
    const sunday = addDays(start, 7 - isoWeekday(start));
    const end = sunday < to ? sunday : to;
    weeks.push({ from: start, to: end });
    start = addDays(end, 1);
  }
  return weeks;
}

export const ALERT_KINDS: AlertKind[] = [
  'payments_stopped',
  'payment_in_suspense',
  'settlement_failed',
  'fake_qr',
  'unknown_poster',
  'order_code_of_other_stall',
  'login_attack',
];

/** Numbers of one month that the report compares with the month before. */
export interface MonthFigures {
  registered: number;
  active: number;
  withPrintedQr: number;
  /** Stalls with at least one counted QR payment paid in the month (whatever their status now). */
  stallsPaid: number;
  /** Active stalls (at the end of the month) among them. */
  activeStallsPaid: number;
  /** activeStallsPaid / active, 4 decimals; null without active stalls. */
  paidRate: number | null;
  /** The dashboard's adoption rate at the end of the month: active stalls paid in the 7 days ending then / active (one definition, see stats). */
  adoptionRate: number | null;
  paymentCount: number;
  paymentValue: number;
  averageTicket: number | null;
  feesCollected: number;
  chargesCollected: number;
}

export interface MonthlyReport {
  market: { id: string; name: string | null };
  month: string;
  period: { from: string; to: string; asOf: string; complete: boolean };
  previousMonth: string;
  generatedAt: string;
  /** dd/mm/yyyy HH:mm in Asia/Ho_Chi_Minh. */
  generatedAtLocal: string;
  current: MonthFigures;
  previous: MonthFigures;
  payments: {
    dynamicCount: number;
    dynamicValue: number;
    staticCount: number;
    staticValue: number;
    dynamicShare: number | null;
    payers: number;
    newPayers: number;
    busiestHour: number | null;
    byWeek: { week: number; from: string; to: string; paymentCount: number; paymentValue: number }[];
    byDay: { day: string; paymentCount: number; paymentValue: number }[];
    /** Zones and categories by value, highest first (every group with payments; the PDF shows the first five). */
    zones: { zone: string; stalls: number; stallsPaid: number; paymentCount: number; paymentValue: number }[];
    categories: {
      category: string;
      stalls: number;
      stallsPaid: number;
      paymentCount: number;
      paymentValue: number;
    }[];
  };
  fees: { paidGross: number; feesCollected: number; chargesCollected: number; paidNet: number };
  payouts: {
    batches: number;
    batchedLines: number;
    batchedNet: number;
    paidLines: number;
    paidNet: number;
    failedAttempts: number;
    failedLines: number;
    failedLinesUnpaid: number;
  };
  alerts: {
    rows: { kind: AlertKind; raised: number; acknowledged: number; resolved: number; open: number }[];
    totals: { raised: number; acknowledged: number; resolved: number; open: number };
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a Vietnamese reader writes it, in Asia/Ho_Chi_Minh: 02/04/2025 09:15. */
export function localDateTime(at: Date): string {
  const { day, hour } = localTime(at);
  // Minutes do not depend on the zone (Việt Nam is UTC+7, whole hours).
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)} ${pad(hour)}:${pad(at.getUTCMinutes())}`;
}

export class MonthlyReportService {
  constructor(
    private readonly stats: StatsService,
    private readonly alerts: AlertService,
  ) {}

  private async figures(marketId: string, p: MonthPeriod) {
    const scope = { level: 'market' as const, marketId };
    const [f, settlement] = await Promise.all([this.stats.reportFigures(scope, p), this.stats.settlement(scope, p)]);
    const paid = f.stalls.filter((s) => s.paymentCount > 0);
    const activePaid = paid.filter((s) => s.status === 'active').length;
    const figures: MonthFigures = {
      registered: f.total.registered,
      active: f.total.active,
      withPrintedQr: f.total.withPrintedQr,
      stallsPaid: paid.length,
      activeStallsPaid: activePaid,
      paidRate: ratio(activePaid, f.total.active),
      adoptionRate: f.total.adoptionRate,
      paymentCount: f.total.paymentCount,
      paymentValue: f.total.paymentValue,
      averageTicket: f.total.averageTicket,
      feesCollected: settlement.totals.paidFee,
      chargesCollected: settlement.totals.paidCharges,
    };
    return { figures, detail: f, settlement };
  }

  async build(marketId: string, p: MonthPeriod, now: Date): Promise<MonthlyReport> {
    const prevMonth = previousMonth(p.month);
    const prev = monthPeriod(prevMonth, p.asOf);
    const scope = { level: 'market' as const, marketId };
    // Alerts are instants: read a day either side of the month and keep those whose local day is in it.
    const [cur, before, payers, payouts, info, alerts] = await Promise.all([
      this.figures(marketId, p),
      this.figures(marketId, prev),
      this.stats.payers(scope, p),
      this.stats.payouts(scope, p),
      this.stats.scopeInfo(scope),
      this.alerts.raisedBetween(
        marketId,
        new Date(`${addDays(p.from, -1)}T00:00:00Z`),
        new Date(`${addDays(p.to, 2)}T00:00:00Z`),
      ),
    ]);
    const d = cur.detail;

    let busiestHour: number | null = null;
    d.hours.forEach((n, h) => {
      if (n > 0 && (busiestHour === null || n > d.hours[busiestHour]!)) busiestHour = h;
    });
    const byDay = d.days.map((r) => ({ day: r.day, paymentCount: r.paymentCount, paymentValue: r.paymentValue }));
    const byWeek = weeksOf(p.from, p.to).map((w, i) => {
      const days = byDay.filter((r) => r.day >= w.from && r.day <= w.to);
      return {
        week: i + 1,
        ...w,
        paymentCount: days.reduce((n, r) => n + r.paymentCount, 0),
        paymentValue: days.reduce((n, r) => n + r.paymentValue, 0),
      };
    });
    const groups = <K extends 'zone' | 'category'>(rows: typeof d.zones, key: K) => {
      // Stalls paid in the month per group: grouped like the rows, by the stall's current zone or category.
      const paidIn = new Map<string, number>();
      for (const s of d.stalls) if (s.paymentCount > 0) paidIn.set(s[key], (paidIn.get(s[key]) ?? 0) + 1);
      return rows
        .filter((r) => r.paymentCount > 0 || r.registered > 0)
        .sort((a, b) => b.paymentValue - a.paymentValue || b.paymentCount - a.paymentCount)
        .map((r) => ({
          [key]: r.key,
          stalls: r.registered,
          stallsPaid: paidIn.get(r.key) ?? 0,
          paymentCount: r.paymentCount,
          paymentValue: r.paymentValue,
        })) as ({ [P in K]: string } & {
        stalls: number;
        stallsPaid: number;
        paymentCount: number;
        paymentValue: number;
      })[];
    };

    const alertRows = ALERT_KINDS.map((kind) => ({ kind, raised: 0, acknowledged: 0, resolved: 0, open: 0 }));
    for (const a of alerts) {
      const day = localTime(a.raisedAt).day;
      if (day < p.from || day > p.to) continue;
      const row = alertRows.find((r) => r.kind === a.kind);
      if (!row) continue;
      row.raised++;
      // Handled: a person said "I'm on it" (acknowledged), whatever happened after; resolved: the condition cleared.
      if (a.acknowledgedAt) row.acknowledged++;
      if (a.status === 'resolved') row.resolved++;
      else if (a.status === 'open') row.open++;
    }
    const alertTotals = alertRows.reduce(
      (t, r) => ({
        raised: t.raised + r.raised,
        acknowledged: t.acknowledged + r.acknowledged,
        resolved: t.resolved + r.resolved,
        open: t.open + r.open,
      }),
      { raised: 0, acknowledged: 0, resolved: 0, open: 0 },
    );
    const st = cur.settlement.totals;

    return {
      market: { id: marketId, name: info.level === 'market' ? info.marketName : null },
      month: p.month,
      period: { from: p.from, to: p.to, asOf: p.asOf, complete: p.complete },
      previousMonth: prevMonth,
      generatedAt: now.toISOString(),
      generatedAtLocal: localDateTime(now),
      current: cur.figures,
      previous: before.figures,
      payments: {
        dynamicCount: d.total.dynamicCount,
        dynamicValue: d.total.dynamicValue,
        staticCount: d.total.staticCount,
        staticValue: d.total.staticValue,
        dynamicShare: d.total.dynamicShare,
        payers: payers.totals.payers,
        newPayers: payers.totals.newPayers,
        busiestHour,
        byWeek,
        byDay,
        zones: groups(d.zones, 'zone'),
        categories: groups(d.categories, 'category'),
      },
      fees: {
        paidGross: st.paidGross,
        feesCollected: st.paidFee,
        chargesCollected: st.paidCharges,
        paidNet: st.paidNet,
      },
      payouts: {
        batches: payouts.batches,
        batchedLines: st.batchedLines,
        batchedNet: st.batchedNet,
        paidLines: st.paidLines,
        paidNet: st.paidNet,
        failedAttempts: st.failedAttempts,
        failedLines: payouts.failedLines,
        failedLinesUnpaid: payouts.failedLinesUnpaid,
      },
      alerts: { rows: alertRows, totals: alertTotals },
    };
  }
}
