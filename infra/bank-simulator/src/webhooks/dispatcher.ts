import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '@marketqr/service-kit';
import type { BankDirectory } from '../bank/banks';
import type { Transfer } from '../bank/ledger';
import { bankError } from '../support/errors';
import { createRng, type Rng } from '../support/rng';
import { notificationBody, signedHeaders, type CreditNotice, type Notification, type WebhookProvider } from './formats';

/** How a receiver that does not acknowledge is retried. */
export interface RetryPolicy {
  /** Wait before attempt 2, 3, …; the last one repeats (it is the cap). */
  delaysMs: number[];
  /** Attempts in all, the first included; then the delivery is parked. */
  maxAttempts: number;
  /** 0–1: each wait is drawn uniformly from ±jitter/2 around its nominal value. */
  jitter: number;
  /** One attempt's deadline: connect, send, and read the answer. */
  timeoutMs: number;
}

/** 0.2 s, 0.5 s, 1 s, 2 s, 5 s, 10 s, 20 s, then 30 s: 12 attempts span about 2.6 minutes. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delaysMs: [200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000],
  maxAttempts: 12,
  jitter: 0.5,
  timeoutMs: 5_000,
};

/** The wait after `attemptsMade` failed attempts (1 → before the second attempt), with jitter from `random` ∈ [0,1). */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number, random: number): number {
  const nominal = policy.delaysMs[Math.min(Math.max(attemptsMade, 1), policy.delaysMs.length) - 1] ?? 1_000;
  return Math.max(0, Math.round(nominal * (1 - policy.jitter / 2 + random * policy.jitter)));
}

export interface WebhookEndpointInput {
  /** Given: replaces the endpoint with this id (or creates it under that id). */
  id?: string;
  url: string;
  provider: WebhookProvider;
  secret: string;
  /** Collection accounts (or virtual accounts) this endpoint hears about; null or absent: every credit. */
  accounts?: string[] | null;
  retry?: Partial<RetryPolicy>;
}

interface WebhookEndpoint {
  id: string;
  url: string;
  provider: WebhookProvider;
  secret: string;
  accounts: string[] | null;
  retry: RetryPolicy;
  createdAt: string;
}

/** An endpoint as the admin API shows it: never the secret. */
export type WebhookEndpointView = Omit<WebhookEndpoint, 'secret'> & { secretSet: true };

/** Per-credit options, for tests and demos. */
export interface NotifyOptions {
  /** Extra copies of every notification, each delivered (and retried) on its own: 1 = "deliver twice". */
  duplicates?: number;
  /** Hold the first attempt back this long. */
  delayMs?: number;
  /** Send in this format instead of the endpoint's (signed with the endpoint's secret). */
  provider?: WebhookProvider;
}

export type DeliveryStatus = 'scheduled' | 'in_flight' | 'delivered' | 'parked' | 'cancelled';

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  ms: number;
  /** HTTP status, or null when there was none (refused, reset, timeout). */
  status: number | null;
  error: string | null;
  /** The first 500 characters of the receiver's answer. */
  response: string | null;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  url: string;
  provider: WebhookProvider;
  transactionId: string;
  /** 1 for the notification itself, 2… for deliberate duplicates (same body, byte for byte). */
  copy: number;
  copies: number;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  maxAttempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  parkedAt: string | null;
  body: Notification;
  /** Exactly the bytes sent (UTF-8). */
  rawBody: string;
  /** The headers of the latest attempt, signature included. */
  lastHeaders: Record<string, string> | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  transactionId?: string;
  endpointId?: string;
}

interface DispatcherOptions {
  seed: string;
  banks: BankDirectory;
  partnerBin: string;
  retry: RetryPolicy;
  endpoints: WebhookEndpointInput[];
  /** Balance of a partner-bank account now (right after the credit being notified). */
  balanceOf: (accountNumber: string) => number;
  /** Display name of a virtual account. */
  virtualAccountName: (virtualAccount: string) => string | null;
  logger?: Logger;
}

const MAX_RESPONSE = 500;

/**
 * Notifies MarketQR of every credit to a collection account (or a virtual account under it), like SePay, Casso or the
 * partner bank itself would: one signed POST per credit per endpoint, retried with jittered backoff until a 2xx, then
 * parked after `maxAttempts`. Deliveries run concurrently, so order between them is not guaranteed (real providers
 * don't guarantee it either). Everything lives in memory and ends with `stop()` or `reset()`.
 */
export class WebhookDispatcher {
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  private readonly deliveries = new Map<string, WebhookDelivery>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private abort = new AbortController();
  private rng: Rng;
  private endpointSeq = 0;
  private deliverySeq = 0;
  private creditSeq = 0;
  private sepayBase = 0;
  private cassoBase = 0;
  private stopped = false;

  constructor(private readonly opts: DispatcherOptions) {
    this.rng = createRng(`${opts.seed}:webhooks`);
    this.init();
  }

