/**
 * The vendor's live payment feed over Server-Sent Events, made to survive a market's weak mobile connection:
 *
 * - the browser's EventSource reconnects by itself after a dropped connection and sends `Last-Event-ID`, so the
 *   ledger replays what was missed (no gaps);
 * - when the EventSource gives up (an HTTP error, the proxy restarting) a new one is opened with backoff, carrying the
 *   last id in the URL (a new EventSource cannot send the header; the ledger takes `?since=` too);
 * - the phone going offline says so at once (a dead connection can look open for minutes) and closes the stream;
 *   coming back online reconnects at once instead of waiting for the backoff;
 * - every payment is shown and announced once, whatever is replayed (deduplicated by payment id).
 */
export interface FeedPayment {
  /** The payment id (dedupe key). */
  id: string;
  eventId: string;
  type: string;
  /** The ledger's matching outcome: `paid`, or `underpaid`/`overpaid`/`late` (credited, flagged for a look). */
  outcome: string;
  amount: number;
  paidAt: string;
  payerName: string | null;
  description: string | null;
  orderCode: string | null;
  qrId: string | null;
  /** The dynamic QR's amount when the payment was matched to one (to say "underpaid by …"). */
  expectedAmount: number | null;
  raw: Record<string, unknown>;
}

export type FeedStatus = 'connecting' | 'live' | 'reconnecting';

export interface FeedOptions {
  /** The stream URL, given the last event id seen (null at first). */
  url: (lastEventId: string | null) => string;
  onPayment: (p: FeedPayment) => void;
  onStatus?: (s: FeedStatus) => void;
  /** Event names that carry payments. */
  paymentEvents?: string[];
}

const DEFAULT_PAYMENT_EVENTS = ['message', 'payment', 'payment.confirmed', 'payment.flagged', 'payment.reallocated'];

/** A payment from one event's JSON, whatever envelope the ledger wraps it in; null when it is not one. */
export function paymentFromEvent(type: string, eventId: string, data: unknown): FeedPayment | null {
  if (!data || typeof data !== 'object') return null;
  const outer = data as Record<string, unknown>;
  const inner = (outer.payment ?? outer.data ?? outer) as Record<string, unknown>;
  const amount = Number(inner.amount);
  const id = String(inner.paymentId ?? inner.id ?? eventId ?? '');
  if (!id || !Number.isSafeInteger(amount) || amount <= 0) return null;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  return {
    id,
    eventId,
    type: String(outer.type ?? inner.type ?? type),
    outcome: String(inner.outcome ?? (String(outer.type ?? '').endsWith('flagged') ? 'flagged' : 'paid')),
    amount,
    paidAt: str(inner.paidAt) ?? str(outer.postedAt) ?? str(outer.occurredAt) ?? new Date().toISOString(),
    payerName: str(inner.payerName),
    description: str(inner.description),
    orderCode: str(inner.orderCode),
    qrId: str(inner.qrId),
    expectedAmount: Number.isSafeInteger(inner.expectedAmount) ? (inner.expectedAmount as number) : null,
    raw: inner,
  };
}

export class PaymentFeed {
  private source: EventSource | null = null;
  private lastEventId: string | null = null;
  private readonly seen = new Set<string>();
  private retryMs = 1_000;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly opts: FeedOptions) {}

  /** Ids already shown (from the list loaded with the page): their events are not announced again. */
  markSeen(ids: Iterable<string>): void {
    for (const id of ids) this.seen.add(id);
  }

  start(): void {
    this.stopped = false;
    this.open();
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
  }

  private readonly onOnline = () => {
    if (this.stopped) return;
    this.reopen(0);
  };

  private readonly onOffline = () => {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
    this.opts.onStatus?.('reconnecting');
  };

  private open(): void {
    this.opts.onStatus?.(this.lastEventId ? 'reconnecting' : 'connecting');
    const es = new EventSource(this.opts.url(this.lastEventId));
    this.source = es;
    es.onopen = () => {
      this.retryMs = 1_000;
      this.opts.onStatus?.('live');
    };
    es.onerror = () => {
      if (this.source !== es) return;
      if (es.readyState === EventSource.CLOSED) this.reopen(this.retryMs);
      else this.opts.onStatus?.('reconnecting');
    };
    // The ledger opens every stream with `ready`, whose id is where it starts: resuming from there loses nothing.
    // `reset` (a token the ledger could not honour) moves the resume point to now; the page reloads its figures on
    // every (re)connection anyway.
    for (const name of ['ready', 'reset']) {
      es.addEventListener(name, (ev) => {
        if ((ev as MessageEvent).lastEventId) this.lastEventId = (ev as MessageEvent).lastEventId;
      });
    }
    for (const name of this.opts.paymentEvents ?? DEFAULT_PAYMENT_EVENTS) {
      es.addEventListener(name, (ev) => this.onEvent(name, ev as MessageEvent<string>));
    }
  }

  private reopen(delayMs: number): void {
    this.source?.close();
    this.source = null;
    clearTimeout(this.retryTimer);
    this.opts.onStatus?.('reconnecting');
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.open();
    }, delayMs);
    this.retryMs = Math.min(30_000, this.retryMs * 2);
  }

  private onEvent(name: string, ev: MessageEvent<string>): void {
    if (ev.lastEventId) this.lastEventId = ev.lastEventId;
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    const p = paymentFromEvent(name, ev.lastEventId, data);
    if (!p) return;
    if (this.seen.has(p.id)) return;
    this.seen.add(p.id);
    this.opts.onPayment(p);
  }
}
