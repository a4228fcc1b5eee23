import { createHash } from 'node:crypto';
import { applyOnce } from '@marketqr/messaging';
import { findPage } from '@marketqr/mongo';
import { AppError, KeyedMutex, notFound, type Page, type PageQuery } from '@marketqr/service-kit';
import { insertOnce, type AlertDoc, type AlertKind, type AlertStatus, type Store } from '../store/models';

/**
 * Alerts for market managers: raised by the event projections (suspense, settlement) and the periodic evaluator
 * (stopped payments), acknowledged by a person, resolved automatically when the condition clears.
 *
 * One alert per condition: its _id is derived from a key naming the condition (`suspense:<paymentId>`), so raising it
 * again (a redelivered event, two evaluating replicas) inserts the same _id and the unique index refuses the second.
 * Status changes are conditional updates, serialised per alert in this process. Across replicas an acknowledgement
 * racing an automatic resolution can, on FerretDB, leave "acknowledged" over "resolved"; the evaluator resolves it
 * again on its next pass for stopped payments and suspense, and a settlement line is paid once, so the race is benign.
 */
export const alertIdOf = (key: string): string => `al_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;

export interface RaiseInput {
  key: string;
  kind: AlertKind;
  severity: AlertDoc['severity'];
  marketId: string;
  merchantId: string | null;
  title: string;
  details: Record<string, unknown>;
  link: string;
  at: Date;
}

export type StatusFilter = AlertStatus | 'unresolved';

export interface PublicAlert {
  id: string;
  kind: AlertKind;
  severity: AlertDoc['severity'];
  status: AlertStatus;
  marketId: string;
  merchantId: string | null;
  stallCode: string | null;
  zone: string | null;
  title: string;
  link: string;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  details: Record<string, unknown>;
  occurrences: number;
  occurredAt: string[];
}

export const publicAlert = (a: AlertDoc): PublicAlert => ({
  id: a._id,
  kind: a.kind,
  severity: a.severity,
  status: a.status,
  marketId: a.marketId,
  merchantId: a.merchantId,
  stallCode: a.stallCode,
  zone: a.zone,
  title: a.title,
  link: a.link,
  raisedAt: a.raisedAt.toISOString(),
  acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
  acknowledgedBy: a.acknowledgedBy,
  resolvedAt: a.resolvedAt?.toISOString() ?? null,
  resolution: a.resolution,
  details: a.details,
  // Sightings of the condition (a fake QR scanned again): at least the one that raised it.
  occurrences: a.occurrences ?? 1,
  occurredAt: (a.occurredAt ?? [a.raisedAt]).map((d) => d.toISOString()),
});

const UNRESOLVED: AlertStatus[] = ['open', 'acknowledged'];

export class AlertService {
  private readonly mutex = new KeyedMutex();

  constructor(private readonly store: Store) {}

  /** Raises the alert unless one for the same condition exists (whatever its status). */
  async raise(input: RaiseInput): Promise<'raised' | 'exists'> {
    const stall = input.merchantId
      ? await this.store.stalls.findOne({ _id: input.merchantId }, { projection: { stallCode: 1, zone: 1 } })
      : null;
    const doc: AlertDoc = {
      _id: alertIdOf(input.key),
      key: input.key,
      kind: input.kind,
      severity: input.severity,
      status: 'open',
      marketId: input.marketId,
      merchantId: input.merchantId,
      stallCode: stall?.stallCode ?? null,
      zone: stall?.zone ?? null,
      title: input.title,
      details: input.details,
      link: input.link,
      raisedAt: input.at,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolution: null,
    };
    return (await insertOnce(this.store.alerts, doc)) ? 'raised' : 'exists';
  }

  /**
   * One more sighting of the condition behind an alert (raised first): counted once per event, so many shoppers
   * scanning one fake QR make one alert with its count and times, not a pile.
   */
  async recordOccurrence(key: string, at: Date, eventId: string): Promise<void> {
    const id = alertIdOf(key);
    // Through the same per-alert lock as acknowledge/resolve: FerretDB can lose one of two concurrent updates.
    await this.mutex.run(id, () =>
      applyOnce(this.store.alerts, {
        filter: { _id: id },
        update: { $inc: { occurrences: 1 }, $push: { occurredAt: at } },
        eventId,
        keep: 1_000,
      }),
    );
  }

  /** Resolves the condition's alert if it is open or acknowledged; true when this call resolved it. */
  async resolve(key: string, resolution: string, at: Date): Promise<boolean> {
    return this.resolveById(alertIdOf(key), resolution, at);
  }

  async resolveById(id: string, resolution: string, at: Date): Promise<boolean> {
    return this.mutex.run(id, async () => {
      const res = await this.store.alerts.updateOne(
        { _id: id, status: { $in: UNRESOLVED } },
        { $set: { status: 'resolved', resolvedAt: at, resolution } },
      );
      return res.modifiedCount > 0;
    });
  }

  async get(id: string): Promise<AlertDoc> {
    const alert = await this.store.alerts.findOne({ _id: id });
    if (!alert) throw notFound('INSIGHTS.ALERT_NOT_FOUND', `alert ${id} does not exist`);
    return alert;
  }

  /**
   * A person has seen the alert and is on it. Acknowledging twice is harmless; a resolved alert cannot be acknowledged
   * (409), since there is nothing left to act on.
   */
  async acknowledge(id: string, by: string, at: Date): Promise<AlertDoc> {
    return this.mutex.run(id, async () => {
      const alert = await this.get(id);
      if (alert.status === 'resolved') {
        throw new AppError('INSIGHTS.ALERT_RESOLVED', 'the alert is already resolved', 409, {
          resolvedAt: alert.resolvedAt?.toISOString() ?? null,
          resolution: alert.resolution,
        });
      }
      if (alert.status === 'acknowledged') return alert;
      await this.store.alerts.updateOne(
        { _id: id, status: 'open' },
        { $set: { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by } },
      );
      return this.get(id);
    });
  }

  /** Newest first. `marketId` undefined: every market (the province). */
  async list(q: {
    marketId?: string;
    status?: StatusFilter;
    kind?: AlertKind;
    page: PageQuery;
  }): Promise<Page<AlertDoc>> {
    const filter: Record<string, unknown> = {};
    if (q.marketId !== undefined) filter.marketId = q.marketId;
    if (q.status) filter.status = q.status === 'unresolved' ? { $in: UNRESOLVED } : q.status;
    if (q.kind) filter.kind = q.kind;
    return findPage<AlertDoc>(this.store.alerts, filter, q.page, { sort: { raisedAt: -1, _id: 1 } });
  }

  /** A market's alerts raised from `from` (included) to `to` (excluded): what the monthly report counts. */
  raisedBetween(marketId: string, from: Date, to: Date): Promise<AlertDoc[]> {
    return this.store.alerts
      .find(
        { marketId, raisedAt: { $gte: from, $lt: to } },
        { projection: { kind: 1, status: 1, raisedAt: 1, acknowledgedAt: 1, resolvedAt: 1 } },
      )
      .toArray();
  }

  /** Unresolved alerts of one kind (the evaluator re-checks their conditions). */
  unresolved(kind: AlertKind, marketId?: string): Promise<AlertDoc[]> {
    const filter: Record<string, unknown> = { kind, status: { $in: UNRESOLVED } };
    if (marketId !== undefined) filter.marketId = marketId;
    return this.store.alerts.find(filter).toArray();
  }
}

const vnd = new Intl.NumberFormat('vi-VN');
/** 45000 → "45.000 đ", as a Vietnamese reader writes it. */
export const formatVnd = (amount: number): string => `${vnd.format(amount)} đ`;

/** Relative URLs of the manager web pages an alert sends a person to. */
export const links = {
  alert: (alertId: string) => `/manager/alerts/${encodeURIComponent(alertId)}`,
  stall: (merchantId: string) => `/manager/stalls/${encodeURIComponent(merchantId)}`,
  suspense: (paymentId: string) => `/manager/suspense/${encodeURIComponent(paymentId)}`,
  settlementLine: (lineId: string) => `/manager/settlement-lines/${encodeURIComponent(lineId)}`,
};