  // ---- endpoints ----

  addEndpoint(input: WebhookEndpointInput): WebhookEndpointView {
    const url = new URL(input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw bankError('INVALID_REQUEST', 'a webhook URL is http or https', 400);
    }
    if (!input.secret) throw bankError('INVALID_REQUEST', 'a webhook needs a secret to sign with', 400);
    const id = input.id ?? `wh_${++this.endpointSeq}`;
    if (this.endpoints.has(id)) this.removeEndpoint(id);
    const endpoint: WebhookEndpoint = {
      id,
      url: url.toString(),
      provider: input.provider,
      secret: input.secret,
      accounts: input.accounts && input.accounts.length > 0 ? [...input.accounts] : null,
      retry: { ...this.opts.retry, ...input.retry },
      createdAt: new Date().toISOString(),
    };
    this.endpoints.set(id, endpoint);
    return view(endpoint);
  }

  /** Removes an endpoint; its unfinished deliveries are cancelled. */
  removeEndpoint(id: string): boolean {
    if (!this.endpoints.delete(id)) return false;
    for (const d of this.deliveries.values()) {
      if (d.endpointId === id && (d.status === 'scheduled' || d.status === 'in_flight')) this.cancel(d);
    }
    return true;
  }

  listEndpoints(): WebhookEndpointView[] {
    return [...this.endpoints.values()].map(view);
  }

  // ---- notifications ----

  /** Queues the notifications of one booked credit; returns the deliveries created (none when nobody listens). */
  notifyCredit(transfer: Transfer, options: NotifyOptions = {}): WebhookDelivery[] {
    const notice = this.notice(transfer);
    const copies = 1 + Math.max(0, Math.floor(options.duplicates ?? 0));
    const out: WebhookDelivery[] = [];
    for (const endpoint of this.endpoints.values()) {
      if (!covers(endpoint, transfer)) continue;
      const provider = options.provider ?? endpoint.provider;
      const body = notificationBody(provider, notice);
      const rawBody = JSON.stringify(body);
      for (let copy = 1; copy <= copies; copy++) {
        const d: WebhookDelivery = {
          id: `whd_${String(++this.deliverySeq).padStart(6, '0')}`,
          endpointId: endpoint.id,
          url: endpoint.url,
          provider,
          transactionId: transfer.transactionId,
          copy,
          copies,
          status: 'scheduled',
          attempts: [],
          maxAttempts: endpoint.retry.maxAttempts,
          createdAt: new Date().toISOString(),
          nextAttemptAt: null,
          deliveredAt: null,
          parkedAt: null,
          body,
          rawBody,
          lastHeaders: null,
        };
        this.deliveries.set(d.id, d);
        this.schedule(d, Math.max(0, options.delayMs ?? 0));
        out.push(d);
      }
    }
    return out;
  }

  list(filter: DeliveryFilter = {}): WebhookDelivery[] {
    return [...this.deliveries.values()].filter(
      (d) =>
        (!filter.status || d.status === filter.status) &&
        (!filter.transactionId || d.transactionId === filter.transactionId) &&
        (!filter.endpointId || d.endpointId === filter.endpointId),
    );
  }

  get(id: string): WebhookDelivery | undefined {
    return this.deliveries.get(id);
  }

  counts(): Record<DeliveryStatus, number> {
    const counts = { scheduled: 0, in_flight: 0, delivered: 0, parked: 0, cancelled: 0 };
    for (const d of this.deliveries.values()) counts[d.status] += 1;
    return counts;
  }

  /**
   * Sends a delivery again now with a fresh attempt budget: a parked one after the receiver is back, or a delivered
   * one (which makes it a duplicate on purpose).
   */
  redeliver(id: string): WebhookDelivery {
    const d = this.deliveries.get(id);
    if (!d) throw bankError('DELIVERY_NOT_FOUND', `no webhook delivery ${id}`, 404);
    const endpoint = this.endpoints.get(d.endpointId);
    if (!endpoint) throw bankError('WEBHOOK_NOT_FOUND', `webhook ${d.endpointId} was removed`, 409);
    if (d.status === 'scheduled' || d.status === 'in_flight') return d;
    d.maxAttempts = d.attempts.length + endpoint.retry.maxAttempts;
    d.parkedAt = null;
    d.status = 'scheduled';
    this.schedule(d, 0);
    return d;
  }

  /** Forgets every delivery and goes back to the endpoints given at start. */
  reset(): void {
    this.cancelAll();
    this.deliveries.clear();
    this.endpoints.clear();
    this.rng = createRng(`${this.opts.seed}:webhooks`);
    this.endpointSeq = 0;
    this.deliverySeq = 0;
    this.creditSeq = 0;
    this.init();
  }

  /** No more attempts: timers cleared, requests in flight aborted. */
  stop(): void {
    this.stopped = true;
    this.cancelAll();
  }

