import { randomBytes } from 'node:crypto';
import {
  createEvent,
  merchantActivatedV1,
  merchantRegisteredV1,
  merchantSuspendedV1,
  merchantUpdatedV1,
  merchantVerifiedV1,
  type Envelope,
} from '@marketqr/contracts';
import type { Outbox } from '@marketqr/messaging';
import { AppError, KeyedMutex, conflict, notFound, type Logger, isDuplicateKey } from '@marketqr/service-kit';
import { isBankError, type BankGateway } from '@marketqr/bank-gateway';
import { canActivate, nextVerificationDelayMs, type AuditEntry, type Stall } from '../domain/stall';
import { namesMatch } from '../domain/validation';
import type { Market, Models } from '../store/models';
import { snapshotOf } from './snapshot';
import type { Actor } from '@marketqr/auth';

export const PRODUCER = 'merchant-onboarding';

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
    if (!market.zones.some((z) => z.code === input.zone)) {
      throw new AppError('MERCHANT.UNKNOWN_ZONE', `zone ${input.zone} is not a zone of ${market.name}`, 400, {
        field: 'zone',
        zones: market.zones.map((z) => z.code),
      });
    }
    const now = this.now();
    const backdateMs = input.registeredAt ? now.getTime() - input.registeredAt.getTime() : 0;
    const stall: Stall = {
      _id: stallId,
      marketId: market._id,
      stallCode: input.stallCode,
      zone: input.zone,
      category: input.category,
      vendor: input.vendor,
      payoutAccount: { ...input.payoutAccount, holderName: null },
      verification: { state: 'pending', attempts: 0, nextAttemptAt: now },
      virtualAccount: null,
      status: 'pending_verification',
      version: 1,
      history: [{ at: now, action: 'registered', by: actor.userId }],
      createdAt: now,
      updatedAt: now,
      ...(backdateMs > 0 ? { backdateMs } : {}),
    };
    const event = createEvent(merchantRegisteredV1, {
      aggregateId: stall._id,
      producer: PRODUCER,
      correlationId,
      occurredAt: new Date(now.getTime() - backdateMs),
      data: {
        ...snapshotOf(stall, market),
        registeredBy: { userId: actor.userId, role: actor.role === 'service' ? 'admin' : actor.role },
      },
    });
    try {
      await this.outbox.insert(this.models.Stall, { ...stall }, [event]);
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
   * Applies `change` to the current stall under the per-stall lock and writes it with its events, conditional on the
   * version read. Returns the stall after the change. `change` returns undefined to change nothing.
   */
  private async mutate(
    stallId: string,
    change: (
      stall: Stall,
      market: Market,
    ) => { set: Partial<Stall>; events: Envelope[]; audit: AuditEntry } | undefined,
  ): Promise<Stall> {
    return this.lock.run(stallId, async () => {
      const stall = await this.get(stallId);
      const market = await this.market(stall.marketId);
      const result = change(stall, market);
      if (!result) return stall;
      const now = this.now();
      const set = { ...result.set, version: stall.version + 1, updatedAt: now };
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

  private event<D>(def: Parameters<typeof createEvent>[0], stall: Stall, data: D, correlationId?: string): Envelope {
    // A backdated onboarding (demo only) dates its events by the stall's offset: see Stall.backdateMs.
    const occurredAt = stall.backdateMs ? new Date(this.now().getTime() - stall.backdateMs) : undefined;
    return createEvent(def, {
      aggregateId: stall._id,
      producer: PRODUCER,
      correlationId,
      data: data as never,
      ...(occurredAt ? { occurredAt } : {}),
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
    const { bin, accountNumber } = stall.payoutAccount;
    try {
      const answer = await this.gateway.nameInquiry({ bin, accountNumber });
      const holder = answer.accountName;
      const verified = await this.mutate(stall._id, (s, market) => {
        if (s.verification.state !== 'pending' || s.payoutAccount.accountNumber !== accountNumber) return undefined;
        const now = this.now();
        if (!namesMatch(s.vendor.fullName, holder)) {
          return {
            set: {
              verification: {
                ...s.verification,
                state: 'name_mismatch',
                attempts: s.verification.attempts + 1,
                nextAttemptAt: null,
                lastError: null,
                bankHolderName: holder,
              },
            },
            events: [],
            audit: { at: now, action: 'verification.name_mismatch', by: 'bank', note: `bank holder: ${holder}` },
          };
        }
        const next: Stall = {
          ...s,
          payoutAccount: { ...s.payoutAccount, holderName: holder },
          verification: {
            state: 'verified',
            attempts: s.verification.attempts + 1,
            nextAttemptAt: s.virtualAccount ? null : now,
            lastError: null,
            bankHolderName: holder,
            method: 'name_inquiry',
            reference: `${bin}:${accountNumber}`,
            verifiedAt: now,
          },
          status: s.status === 'pending_verification' ? 'verified' : s.status,
        };
        return this.verifiedChange(s, next, market, 'name_inquiry', holder, `${bin}:${accountNumber}`, correlationId);
      });
      return verified.verification.state === 'verified' && !verified.virtualAccount
        ? this.registerVirtualAccount(verified, correlationId)
        : verified;
    } catch (e) {
      if (isBankError(e) && e.code === 'BANK.REJECTED') {
        return this.mutate(stall._id, (s) => ({
          set: {
            verification: {
              ...s.verification,
              state: 'rejected',
              attempts: s.verification.attempts + 1,
              nextAttemptAt: null,
              lastError: `${e.code}: ${e.message}`,
            },
          },
          events: [],
          audit: { at: this.now(), action: 'verification.rejected', by: 'bank', note: e.message },
        }));
      }
      if (isBankError(e)) return this.scheduleRetry(stall._id, e);
      throw e;
    }
  }

  /** The events for a payout account that just became verified: `merchant.verified` for a new stall, else `merchant.updated`. */
  private verifiedChange(
    before: Stall,
    after: Stall,
    market: Market,
    method: 'name_inquiry' | 'manual',
    holderName: string,
    reference: string,
    correlationId?: string,
  ) {
    const now = this.now();
    const snapshot = snapshotOf(after, market);
    const events =
      before.status === 'pending_verification'
        ? [
            this.event(
              merchantVerifiedV1,
              after,
              { ...snapshot, verification: { method, holderName, reference } },
              correlationId,
            ),
          ]
        : [this.event(merchantUpdatedV1, after, { ...snapshot, changedFields: ['payoutAccount'] }, correlationId)];
    return {
      set: { payoutAccount: after.payoutAccount, verification: after.verification, status: after.status },
      events,
      audit: { at: now, action: `verification.verified.${method}`, by: method === 'manual' ? reference : 'bank' },
    };
  }

  private async registerVirtualAccount(stall: Stall, correlationId?: string): Promise<Stall> {
    const market = await this.market(stall.marketId);
    try {
      const va = await this.gateway.registerVirtualAccount({
        collectionAccount: market.collectionAccount.accountNumber,
        stallRef: stall._id,
        displayName: stall.vendor.fullName,
      });
      return await this.mutate(stall._id, (s, m) => {
        if (s.virtualAccount) return undefined;
        const after: Stall = { ...s, virtualAccount: { bin: va.bin, accountNumber: va.virtualAccount } };
        return {
          set: {
            virtualAccount: after.virtualAccount,
            verification: { ...s.verification, nextAttemptAt: null, lastError: null },
          },
          events: [
            this.event(
              merchantUpdatedV1,
              after,
              { ...snapshotOf(after, m), changedFields: ['virtualAccount'] },
              correlationId,
            ),
          ],
          audit: { at: this.now(), action: 'virtual_account.registered', by: 'bank', note: va.virtualAccount },
        };
      });
    } catch (e) {
      if (isBankError(e)) return this.scheduleRetry(stall._id, e);
      throw e;
    }
  }

  /** The bank could not answer: keep the stall as it is and try again later, visibly (`verification.lastError`). */
  private scheduleRetry(stallId: string, e: Error & { code: string }): Promise<Stall> {
    return this.mutate(stallId, (s) => {
      const attempts = s.verification.attempts + 1;
      const delay = nextVerificationDelayMs(attempts, this.opts.verifyRetryBaseMs);
      this.logger.warn(
        { stallId, attempts, retryInMs: delay, code: e.code },
        'bank unavailable; verification retried later',
      );
      return {
        set: {
          verification: {
            ...s.verification,
            attempts,
            nextAttemptAt: new Date(this.now().getTime() + delay),
            lastError: `${e.code}: ${e.message}`,
          },
        },
        events: [],
        audit: { at: this.now(), action: 'verification.deferred', by: 'system', note: e.code },
      };
    });
  }

  /** A manager settles a name mismatch: accept (the bank's name is the vendor's) or reject (the vendor must change it). */
  async review(stallId: string, decision: 'accept' | 'reject', note: string, actor: Actor, correlationId?: string) {
    return this.mutate(stallId, (s, market) => {
      if (s.verification.state !== 'name_mismatch') {
        throw conflict('MERCHANT.NOTHING_TO_REVIEW', 'only a name mismatch waits for a manager review');
      }
      const now = this.now();
      if (decision === 'reject') {
        return {
          set: { verification: { ...s.verification, state: 'rejected', lastError: `rejected by manager: ${note}` } },
          events: [],
          audit: { at: now, action: 'verification.review.rejected', by: actor.userId, note },
        };
      }
      const holder = s.verification.bankHolderName ?? s.vendor.fullName;
      const after: Stall = {
        ...s,
        payoutAccount: { ...s.payoutAccount, holderName: holder },
        verification: {
          ...s.verification,
          state: 'verified',
          method: 'manual',
          reference: actor.userId,
          verifiedAt: now,
          nextAttemptAt: s.virtualAccount ? null : now,
        },
        status: s.status === 'pending_verification' ? 'verified' : s.status,
      };
      const change = this.verifiedChange(s, after, market, 'manual', holder, actor.userId, correlationId);
      return { ...change, audit: { at: now, action: 'verification.review.accepted', by: actor.userId, note } };
    });
  }

  async activate(stallId: string, actor: Actor, correlationId?: string): Promise<Stall> {
    return this.mutate(stallId, (s, market) => {
      const reactivation = s.status === 'suspended';
      if (!reactivation) {
        const blocked = canActivate(s);
        if (blocked) throw conflict(blocked, `stall ${s.stallCode} cannot be approved: ${blocked}`);
      } else if (!s.virtualAccount || s.verification.state !== 'verified') {
        throw conflict('MERCHANT.NOT_VERIFIED', 'a suspended stall is reactivated only with a verified payout account');
      }
      // The approval is the last event of a backdated onboarding (its own event is still dated back, from `after`).
      const after: Stall = { ...s, status: 'active', suspension: null };
      return {
        set: { status: 'active', suspension: null, ...(s.backdateMs ? { backdateMs: null } : {}) },
        events: [
          this.event(
            merchantActivatedV1,
            after,
            { ...snapshotOf(after, market), activatedBy: actor.userId, reactivation },
            correlationId,
          ),
        ],
        audit: { at: this.now(), action: reactivation ? 'reactivated' : 'activated', by: actor.userId },
      };
    });
  }

  async suspend(
    stallId: string,
    reasonCode: string,
    reason: string,
    actor: Actor,
    correlationId?: string,
  ): Promise<Stall> {
    return this.mutate(stallId, (s, market) => {
      if (s.status === 'suspended') throw conflict('MERCHANT.ALREADY_SUSPENDED', 'the stall is already suspended');
      const now = this.now();
      const suspension = { reasonCode, reason, by: actor.userId, at: now };
      const after: Stall = { ...s, status: 'suspended', suspension };
      return {
        set: { status: 'suspended', suspension },
        events: [
          this.event(
            merchantSuspendedV1,
            after,
            { ...snapshotOf(after, market), reasonCode, reason, suspendedBy: actor.userId },
            correlationId,
          ),
        ],
        audit: { at: now, action: 'suspended', by: actor.userId, note: `${reasonCode}: ${reason}` },
      };
    });
  }

  /** A new payout account replaces the old one only once verified; until then settlement keeps paying nothing new. */
  async changePayoutAccount(stallId: string, account: { bin: string; accountNumber: string }, actor: Actor) {
    const changed = await this.mutate(stallId, (s) => {
      if (s.payoutAccount.bin === account.bin && s.payoutAccount.accountNumber === account.accountNumber)
        return undefined;
      const now = this.now();
      return {
        set: {
          payoutAccount: { ...account, holderName: null },
          verification: { state: 'pending', attempts: 0, nextAttemptAt: now, lastError: null },
        },
        events: [],
        audit: {
          at: now,
          action: 'payout_account.changed',
          by: actor.userId,
          note: `${account.bin}:${account.accountNumber}`,
        },
      };
    });
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
