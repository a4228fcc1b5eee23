import { randomBytes } from 'node:crypto';
import type { Outbox } from '@marketqr/messaging';
import {
  AppError,
  DomainError,
  KeyedMutex,
  conflict,
  notFound,
  type Logger,
  isDuplicateKey,
} from '@marketqr/service-kit';
import { isBankError, type BankError, type BankGateway } from '@marketqr/bank-gateway';
import { nextVerificationDelayMs, type AccountRef, type Stall } from '../domain/stall';
import * as aggregate from '../domain/stall-aggregate';
import type { Market, Models } from '../store/models';
import type { Actor } from '@marketqr/auth';

/** Who acted (audit fields, events): one definition, in @marketqr/auth. */
export type { Actor };

export interface RegisterStallInput {
  marketId: string;
  stallCode: string;
  zone: string;
  category: string;
  vendor: { fullName: string; phone: string; userId: string };
  payoutAccount: { bin: string; accountNumber: string };
  /** Demo only: when the registration happened, if earlier than now (checked by `backdated`). */
  registeredAt?: Date;
}

export const newStallId = () => `stl-${randomBytes(8).toString('hex')}`;

/**
 * Every change to a stall: one conditional single-document write (`version` must still be what was read) that also
 * appends the events it raises. A KeyedMutex keeps this process from racing itself on one stall (FerretDB 1.24 does
 * not make concurrent updates of one document atomic).
 */
export class StallService {
  private readonly lock = new KeyedMutex();