  // ---- internals ----

  private init(): void {
    // Numeric ids in the range real providers use, different per seed, so a test cannot hard-code them by accident.
    this.sepayBase = 100_000 + this.rng.int(800_000);
    this.cassoBase = 1_000_000 + this.rng.int(8_000_000);
    for (const e of this.opts.endpoints) this.addEndpoint(e);
  }

  private notice(transfer: Transfer): CreditNotice {
    this.creditSeq += 1;
    const vcb = /^MBVCB\.(\d{6,})\./.exec(transfer.description);
    const digits = vcb?.[1] ?? `${1 + this.rng.int(9)}${String(this.rng.int(1e9)).padStart(9, '0')}`;
    return {
      transfer,
      bank: this.opts.banks.get(this.opts.partnerBin)!,
      counterpartyBank: this.opts.banks.get(transfer.from.bin),
      balanceAfter: this.opts.balanceOf(transfer.to.accountNumber),
      virtualAccountName: transfer.virtualAccount ? this.opts.virtualAccountName(transfer.virtualAccount) : null,
      sepayId: this.sepayBase + this.creditSeq,
      cassoId: this.cassoBase + this.creditSeq,
      referenceCode: `MBVCB.${digits}`,
    };
  }

  private schedule(d: WebhookDelivery, waitMs: number): void {
    if (this.stopped) return;
    d.status = 'scheduled';
    d.nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
    const timer = setTimeout(() => {
      this.timers.delete(d.id);
      void this.attempt(d);
    }, waitMs);
    // Never the reason a process stays up: the HTTP server is.
    timer.unref();
    this.timers.set(d.id, timer);
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    const endpoint = this.endpoints.get(d.endpointId);
    if (!endpoint || this.deliveries.get(d.id) !== d) return;
    d.status = 'in_flight';
    d.nextAttemptAt = null;
    const started = Date.now();
    const headers = signedHeaders(d.provider, endpoint.secret, d.rawBody, d.body, started);
    d.lastHeaders = headers;
    const signal = this.abort.signal;
    const result = await post(d.url, d.rawBody, headers, endpoint.retry.timeoutMs, signal);
    // Reset or stopped meanwhile: this delivery belongs to a bank that no longer exists.
    if (signal.aborted || this.deliveries.get(d.id) !== d || d.status !== 'in_flight') return;
    d.attempts.push({
      attempt: d.attempts.length + 1,
      startedAt: new Date(started).toISOString(),
      ms: Date.now() - started,
      status: result.status,
      error: result.error,
      response: result.response,
    });
    const log = { delivery: d.id, transactionId: d.transactionId, url: d.url, attempt: d.attempts.length };
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      d.status = 'delivered';
      d.deliveredAt = new Date().toISOString();
      this.opts.logger?.debug({ ...log, status: result.status }, 'webhook delivered');
      return;
    }
    if (d.attempts.length >= d.maxAttempts) {
      d.status = 'parked';
      d.parkedAt = new Date().toISOString();
      this.opts.logger?.warn({ ...log, status: result.status, error: result.error }, 'webhook parked');
      return;
    }
    const wait = retryDelayMs(endpoint.retry, d.attempts.length, this.rng.next());
    this.opts.logger?.info(
      { ...log, status: result.status, error: result.error, retryInMs: wait },
      'webhook not acknowledged',
    );
    this.schedule(d, wait);
  }

  private cancel(d: WebhookDelivery): void {
    const timer = this.timers.get(d.id);
    if (timer) clearTimeout(timer);
    this.timers.delete(d.id);
    d.status = 'cancelled';
    d.nextAttemptAt = null;
  }

  private cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    this.abort = new AbortController();
  }
}

function covers(endpoint: WebhookEndpoint, t: Transfer): boolean {
  if (!endpoint.accounts) return true;
  return (
    endpoint.accounts.includes(t.to.accountNumber) ||
    (t.virtualAccount !== null && endpoint.accounts.includes(t.virtualAccount))
  );
}

function view(e: WebhookEndpoint): WebhookEndpointView {
  const { secret: _secret, ...rest } = e;
  return { ...rest, secretSet: true };
}

interface PostResult {
  status: number | null;
  error: string | null;
  response: string | null;
}

/** One POST over a fresh connection (no pooling: a receiver restarted between attempts must not see a stale socket). */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    // Armed before the request exists; it only fires (and reads `req`) long after both are set.
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        signal,
      },
      (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < MAX_RESPONSE) text += chunk;
        });
        res.on('end', () =>
          done({ status: res.statusCode ?? null, error: null, response: text.slice(0, MAX_RESPONSE) }),
        );
        res.on('error', (e) => done({ status: res.statusCode ?? null, error: e.message, response: text || null }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => done({ status: null, error: e.code ?? e.message, response: null }));
    req.end(body);
  });
}
