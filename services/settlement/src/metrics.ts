import { Counter, Gauge, type Registry } from 'prom-client';
import { LINE_STATES } from './domain/line';
import type { Models } from './store/models';

/**
 * settlement's own metrics. Created before the service's registry exists (runService makes it after `setup`), and
 * registered into it in `mount`. Breaker states come from the bank gateway's registry, registered beside these.
 */
export class SettlementMetrics {
  readonly payouts = new Counter({
    name: 'settlement_payouts_total',
    help: 'Payout attempts by result: paid, waiting (bank down), failed (will retry), needs_attention, deferred (breaker open)',
    labelNames: ['result'] as const,
    registers: [],
  });
  readonly paidAmount = new Counter({
    name: 'settlement_paid_vnd_total',
    help: 'Đồng paid out to vendors',
    registers: [],
  });
  readonly batches = new Counter({
    name: 'settlement_batches_created_total',
    help: 'Business days cut off into a batch, by trigger (scheduler or admin)',
    labelNames: ['trigger'] as const,
    registers: [],
  });
  private lines: Gauge<'state'> | undefined;

  bind(registry: Registry, models: Models): void {
    registry.registerMetric(this.payouts);
    registry.registerMetric(this.paidAmount);
    registry.registerMetric(this.batches);
    this.lines = new Gauge({
      name: 'settlement_lines',
      help: 'Settlement lines by state, counted in the database at scrape time (every replica reports the same)',
      labelNames: ['state'] as const,
      registers: [registry],
      // One accumulator per $group: FerretDB 1.24 computes only the first.
      async collect() {
        const rows = await models.Line.aggregate<{ _id: string; n: number }>([
          { $group: { _id: '$state', n: { $sum: 1 } } },
        ]);
        for (const state of LINE_STATES) this.set({ state }, rows.find((r) => r._id === state)?.n ?? 0);
      },
    });
  }
}
