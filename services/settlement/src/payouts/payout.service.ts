import {
  BankInvalidRequestError,
  BankRejectedError,
  BankUnavailableError,
  isBankError,
  type BankGateway,
  type PayoutResult,
} from '@marketqr/bank-gateway';
import type { Outbox } from '@marketqr/messaging';
import { conflict, KeyedMutex, notFound, type Logger } from '@marketqr/service-kit';
import { businessDayOf } from '../domain/business-day';
import { payoutKeyOf } from '../domain/ids';
import { DUE_STATES, holdReason, retryDelayMs } from '../domain/line';
import { failedEvent, paidEvent, type Cause } from '../events';
import type { SettlementMetrics } from '../metrics';
import type { LineDoc, LinePayout, Models, StallDoc } from '../store/models';

export type ProcessOutcome = 'paid' | 'waiting' | 'failed' | 'needs_attention' | 'deferred' | 'skipped' | 'abandoned';

export interface PayoutPolicy {
  maxFailures: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * After an attempt whose outcome is unknown, how long before a person may re-issue under a new key: a request the
   * gateway gave up on may still be on its way to the bank, and the status check must come after it would have landed.
   */
  reissueQuietMs: number;
}

/** The bank's business rejections, as settlement.failed reason codes. */
function reasonCodeOf(bankCode: string): string {
  switch (bankCode) {
    case 'ACCOUNT_CLOSED':
      return 'account_closed';
    case 'ACCOUNT_NOT_FOUND':
    case 'ACCOUNT_INVALID':
    case 'BIN_NOT_SUPPORTED':
      return 'account_invalid';
    case 'AMOUNT_LIMIT_EXCEEDED':
      return 'limit_exceeded';
    case 'NAME_MISMATCH':
      return 'name_mismatch';
    default:
      return 'rejected';
  }
}

const causeOfLine = (line: LineDoc): Cause => ({
  correlationId: line.batchId,
  causationId: `${line._id}:e${line.payout?.epoch ?? 0}`,
});

/**
 * Pays one line at a time per line (a KeyedMutex in this process; across replicas only the lease holder's worker
 * writes due lines, and a person's re-issue only touches lines the worker gave up on).
 *
 * Idempotency: a line's payout carries the key of its issue (`stl-<lineId>-e<epoch>`) and the same body on every
 * attempt, so a retry after a timeout, a lost answer, a crash or a restart is answered by the bank with the original
 * payout. The attempt is recorded as `submitted` BEFORE the call: a process that dies during it leaves a line that
 * the next owner resolves by re-sending the same key.
 */
export class PayoutService {
  private readonly lock = new KeyedMutex();
  /** Set when the worker stops: answers arriving afterwards are left for the next owner to fetch again by key. */
  stopping = false;

  constructor(
    private readonly deps: {
      models: Models;
      outbox: Outbox;
      gateway: BankGateway;
      metrics: SettlementMetrics;
      logger: Logger;
      policy: PayoutPolicy;
      /** A re-issued line is due now: wake the worker. */
      onDue: () => void;
    },
  ) {}

