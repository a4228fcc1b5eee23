import { findIn } from '@marketqr/mongo';
import { periodicResource, type Logger, type PeriodicJob, type Resource } from '@marketqr/service-kit';
import { addDays, localTime } from '../domain/time';
import { learnUsualHours, stoppedWindow } from '../domain/usual-hours';
import type { AlertDoc, Store } from '../store/models';
import { links, type AlertService } from './alerts.service';

export interface EvaluatorOptions {
  store: Store;
  alerts: AlertService;
  logger: Logger;
  /** The time the rules are evaluated at; injected by tests. */
  clock: () => Date;
  intervalMs: number;
  historyDays: number;
  usualMinDays: number;
  stoppedHours: number;
  /** How long learned usual hours are reused (wall-clock time, not `clock`: it is about data freshness). */
  profileTtlMs: number;
}

export interface EvaluationReport {
  at: string;
  raised: number;
  resolved: number;
}

/**
 * The periodic half of the alerts: conditions that become true by time passing (no payment while a stall's usual
 * hours go by) cannot be raised by an event, and conditions whose clearing event may have been seen out of order
 * (suspense payments) are reconciled here.
 *
 * Every replica may run it: raising inserts one _id per condition (duplicates refused by the index) and resolving is a
 * conditional update, so two evaluators do the same thing twice, harmlessly.
 */
export class AlertEvaluator implements Resource {
  readonly name = 'alert-evaluator';
  private readonly profiles = new Map<string, { today: string; computedAt: number; hours: Map<string, number[]> }>();
  /** An evaluation failing (the database briefly away) is logged and retried; it does not make the service unready. */
  private readonly job: PeriodicJob;

  constructor(private readonly opts: EvaluatorOptions) {
    this.job = periodicResource({
      name: this.name,
      intervalMs: opts.intervalMs,
      firstRunAfterMs: opts.intervalMs,
      unreadyAfterFailures: 0,
      logger: opts.logger,
      run: async () => {
        const report = await this.runOnce();
        return report.raised + report.resolved;
      },
    });
  }

