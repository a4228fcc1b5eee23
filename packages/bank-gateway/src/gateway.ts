import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { BankInvalidRequestError, BankUnavailableError, type BankOutcome, type UnavailableReason } from './errors';
import { createGatewayMetrics, BREAKER_STATE_VALUE, type BreakerState, type GatewayMetrics } from './metrics';
import { BANK_OPERATIONS, type BankOperation } from './operations';
import {
  resolveOperationOptions,
  validateGatewayOptions,
  type BankGatewayOptions,
  type ResolvedOperationOptions,
} from './options';
import { isRetryable, leavesOutcomeUnknown, toBankError } from './policy';
import { retryDelay, sleep } from './retry';
import {
  nameInquiryAnswer,
  nameInquiryInput,
  payoutAnswer,
  payoutInput,
  payoutStatusInput,
  registerVirtualAccountInput,
  statementAnswer,
  statementInput,
  transactionAnswer,
  transactionLookupInput,
  virtualAccountAnswer,
  type BankTransaction,
  type NameInquiryInput,
  type NameInquiryResult,
  type PayoutInput,
  type PayoutResult,
  type PayoutStatusInput,
  type RegisterVirtualAccountInput,
  type StatementEntry,
  type StatementInput,
  type StatementPage,
  type VirtualAccount,
} from './schemas';
import { attempt, AttemptFailure, type AttemptAnswer, type AttemptRequest } from './transport';

export interface BankGateway {
  /** Who holds this account? Used to verify a vendor's payout account before any money goes there. */
  nameInquiry(input: NameInquiryInput): Promise<NameInquiryResult>;
  /** A virtual account for a stall under the market's collection account; the same pair always gets the same number. */
  registerVirtualAccount(input: RegisterVirtualAccountInput): Promise<VirtualAccount>;
  getTransaction(transactionId: string): Promise<BankTransaction>;
  /** Moves money. Never sent twice for one idempotency key; see the README for what each error means for the money. */
  payout(input: PayoutInput): Promise<PayoutResult>;
  payoutStatus(input: PayoutStatusInput): Promise<PayoutResult>;
  /** One page of a business day's statement (Asia/Ho_Chi_Minh); follow `nextCursor` for the rest. */
  getStatement(input: StatementInput): Promise<StatementPage>;
  /** Every entry of the day, page after page. */
  iterateStatement(input: Omit<StatementInput, 'cursor'>): AsyncGenerator<StatementEntry>;
  breakerState(op: BankOperation): BreakerState;
  breakerStates(): Record<BankOperation, BreakerState>;
  readonly metrics: GatewayMetrics;
  readonly registry: Registry;
  /** Stops the breakers' timers. Later calls fail with BANK.UNAVAILABLE (reason `shut_down`). */
  shutdown(): void;
}

type AnyRequest = AttemptRequest<unknown>;

interface OperationRuntime {
  op: BankOperation;
  cfg: ResolvedOperationOptions;
  breaker: CircuitBreaker<[AnyRequest], AttemptAnswer<unknown>>;
}