  constructor(
    private readonly models: Models,
    private readonly outbox: Outbox,
    private readonly gateway: BankGateway,
    private readonly logger: Logger,
    private readonly opts: { verifyRetryBaseMs: number; now?: () => Date; backdatedDays?: number } = {
      verifyRetryBaseMs: 30_000,
    },
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /**
   * A registration dated in the past (the demo seed's market has been on MarketQR for two months), checked: only when
   * BACKDATED_ONBOARDING_DAYS allows it, never in the future, never further back than that many days.
   */
  backdated(text: string | undefined): Date | undefined {
    if (text === undefined) return undefined;
    const days = this.opts.backdatedDays ?? 0;
    if (days <= 0) {
      throw new AppError('MERCHANT.BACKDATING_DISABLED', 'registeredAt is accepted only in the demo', 400, {
        field: 'registeredAt',
      });
    }
    const at = new Date(text).getTime();
    const now = this.now().getTime();
    if (!(at <= now && at >= now - days * 86_400_000)) {
      throw new AppError('MERCHANT.INVALID_REQUEST', `registeredAt must be in the last ${days} days`, 400, {
        field: 'registeredAt',
      });
    }
    return new Date(at);
  }

  async market(marketId: string): Promise<Market> {
    const market = await this.models.Market.findById(marketId).lean<Market>();
    if (!market) throw notFound('MERCHANT.MARKET_NOT_FOUND', `market ${marketId} does not exist`);
    return market;
  }

  find(stallId: string): Promise<Stall | null> {
    return this.models.Stall.findById(stallId).lean<Stall>().exec();
  }

  async get(stallId: string): Promise<Stall> {
    const stall = await this.models.Stall.findById(stallId).lean<Stall>();
    if (!stall) throw notFound('MERCHANT.STALL_NOT_FOUND', `stall ${stallId} does not exist`);
    return stall;
  }

  /** Inserts the stall with its `merchant.registered` event. A duplicate stall code in the market → 409. */
  async register(
    input: RegisterStallInput,
    actor: Actor,
    correlationId?: string,
    stallId = newStallId(),
  ): Promise<Stall> {
    const market = await this.market(input.marketId);
    const registered = aggregate.register({ ...input, stallId }, actor, { now: this.now(), market, correlationId });
    if (registered instanceof DomainError) throw registered;
    const { stall, events } = registered;
    try {
      await this.outbox.insert(this.models.Stall, { ...stall }, events);
    } catch (e) {
      if (isDuplicateKey(e)) {
        throw conflict('MERCHANT.DUPLICATE_STALL_CODE', `stall ${input.stallCode} already exists in ${market.name}`, {
          field: 'stallCode',
        });
      }
      throw e;
    }
    this.logger.info({ stallId: stall._id, marketId: market._id, stallCode: stall.stallCode }, 'stall registered');
    return stall;
  }

  /**
   * Decides a transition on the current stall under the per-stall lock and writes its changes with its events,
   * conditional on the version read. Returns the stall after the change (unchanged when the transition is null);
   * throws the transition's refusal.
   */
  private async mutate(
    stallId: string,
    transition: (stall: Stall, ctx: aggregate.TransitionContext) => aggregate.Transition,
    correlationId?: string,
  ): Promise<Stall> {
    return this.lock.run(stallId, async () => {
      const stall = await this.get(stallId);
      const market = await this.market(stall.marketId);
      const now = this.now();
      const result = transition(stall, { now, market, correlationId });
      if (result instanceof DomainError) throw result;
      if (!result) return stall;
      const set = { ...result.changes, version: stall.version + 1, updatedAt: now };
      const res = await this.outbox.update(this.models.Stall, {
        filter: { _id: stallId, version: stall.version },
        update: { $set: set, $push: { history: result.audit } },
        events: result.events,
      });
      if (!res.written) {
        throw conflict('MERCHANT.CONCURRENT_UPDATE', 'the stall changed meanwhile; read it again and retry');
      }
      return { ...stall, ...set, history: [...stall.history, result.audit] };
    });
  }

  /**
   * One verification step: a name inquiry for the payout account, then (once verified) the stall's virtual account.
   * A bank that is unavailable leaves the stall pending with the next attempt scheduled: registration never fails
   * because the bank is down.
   */
  async verify(stallId: string, correlationId?: string): Promise<Stall> {
    const stall = await this.get(stallId);
    if (stall.verification.state === 'pending') {
      return this.nameInquiry(stall, correlationId);
    }
    if (stall.verification.state === 'verified' && !stall.virtualAccount) {
      return this.registerVirtualAccount(stall, correlationId);
    }
    return stall;
  }

  private async nameInquiry(stall: Stall, correlationId?: string): Promise<Stall> {
    const account = { bin: stall.payoutAccount.bin, accountNumber: stall.payoutAccount.accountNumber };
    let holderName: string;
    try {
      holderName = (await this.gateway.nameInquiry(account)).accountName;
    } catch (e) {
      if (!isBankError(e)) throw e;
      if (e.code === 'BANK.REJECTED') return this.mutate(stall._id, (s, ctx) => aggregate.rejectAccount(s, e, ctx));
      return this.scheduleRetry(stall._id, e);
    }
    const answered = await this.mutate(
      stall._id,
      (s, ctx) => aggregate.answerNameInquiry(s, { account, holderName }, ctx),
      correlationId,
    );
    return answered.verification.state === 'verified' && !answered.virtualAccount
      ? this.registerVirtualAccount(answered, correlationId)
      : answered;
  }

  private async registerVirtualAccount(stall: Stall, correlationId?: string): Promise<Stall> {
    const market = await this.market(stall.marketId);
    let virtualAccount: AccountRef;
    try {
      const va = await this.gateway.registerVirtualAccount({
        collectionAccount: market.collectionAccount.accountNumber,
        stallRef: stall._id,
        displayName: stall.vendor.fullName,
      });
      virtualAccount = { bin: va.bin, accountNumber: va.virtualAccount };
    } catch (e) {
      if (isBankError(e)) return this.scheduleRetry(stall._id, e);
      throw e;
    }
    return this.mutate(stall._id, (s, ctx) => aggregate.assignVirtualAccount(s, virtualAccount, ctx), correlationId);
  }

  private async scheduleRetry(stallId: string, e: BankError): Promise<Stall> {
    const base = this.opts.verifyRetryBaseMs;
    const after = await this.mutate(stallId, (s, ctx) => aggregate.deferVerification(s, e, base, ctx));
    const attempts = after.verification.attempts;
    this.logger.warn(
      { stallId, attempts, retryInMs: nextVerificationDelayMs(attempts, base), code: e.code },
      'bank unavailable; verification retried later',
    );
    return after;
  }

  /** A manager settles a name mismatch: accept (the bank's name is the vendor's) or reject (the vendor must change it). */
  async review(stallId: string, decision: 'accept' | 'reject', note: string, actor: Actor, correlationId?: string) {
    const settle = decision === 'accept' ? aggregate.acceptNameMismatch : aggregate.rejectNameMismatch;
    return this.mutate(stallId, (s, ctx) => settle(s, note, actor, ctx), correlationId);
  }

  /** Approves a stall, or reactivates it when it is suspended (the approve route does both, as it always has). */
  async activate(stallId: string, actor: Actor, correlationId?: string): Promise<Stall> {
    return this.mutate(
      stallId,
      (s, ctx) => (s.status === 'suspended' ? aggregate.reactivate : aggregate.approve)(s, actor, ctx),
      correlationId,
    );
  }

  async suspend(
    stallId: string,
    reasonCode: string,
    reason: string,
    actor: Actor,
    correlationId?: string,
  ): Promise<Stall> {
    return this.mutate(stallId, (s, ctx) => aggregate.suspend(s, { reasonCode, reason }, actor, ctx), correlationId);
  }

  /** A new payout account replaces the old one only once verified; until then settlement keeps paying nothing new. */
  async changePayoutAccount(stallId: string, account: AccountRef, actor: Actor) {
    const changed = await this.mutate(stallId, (s, ctx) => aggregate.changePayoutAccount(s, account, actor, ctx));
    return this.verify(changed._id);
  }

  /** Stalls whose verification step is due (pending name inquiries, or verified stalls still without a virtual account). */
  async due(limit: number): Promise<string[]> {
    const now = this.now();
    const rows = await this.models.Stall.find(
      { 'verification.state': { $in: ['pending', 'verified'] }, 'verification.nextAttemptAt': { $lte: now } },
      { _id: 1 },
    )
      .sort({ 'verification.nextAttemptAt': 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return rows.map((r) => r._id);
  }
}