  /** Lines whose next attempt has come, oldest first. */
  async due(limit: number): Promise<string[]> {
    const rows = await this.deps.models.Line.find(
      { state: { $in: DUE_STATES }, 'payout.nextAttemptAt': { $lte: new Date() } },
      { _id: 1 },
    )
      .sort({ 'payout.nextAttemptAt': 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return rows.map((r) => r._id);
  }

  process(lineId: string): Promise<ProcessOutcome> {
    return this.lock.run(lineId, async () => {
      const { models, gateway } = this.deps;
      let line = await models.Line.findById(lineId).lean<LineDoc>();
      if (!line || !line.payout || !line.payoutAccount || !DUE_STATES.includes(line.state)) return 'skipped';
      if (line.payout.nextAttemptAt && line.payout.nextAttemptAt.getTime() > Date.now()) return 'skipped';
      if (this.stopping) return 'abandoned';
      // Nothing would be sent: leave the line as it is, it is picked up again once the breaker lets calls through.
      if (gateway.breakerState('payout') === 'open') return this.count('deferred');
      // A stall suspended since its cut-off (a fake QR is the usual reason) is not paid until a person decides. A line
      // already `submitted` is still resolved: its key may have been paid, and only re-sending it tells.
      if (line.state !== 'submitted') {
        const stall = await models.Stall.findById(line.merchantId, { status: 1 }).lean<Pick<StallDoc, 'status'>>();
        if (stall?.status === 'suspended') {
          await this.needsAttention(line, 'stall_suspended', 'the stall was suspended after its cut-off', {
            code: 'SETTLEMENT.STALL_SUSPENDED',
            outcome: 'not_applied',
          });
          return this.count('needs_attention');
        }
      }

      const p = line.payout;
      const attempt = p.attempts + 1;
      line = await this.write(line, {
        $set: { state: 'submitted', 'payout.attempts': attempt, 'payout.submittedAt': new Date() },
      });
      let result: PayoutResult;
      try {
        result = await gateway.payout({
          idempotencyKey: p.key,
          toBin: line.payoutAccount!.bin,
          toAccount: line.payoutAccount!.accountNumber,
          amount: line.settle.net,
          description: p.description,
          ...(p.sourceAccount ? { sourceAccount: p.sourceAccount } : {}),
        });
      } catch (err) {
        if (this.stopping) return 'abandoned';
        return this.failure(line, err, attempt);
      }
      if (this.stopping) return 'abandoned';
      return this.answer(line, result);
    });
  }

  /**
   * A person asks for a line that needs attention to be paid again. The previous key may have been paid after all
   * (an unknown outcome that ran out of retries): only the bank knows, so its answer is required before a new key
   * exists. Paid → recorded as paid; in progress → back to `submitted`; unknown to the bank or failed → re-issued
   * under the next epoch's key, to the stall's payout account as it is now (the vendor may have fixed it).
   */
  retry(lineId: string): Promise<{ outcome: 'already_paid' | 'in_progress' | 'reissued'; line: LineDoc }> {
    return this.lock.run(lineId, async () => {
      const { models, gateway } = this.deps;
      const line = await models.Line.findById(lineId).lean<LineDoc>();
      if (!line) throw notFound('SETTLEMENT.LINE_NOT_FOUND', `settlement line ${lineId} does not exist`);
      if (line.state !== 'needs_attention' || !line.payout) {
        throw conflict('SETTLEMENT.LINE_NOT_RETRYABLE', `a ${line.state} line is not retried by hand`, {
          state: line.state,
        });
      }
      const quietUntil = (line.payout.submittedAt?.getTime() ?? 0) + this.deps.policy.reissueQuietMs;
      if (line.payout.lastError?.outcome === 'unknown' && quietUntil > Date.now()) {
        throw conflict(
          'SETTLEMENT.TOO_SOON',
          'the last payout attempt may still reach the bank; retry a little later',
          {
            retryAfterMs: quietUntil - Date.now(),
          },
        );
      }
      let status: PayoutResult | null = null;
      try {
        status = await gateway.payoutStatus({ idempotencyKey: line.payout.key });
      } catch (err) {
        if (!(err instanceof BankRejectedError && err.bankCode === 'PAYOUT_NOT_FOUND')) throw err;
      }
      if (status?.status === 'SUCCEEDED') {
        return { outcome: 'already_paid' as const, line: await this.markPaid(line, status) };
      }
      if (status?.status === 'PROCESSING') {
        const next = await this.write(line, {
          $set: { state: 'submitted', 'payout.nextAttemptAt': new Date(), 'payout.payoutId': status.payoutId },
        });
        this.deps.onDue();
        return { outcome: 'in_progress' as const, line: next };
      }
      const stall = await models.Stall.findById(line.merchantId).lean<StallDoc>();
      const hold = holdReason(stall);
      if (hold || !stall) {
        throw conflict('SETTLEMENT.STALL_NOT_PAYABLE', `the stall cannot be paid now (${hold})`, { reason: hold });
      }
      const epoch = line.payout.epoch + 1;
      const payout: LinePayout = {
        ...line.payout,
        epoch,
        key: payoutKeyOf(line._id, epoch),
        failures: 0,
        waits: 0,
        nextAttemptAt: new Date(),
        submittedAt: null,
        lastError: null,
        payoutId: null,
        transactionId: null,
      };
      const next = await this.write(line, {
        $set: {
          state: 'pending',
          payout,
          payoutAccount: {
            bin: stall.payoutAccount.bin,
            accountNumber: stall.payoutAccount.accountNumber,
            holderName: stall.payoutAccount.holderName,
          },
        },
      });
      this.deps.logger.info({ lineId, epoch, key: payout.key }, 'settlement line re-issued');
      this.deps.onDue();
      return { outcome: 'reissued' as const, line: next };
    });
  }

  private count(outcome: ProcessOutcome): ProcessOutcome {
    this.deps.metrics.payouts.inc({ result: outcome });
    return outcome;
  }

  private async answer(line: LineDoc, result: PayoutResult): Promise<ProcessOutcome> {
    if (result.status === 'SUCCEEDED') {
      await this.markPaid(line, result);
      return this.count('paid');
    }
    if (result.status === 'PROCESSING') {
      // Accepted, not booked yet: ask again (same key) a little later.
      await this.write(line, {
        $set: {
          'payout.payoutId': result.payoutId,
          'payout.nextAttemptAt': new Date(Date.now() + this.deps.policy.retryBaseMs),
        },
      });
      return this.count('waiting');
    }
    await this.needsAttention(
      line,
      'rejected',
      `the bank failed the payout: ${result.failureCode ?? 'no reason given'}`,
      {
        code: 'BANK.PAYOUT_FAILED',
        outcome: null,
      },
    );
    return this.count('needs_attention');
  }

  private async markPaid(line: LineDoc, result: PayoutResult): Promise<LineDoc> {
    const booked = new Date(result.createdAt);
    const paidAt = Number.isNaN(booked.getTime()) ? new Date() : booked;
    const account = line.payoutAccount!;
    const event = paidEvent(
      line,
      { bankReference: result.transactionId ?? result.payoutId, paidAt, payoutAccount: account },
      causeOfLine(line),
    );
    const next = await this.write(
      line,
      {
        $set: {
          state: 'paid',
          'payout.payoutId': result.payoutId,
          'payout.transactionId': result.transactionId,
          'payout.paidAt': paidAt,
          'payout.bankDay': businessDayOf(paidAt),
          'payout.nextAttemptAt': null,
          'payout.lastError': null,
        },
      },
      [event],
    );
    this.deps.metrics.paidAmount.inc(line.settle.net);
    this.deps.logger.info(
      {
        lineId: line._id,
        merchantId: line.merchantId,
        net: line.settle.net,
        payoutId: result.payoutId,
        replayed: result.replayed,
      },
      'settlement line paid',
    );
    return next;
  }

  private async failure(line: LineDoc, err: unknown, attempt: number): Promise<ProcessOutcome> {
    const p = line.payout!;
    const message = (err as Error)?.message ?? String(err);
    const code = isBankError(err) || err instanceof BankInvalidRequestError ? err.code : 'INTERNAL';
    const outcome = isBankError(err) ? err.outcome : 'unknown';
    const lastError = { code, message: message.slice(0, 500), outcome, at: new Date() };

    if (err instanceof BankUnavailableError) {
      if (err.reason === 'breaker_open' && err.details.attempts === 0) return this.count('deferred');
      // The bank is down: wait for it without counting towards giving up. Unknown outcome stays `submitted`: the
      // next attempt re-sends the same key and the bank answers whatever it did.
      const waits = p.waits + 1;
      const nextAttemptAt = new Date(
        Date.now() + retryDelayMs(waits, this.deps.policy.retryBaseMs, this.deps.policy.retryMaxMs),
      );
      const event = failedEvent(
        line,
        { epoch: p.epoch, attempt, reasonCode: 'bank_unavailable', reason: message, retryable: true, nextAttemptAt },
        causeOfLine(line),
      );
      await this.write(
        line,
        {
          $set: {
            state: outcome === 'unknown' ? 'submitted' : 'failed',
            'payout.waits': waits,
            'payout.nextAttemptAt': nextAttemptAt,
            'payout.lastError': { ...lastError, reasonCode: 'bank_unavailable' },
          },
        },
        [event],
      );
      return this.count('waiting');
    }
    if (err instanceof BankRejectedError) {
      await this.needsAttention(line, reasonCodeOf(err.bankCode), message, lastError);
      return this.count('needs_attention');
    }
    if (err instanceof BankInvalidRequestError) {
      await this.needsAttention(line, 'rejected', message, lastError);
      return this.count('needs_attention');
    }
    // Timeouts, unreadable answers, anything unexpected: counted; the same key is re-sent until the limit.
    const reasonCode = code === 'BANK.TIMEOUT' ? 'timeout' : 'other';
    const failures = p.failures + 1;
    if (failures >= this.deps.policy.maxFailures) {
      await this.needsAttention(line, reasonCode, message, lastError, failures);
      return this.count('needs_attention');
    }
    const nextAttemptAt = new Date(
      Date.now() + retryDelayMs(failures, this.deps.policy.retryBaseMs, this.deps.policy.retryMaxMs),
    );
    const event = failedEvent(
      line,
      { epoch: p.epoch, attempt, reasonCode, reason: message, retryable: true, nextAttemptAt },
      causeOfLine(line),
    );
    await this.write(
      line,
      {
        $set: {
          state: outcome === 'not_applied' ? 'failed' : 'submitted',
          'payout.failures': failures,
          'payout.nextAttemptAt': nextAttemptAt,
          'payout.lastError': { ...lastError, reasonCode },
        },
      },
      [event],
    );
    return this.count('failed');
  }

  private async needsAttention(
    line: LineDoc,
    reasonCode: string,
    reason: string,
    lastError: { code: string; outcome: string | null; message?: string; at?: Date },
    failures?: number,
  ): Promise<void> {
    const p = line.payout!;
    const event = failedEvent(
      line,
      { epoch: p.epoch, attempt: p.attempts, reasonCode, reason, retryable: false, nextAttemptAt: null },
      causeOfLine(line),
    );
    await this.write(
      line,
      {
        $set: {
          state: 'needs_attention',
          'payout.nextAttemptAt': null,
          ...(failures !== undefined ? { 'payout.failures': failures } : {}),
          'payout.lastError': {
            code: lastError.code,
            reasonCode,
            message: (lastError.message ?? reason).slice(0, 500),
            outcome: lastError.outcome,
            at: lastError.at ?? new Date(),
          },
        },
      },
      [event],
    );
    this.deps.logger.warn({ lineId: line._id, reasonCode, reason }, 'settlement line needs attention');
  }

  /**
   * One conditional single-document write of the line, with its events through the outbox when there are any, and
   * the line as it now is (merged here rather than read back: every round trip counts on FerretDB, whose updates
   * grow with the collection).
   */
  private async write(
    line: LineDoc,
    update: { $set: Record<string, unknown> },
    events: Parameters<Outbox['update']>[1]['events'] = [],
  ): Promise<LineDoc> {
    const { models, outbox } = this.deps;
    const updatedAt = new Date();
    const filter = { _id: line._id, version: line.version };
    const change = { $set: { ...update.$set, updatedAt }, $inc: { version: 1 } };
    const written = events.length
      ? (await outbox.update(models.Line, { filter, update: change, events })).written
      : (await models.Line.updateOne(filter, change)).matchedCount === 1;
    if (!written) {
      throw conflict('SETTLEMENT.CONCURRENT_UPDATE', `settlement line ${line._id} changed meanwhile`);
    }
    const next = structuredClone(line) as LineDoc & Record<string, unknown>;
    for (const [path, value] of Object.entries(change.$set)) setPath(next, path, value);
    next.version = line.version + 1;
    return next;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    if (at[k] === null || typeof at[k] !== 'object') at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}