export function createBankGateway(options: BankGatewayOptions): BankGateway {
  validateGatewayOptions(options);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const metrics = createGatewayMetrics(options.registry);
  const random = options.random ?? Math.random;
  const logger = options.logger;
  let shutDown = false;

  const ops = Object.fromEntries(BANK_OPERATIONS.map((op) => [op, createOperation(op)])) as Record<
    BankOperation,
    OperationRuntime
  >;

  function createOperation(op: BankOperation): OperationRuntime {
    const cfg = resolveOperationOptions(options, op);
    const breaker = new CircuitBreaker<[AnyRequest], AttemptAnswer<unknown>>((req) => attempt(baseUrl, req), {
      name: `bank:${op}`,
      timeout: cfg.timeoutMs,
      resetTimeout: cfg.breaker.resetTimeoutMs,
      errorThresholdPercentage: cfg.breaker.errorThresholdPercentage,
      volumeThreshold: cfg.breaker.volumeThreshold,
      rollingCountTimeout: cfg.breaker.rollingCountTimeoutMs,
      rollingCountBuckets: cfg.breaker.rollingCountBuckets,
      ...(cfg.breaker.capacity ? { capacity: cfg.breaker.capacity } : {}),
      // A business "no" means the bank is up and answering: it must not trip the breaker.
      errorFilter: (err: unknown) => err instanceof AttemptFailure && err.kind === 'rejected',
    });
    const labels = { operation: op };
    metrics.state.set(labels, BREAKER_STATE_VALUE.closed);
    const enter = (to: BreakerState) => () => {
      metrics.state.set(labels, BREAKER_STATE_VALUE[to]);
      metrics.transitions.inc({ operation: op, to });
      const log = to === 'closed' ? logger?.info.bind(logger) : logger?.warn.bind(logger);
      log?.({ operation: op, breaker: to }, `bank breaker ${to}`);
    };
    breaker.on('open', enter('open'));
    breaker.on('halfOpen', enter('half_open'));
    breaker.on('close', enter('closed'));
    const event = (name: string) => metrics.events.inc({ operation: op, event: name });
    breaker.on('success', (_result, latencyMs) => {
      event('success');
      metrics.attemptDuration.observe({ operation: op, result: 'success' }, latencyMs / 1000);
    });
    breaker.on('failure', (_err, latencyMs) => {
      event('failure');
      metrics.attemptDuration.observe({ operation: op, result: 'failure' }, latencyMs / 1000);
    });
    breaker.on('reject', () => event('reject'));
    breaker.on('semaphoreLocked', () => event('semaphore_locked'));
    // The typings omit the call's arguments on 'timeout'; opossum passes them, and we need this call's controller to
    // abort its fetch (opossum's own abortController option is shared by every call in flight).
    (breaker as EventEmitter).on('timeout', (_err: unknown, _latency: unknown, args: [AnyRequest] | undefined) => {
      event('timeout');
      args?.[0]?.controller.abort(new DOMException(`no answer within ${cfg.timeoutMs} ms`, 'TimeoutError'));
    });
    return { op, cfg, breaker };
  }

  function validate<S extends z.ZodType>(op: BankOperation, schema: S, input: unknown): z.infer<S> {
    const parsed = schema.safeParse(input);
    if (parsed.success) return parsed.data;
    metrics.calls.inc({ operation: op, result: BankInvalidRequestError.code });
    throw new BankInvalidRequestError(
      op,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`),
    );
  }

  function refuse(op: BankOperation, reason: UnavailableReason, attempts: number, outcome: BankOutcome) {
    const messages: Partial<Record<UnavailableReason, string>> = {
      breaker_open: `bank breaker for ${op} is open: failing fast`,
      overloaded: `too many ${op} calls in flight to the bank`,
      shut_down: 'bank gateway is shut down',
    };
    const err = new BankUnavailableError(messages[reason] ?? reason, { operation: op, attempts, outcome, reason });
    metrics.calls.inc({ operation: op, result: err.code });
    return err;
  }

  async function run<T>(op: BankOperation, req: Omit<AttemptRequest<T>, 'controller'>): Promise<AttemptAnswer<T>> {
    if (shutDown) throw refuse(op, 'shut_down', 0, 'not_applied');
    const { cfg, breaker } = ops[op];
    // One id for every attempt of this call, so the bank's logs (and the simulator's request log) tie them together.
    const requestId = randomUUID();
    let outcome: BankOutcome = 'not_applied';
    for (let n = 1; ; n++) {
      const request: AnyRequest = {
        ...(req as Omit<AnyRequest, 'controller'>),
        headers: { ...req.headers, 'x-api-key': options.apiKey, 'x-request-id': requestId, 'x-attempt': String(n) },
        controller: new AbortController(),
      };
      let failure: AttemptFailure;
      try {
        const answer = (await breaker.fire(request)) as AttemptAnswer<T>;
        metrics.calls.inc({ operation: op, result: 'ok' });
        return answer;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EOPENBREAKER') throw refuse(op, 'breaker_open', n - 1, outcome);
        if (code === 'ESEMLOCKED') throw refuse(op, 'overloaded', n - 1, outcome);
        if (code === 'ESHUTDOWN') throw refuse(op, 'shut_down', n - 1, outcome);
        if (code === 'ETIMEDOUT' && !(err instanceof AttemptFailure)) {
          failure = new AttemptFailure('timeout', `no answer within ${cfg.timeoutMs} ms`);
        } else if (err instanceof AttemptFailure) {
          failure = err;
        } else {
          throw err;
        }
      }
      if (leavesOutcomeUnknown(op, failure.kind)) outcome = 'unknown';
      if (n >= cfg.retry.maxAttempts || !isRetryable(op, failure.kind)) {
        const bankErr = toBankError(op, failure, { attempts: n, outcome, timeoutMs: cfg.timeoutMs });
        metrics.calls.inc({ operation: op, result: bankErr.code });
        if (failure.kind !== 'rejected') {
          logger?.warn({ operation: op, attempts: n, kind: failure.kind, outcome, requestId }, bankErr.message);
        }
        throw bankErr;
      }
      const delayMs = retryDelay(n, cfg.retry, random, failure.info.retryAfterMs);
      metrics.retries.inc({ operation: op, reason: failure.kind });
      logger?.info({ operation: op, attempt: n, kind: failure.kind, delayMs, requestId }, 'bank call failed; retrying');
      await sleep(delayMs);
    }
  }

  const stateOf = (op: BankOperation): BreakerState => {
    const b = ops[op].breaker;
    if (b.opened) return 'open';
    if (b.halfOpen) return 'half_open';
    return 'closed';
  };

  const toPayout = (answer: AttemptAnswer<z.infer<typeof payoutAnswer>>): PayoutResult => ({
    ...answer.data,
    replayed: answer.headers.get('idempotent-replayed') === 'true',
  });

  const gateway: BankGateway = {
    async nameInquiry(input) {
      const body = validate('name_inquiry', nameInquiryInput, input);
      const answer = await run('name_inquiry', {
        method: 'POST',
        path: '/v1/accounts/inquiry',
        body,
        schema: nameInquiryAnswer,
      });
      return answer.data;
    },

    async registerVirtualAccount(input) {
      const body = validate('virtual_account', registerVirtualAccountInput, input);
      const answer = await run('virtual_account', {
        method: 'POST',
        path: '/v1/virtual-accounts',
        body,
        schema: virtualAccountAnswer,
      });
      return answer.data;
    },

    async getTransaction(transactionId) {
      const { transactionId: id } = validate('transaction_lookup', transactionLookupInput, { transactionId });
      const answer = await run('transaction_lookup', {
        method: 'GET',
        path: `/v1/transactions/${encodeURIComponent(id)}`,
        schema: transactionAnswer,
      });
      return answer.data;
    },

    async payout(input) {
      const { idempotencyKey, ...body } = validate('payout', payoutInput, input);
      const answer = await run('payout', {
        method: 'POST',
        path: '/v1/payouts',
        body,
        headers: { 'idempotency-key': idempotencyKey },
        schema: payoutAnswer,
      });
      return toPayout(answer);
    },

    async payoutStatus(input) {
      const which = validate('payout_status', payoutStatusInput, input);
      const path =
        'payoutId' in which
          ? `/v1/payouts/${encodeURIComponent(which.payoutId)}`
          : `/v1/payouts/by-key/${encodeURIComponent(which.idempotencyKey)}`;
      return toPayout(await run('payout_status', { method: 'GET', path, schema: payoutAnswer }));
    },

    async getStatement(input) {
      const q = validate('statement', statementInput, input);
      const params = new URLSearchParams({ accountNumber: q.accountNumber, date: q.businessDay });
      if (q.cursor) params.set('cursor', q.cursor);
      if (q.limit) params.set('limit', String(q.limit));
      const answer = await run('statement', {
        method: 'GET',
        path: `/v1/statements?${params.toString()}`,
        schema: statementAnswer,
      });
      return answer.data;
    },

    async *iterateStatement(input) {
      let cursor: string | undefined;
      do {
        const page = await gateway.getStatement({ ...input, cursor });
        yield* page.entries;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },

    breakerState: stateOf,
    breakerStates: () =>
      Object.fromEntries(BANK_OPERATIONS.map((op) => [op, stateOf(op)])) as Record<BankOperation, BreakerState>,
    metrics,
    registry: metrics.registry,
    shutdown() {
      shutDown = true;
      for (const { breaker } of Object.values(ops)) breaker.shutdown();
    },
  };
  return gateway;
}