  start(): Promise<void> {
    return this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  check(): Promise<void> {
    return this.job.check();
  }

  async runOnce(): Promise<EvaluationReport> {
    const now = this.opts.clock();
    const report: EvaluationReport = { at: now.toISOString(), raised: 0, resolved: 0 };
    const markets = await this.opts.store.stalls.distinct('marketId', {});
    for (const marketId of markets) {
      if (this.job.stopping()) break;
      await this.stoppedPayments(marketId, now, report);
    }
    await this.reconcileSuspense(now, report);
    if (report.raised || report.resolved) this.opts.logger.info(report, 'alerts evaluated');
    return report;
  }

  /** Raises and resolves stopped-payments alerts of one market's active stalls. */
  private async stoppedPayments(marketId: string, now: Date, report: EvaluationReport): Promise<void> {
    const { store, alerts } = this.opts;
    const { day: today, hour } = localTime(now);
    const [active, unresolved] = await Promise.all([
      store.stalls.find({ marketId, status: 'active' }, { projection: { _id: 1 } }).toArray(),
      alerts.unresolved('payments_stopped', marketId),
    ]);
    if (active.length === 0 && unresolved.length === 0) return;
    const activeIds = new Set(active.map((s) => s._id));
    const todayDocs = await store.stallDays
      .find({ marketId, day: today }, { projection: { merchantId: 1, hours: 1 } })
      .toArray();
    const todayHours = new Map(todayDocs.map((d) => [d.merchantId, d.hours]));

    const watched = new Set<string>();
    for (const alert of unresolved) {
      const merchantId = alert.merchantId ?? '';
      if (!activeIds.has(merchantId)) {
        // Suspended (the manager acted) or gone: nothing left to watch.
        if (await alerts.resolveById(alert._id, 'stall_not_active', now)) report.resolved++;
      } else if (await this.paidSince(alert, today)) {
        if (await alerts.resolveById(alert._id, 'payments_resumed', now)) report.resolved++;
      } else {
        watched.add(merchantId);
      }
    }

    const usual = await this.usualHours(marketId, today);
    for (const merchantId of activeIds) {
      if (watched.has(merchantId)) continue;
      const hours = usual.get(merchantId) ?? [];
      const window = stoppedWindow(hours, todayHours.get(merchantId), hour, this.opts.stoppedHours);
      if (!window) continue;
      const raised = await alerts.raise({
        // One per stall and day: a stall that resumed and stops again the same day is not raised twice.
        key: `payments_stopped:${merchantId}:${today}`,
        kind: 'payments_stopped',
        severity: 'high',
        marketId,
        merchantId,
        title: `Không có thanh toán QR trong ${window.silentHours.length} giờ bán thường lệ (${window.silentHours
          .map((h) => `${h}h`)
          .join(', ')}): kiểm tra mã QR tại sạp`,
        details: {
          day: today,
          usualHours: hours,
          silentHours: window.silentHours,
          startHour: window.startHour,
          // Vietnam keeps UTC+7 all year (no daylight saving), so the local hour maps to one instant.
          watchedSince: `${today}T${String(window.startHour).padStart(2, '0')}:00:00+07:00`,
        },
        link: links.stall(merchantId),
        at: now,
      });
      if (raised === 'raised') report.raised++;
    }
  }

  /** Whether the stall has been paid since the start of the alert's silent window. */
  private async paidSince(alert: AlertDoc, today: string): Promise<boolean> {
    const day = String(alert.details.day);
    const startHour = Number(alert.details.startHour);
    const docs = await this.opts.store.stallDays
      .find(
        { merchantId: alert.merchantId ?? '', day: { $gte: day, $lte: today } },
        { projection: { day: 1, count: 1, hours: 1 } },
      )
      .toArray();
    return docs.some((d) =>
      d.day > day
        ? (d.count ?? 0) > 0
        : Object.entries(d.hours ?? {}).some(([k, n]) => Number(k.slice(1)) >= startHour && n > 0),
    );
  }

  /** Usual hours of a market's stalls, learned from the days before today; reused for `profileTtlMs`. */
  private async usualHours(marketId: string, today: string): Promise<Map<string, number[]>> {
    const cached = this.profiles.get(marketId);
    if (cached && cached.today === today && Date.now() - cached.computedAt < this.opts.profileTtlMs)
      return cached.hours;
    const docs = await this.opts.store.stallDays
      .find(
        { marketId, day: { $gte: addDays(today, -this.opts.historyDays), $lte: addDays(today, -1) } },
        { projection: { merchantId: 1, hours: 1 } },
      )
      .toArray();
    const perStall = new Map<string, { hours?: Record<string, number> }[]>();
    for (const d of docs) {
      const days = perStall.get(d.merchantId);
      if (days) days.push(d);
      else perStall.set(d.merchantId, [d]);
    }
    const hours = new Map([...perStall].map(([id, days]) => [id, learnUsualHours(days, this.opts.usualMinDays)]));
    this.profiles.set(marketId, { today, computedAt: Date.now(), hours });
    return hours;
  }

  /** Suspense alerts whose payment was dealt with under another key than the flag's (seen in the other order). */
  private async reconcileSuspense(now: Date, report: EvaluationReport): Promise<void> {
    const { store, alerts } = this.opts;
    const open = await alerts.unresolved('payment_in_suspense');
    if (open.length === 0) return;
    const ids = open.map((a) => String(a.details.paymentId));
    const [resolutions, counted] = await Promise.all([
      findIn(store.resolutions, ids),
      findIn(store.paymentFacts, ids, { projection: { _id: 1 } }),
    ]);
    const how = new Map<string, string>(counted.map((c) => [c._id, 'confirmed']));
    for (const r of resolutions) how.set(r._id, r.how);
    for (const alert of open) {
      const resolution = how.get(String(alert.details.paymentId));
      if (resolution && (await alerts.resolveById(alert._id, resolution, now))) report.resolved++;
    }
  }
}
