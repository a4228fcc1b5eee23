import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * payment-ledger's own metrics. Created before the service's registry exists (runService makes it after `setup`),
 * registered into it from `mount`.
 */
export function createLedgerMetrics() {
  return {
    webhooks: new Counter({
      name: 'payment_ledger_webhooks_total',
      help: 'Webhook deliveries by provider and result (stored, duplicate, ignored_outgoing, or the error code)',
      labelNames: ['provider', 'result'] as const,
      registers: [],
    }),
    payments: new Counter({
      name: 'payment_ledger_payments_total',
      help: 'Notifications posted, by matching outcome (paid, underpaid, overpaid, late, unmatched, unknown_account)',
      labelNames: ['outcome'] as const,
      registers: [],
    }),
    entries: new Counter({
      name: 'payment_ledger_entries_posted_total',
      help: 'Journal entries posted by this process, by kind',
      labelNames: ['kind'] as const,
      registers: [],
    }),
    postBatches: new Histogram({
      name: 'payment_ledger_post_batch_size',
      help: 'Entries (posted or completed) per batch of the ledger writer: one set of round trips serves them all',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [],
    }),
    chainConflicts: new Counter({
      name: 'payment_ledger_chain_conflicts_total',
      help: 'Appends that lost a sequence number to another writer and retried (replicas racing on one account)',
      registers: [],
    }),
    inboxPending: new Gauge({
      name: 'payment_ledger_inbox_pending',
      help: 'Notifications stored but not posted yet (received or held), at the last poll',
      registers: [],
    }),
    streams: new Gauge({
      name: 'payment_ledger_live_streams',
      help: 'Open live payment streams (SSE) on this process',
      registers: [],
    }),
    streamTicks: new Counter({
      name: 'payment_ledger_live_stream_ticks_total',
      help: 'Rounds of the live streams’ poller (each renews the writer heartbeat; it queries only if another writes)',
      registers: [],
    }),
    streamPolls: new Counter({
      name: 'payment_ledger_live_stream_polls_total',
      help: 'Queries for other replicas’ postings made for all of this process’s live streams at once',
      registers: [],
    }),
    streamReads: new Counter({
      name: 'payment_ledger_live_stream_reads_total',
      help: 'Reads one live stream made on its own (resuming from its token, filling a hole): never while idle',
      registers: [],
    }),
  };
}

export type LedgerMetrics = ReturnType<typeof createLedgerMetrics>;

export function bindLedgerMetrics(metrics: LedgerMetrics, registry: Registry): void {
  for (const m of Object.values(metrics)) registry.registerMetric(m);
}
