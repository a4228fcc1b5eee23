import type { BankOperation } from '../faults/faults';

export interface RequestLogEntry {
  seq: number;
  at: string;
  operation: BankOperation;
  method: string;
  path: string;
  /** The client's id for one logical call (the gateway sends the same one on every attempt). */
  requestId: string | null;
  attempt: number | null;
  idempotencyKey: string | null;
  /** Faults applied to this request (`latency:300`, `outage:reset`, `error:503`, `lost:drop`, ...). */
  faults: string[];
  /**
   * The HTTP status answered; `reset`/`dropped` when a fault cut the connection before/after handling;
   * `client_closed` when the client hung up first (its timeout); `pending` until then.
   */
  result: number | 'reset' | 'dropped' | 'client_closed' | 'pending';
}

/**
 * Every request that reached a bank route, so tests can assert what the bank actually saw: how many attempts, with
 * which idempotency key, and that a fast-failing breaker sent nothing at all. Bounded, oldest dropped first.
 */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  constructor(private readonly max = 10_000) {}

  add(e: Omit<RequestLogEntry, 'seq' | 'at' | 'result' | 'faults'>): RequestLogEntry {
    const entry: RequestLogEntry = {
      ...e,
      seq: ++this.seq,
      at: new Date().toISOString(),
      faults: [],
      result: 'pending',
    };
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
    return entry;
  }

  list(filter: { operation?: BankOperation } = {}): RequestLogEntry[] {
    return this.entries.filter((e) => !filter.operation || e.operation === filter.operation).map((e) => ({ ...e }));
  }

  count(operation?: BankOperation): number {
    return operation ? this.entries.filter((e) => e.operation === operation).length : this.entries.length;
  }

  clear(): void {
    this.entries = [];
    this.seq = 0;
  }
}
