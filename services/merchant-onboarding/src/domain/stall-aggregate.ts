/**
 * The Stall aggregate: every change a stall goes through (the life cycle drawn in `stall.ts`), as pure functions that
 * take the stall as read and answer with what should become of it, the events that announce it and the audit entry,
 * or with the refusal. The service does everything else: it reads, asks the bank, writes the change with its events
 * in one conditional write, and passes in the time, so the rules here can be tested without a database, a bank or a
 * clock.
 */
import {
  createEvent,
  merchantActivatedV1,
  merchantRegisteredV1,
  merchantSuspendedV1,
  merchantUpdatedV1,
  merchantVerifiedV1,
  type Envelope,
  type MerchantSnapshot,
} from '@marketqr/contracts';
import type { Actor } from '@marketqr/auth';
import { DomainError } from '@marketqr/service-kit';
import {
  canActivate,
  nextVerificationDelayMs,
  type AccountRef,
  type AuditEntry,
  type Stall,
  type Verification,
} from './stall';
import { namesMatch } from './validation';

export const PRODUCER = 'merchant-onboarding';

/** What the stall's rules and events need of its market. */
export interface MarketOfStall {
  _id: string;
  name: string;
  zones: { code: string }[];
  collectionAccount: AccountRef;
}

/** The moment and the flow a transition belongs to, and the stall's market (every event carries it). */
export interface TransitionContext {
  now: Date;
  market: MarketOfStall;
  correlationId?: string;
}

/** What a transition may change: a stall's identity (market, code, zone, vendor) is fixed when it is registered. */
export type StallChanges = Partial<
  Pick<Stall, 'payoutAccount' | 'verification' | 'virtualAccount' | 'status' | 'suspension' | 'backdateMs'>
>;

export interface StallChange {
  changes: StallChanges;
  /** Written in the same write as the changes: no event without its state, no state without its events. */
  events: Envelope[];
  audit: AuditEntry;
}

/**
 * A change; a refusal (the request does not fit the stall's state, answered to the caller); or null when there is
 * nothing left to do: the stall moved on while the bank was being asked, or the request repeats what is already so.
 */
export type Transition = StallChange | DomainError | null;

/** What a bank error says, kept on the stall so a vendor and a manager can see why verification waits or failed. */
export interface BankFailure {
  code: string;
  message: string;
}

/** The verification after one more attempt at the bank, which ended as `outcome` says. */
function attempted(stall: Stall, outcome: Partial<Verification>): Verification {
  return { ...stall.verification, attempts: stall.verification.attempts + 1, ...outcome };
}

/** What every merchant event carries about the stall, so consumers never call back. */
export function snapshotOf(stall: Stall, market: MarketOfStall): MerchantSnapshot {
  return {
    merchantId: stall._id,
    marketId: market._id,
    marketName: market.name,
    zone: stall.zone,
    stallCode: stall.stallCode,
    category: stall.category,
    vendorName: stall.vendor.fullName,
    ...(stall.virtualAccount
      ? { virtualAccount: { bin: stall.virtualAccount.bin, accountNumber: stall.virtualAccount.accountNumber } }
      : {}),
    payoutAccount: {
      bin: stall.payoutAccount.bin,
      accountNumber: stall.payoutAccount.accountNumber,
      ...(stall.payoutAccount.holderName ? { holderName: stall.payoutAccount.holderName } : {}),
    },
    status: stall.status,
    collectionAccount: { bin: market.collectionAccount.bin, accountNumber: market.collectionAccount.accountNumber },
  };
}

/** The envelope fields of an event about `stall` (as it is after the change). */
function envelopeOf(stall: Stall, ctx: TransitionContext) {
  return {
    aggregateId: stall._id,
    producer: PRODUCER,
    correlationId: ctx.correlationId,
    // A backdated onboarding (demo only) dates its events by the stall's offset: see Stall.backdateMs.
    occurredAt: new Date(ctx.now.getTime() - (stall.backdateMs ?? 0)),
  };
}

export interface Registration {
  stallId: string;
  stallCode: string;
  zone: string;
  category: string;
  vendor: Stall['vendor'];
  payoutAccount: AccountRef;
  /** Demo only: when the registration happened, if earlier than now (already checked against the allowed window). */
  registeredAt?: Date;
}

/** A new stall, waiting for its first name inquiry right away, and its `merchant.registered`. */
export function register(
  input: Registration,
  actor: Actor,
  ctx: TransitionContext,
): { stall: Stall; events: Envelope[] } | DomainError {
  const { market, now } = ctx;
  if (!market.zones.some((z) => z.code === input.zone)) {
    return new DomainError('MERCHANT.UNKNOWN_ZONE', `zone ${input.zone} is not a zone of ${market.name}`, 'invalid', {
      field: 'zone',
      zones: market.zones.map((z) => z.code),
    });
  }
  const backdateMs = input.registeredAt ? now.getTime() - input.registeredAt.getTime() : 0;
  const stall: Stall = {
    _id: input.stallId,
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
    ...envelopeOf(stall, ctx),
    data: {
      ...snapshotOf(stall, market),
      // The event knows people, not services: a service registering a stall does it with an admin's authority.
      registeredBy: { userId: actor.userId, role: actor.role === 'service' ? 'admin' : actor.role },
    },
  });
  return { stall, events: [event] };
}

/**
 * The bank named the holder of `account`. The vendor's name → verified (the next step is the virtual account, due
 * now if the stall has none); another name → a manager must look. Null when the answer is stale: the stall is no
 * longer waiting for it, or its payout account changed while the bank was asked.
 */
export function answerNameInquiry(
  stall: Stall,
  answer: { account: AccountRef; holderName: string },
  ctx: TransitionContext,
): Transition {
  const { account, holderName } = answer;
  if (stall.verification.state !== 'pending' || stall.payoutAccount.accountNumber !== account.accountNumber) {
    return null;
  }
  const { now } = ctx;
  if (!namesMatch(stall.vendor.fullName, holderName)) {
    return {
      changes: {
        verification: attempted(stall, {
          state: 'name_mismatch',
          nextAttemptAt: null,
          lastError: null,
          bankHolderName: holderName,
        }),
      },
      events: [],
      audit: { at: now, action: 'verification.name_mismatch', by: 'bank', note: `bank holder: ${holderName}` },
    };
  }
  const reference = `${account.bin}:${account.accountNumber}`;
  const after: Stall = {
    ...stall,
    payoutAccount: { ...stall.payoutAccount, holderName },
    verification: {
      state: 'verified',
      attempts: stall.verification.attempts + 1,
      nextAttemptAt: stall.virtualAccount ? null : now,
      lastError: null,
      bankHolderName: holderName,
      method: 'name_inquiry',
      reference,
      verifiedAt: now,
    },
    status: stall.status === 'pending_verification' ? 'verified' : stall.status,
  };
  const audit = { at: now, action: 'verification.verified.name_inquiry', by: 'bank' };
  return verifiedChange(stall, after, ctx, { method: 'name_inquiry', holderName, reference }, audit);
}

/**
 * A payout account that just became verified, by the bank or by a manager. A new stall announces it as
 * `merchant.verified`; a stall past its first verification (its account changed) as `merchant.updated`, which is
 * what settlement listens to for a new account to pay.
 */
function verifiedChange(
  before: Stall,
  after: Stall,
  ctx: TransitionContext,
  verification: { method: 'name_inquiry' | 'manual'; holderName: string; reference: string },
  audit: AuditEntry,
): StallChange {
  const snapshot = snapshotOf(after, ctx.market);
  const event =
    before.status === 'pending_verification'
      ? createEvent(merchantVerifiedV1, { ...envelopeOf(after, ctx), data: { ...snapshot, verification } })
      : createEvent(merchantUpdatedV1, {
          ...envelopeOf(after, ctx),
          data: { ...snapshot, changedFields: ['payoutAccount'] },
        });
  return {
    changes: { payoutAccount: after.payoutAccount, verification: after.verification, status: after.status },
    events: [event],
    audit,
  };
}

/**
 * The bank refused the account itself (does not exist, closed, invalid): retrying cannot help, the vendor must give
 * another one. Unlike `answerNameInquiry` it does not check that the stall still waits for that account: as before
 * this module existed, a refusal that arrives after the vendor changed account marks the new one rejected.
 */
export function rejectAccount(stall: Stall, failure: BankFailure, ctx: TransitionContext): StallChange {
  return {
    changes: {
      verification: attempted(stall, {
        state: 'rejected',
        nextAttemptAt: null,
        lastError: `${failure.code}: ${failure.message}`,
      }),
    },
    events: [],
    audit: { at: ctx.now, action: 'verification.rejected', by: 'bank', note: failure.message },
  };
}

/**
 * The bank could not answer (a name inquiry or a virtual-account registration): the stall stays as it is and the
 * step is tried again later, backing off, visibly (`verification.lastError`). Registration never fails because the
 * bank is down.
 */
export function deferVerification(
  stall: Stall,
  failure: BankFailure,
  retryBaseMs: number,
  ctx: TransitionContext,
): StallChange {
  const delay = nextVerificationDelayMs(stall.verification.attempts + 1, retryBaseMs);
  return {
    changes: {
      verification: attempted(stall, {
        nextAttemptAt: new Date(ctx.now.getTime() + delay),
        lastError: `${failure.code}: ${failure.message}`,
      }),
    },
    events: [],
    audit: { at: ctx.now, action: 'verification.deferred', by: 'system', note: failure.code },
  };
}

/** The bank registered the stall's virtual account: nothing left to schedule. Null if it already has one. */
export function assignVirtualAccount(stall: Stall, virtualAccount: AccountRef, ctx: TransitionContext): Transition {
  if (stall.virtualAccount) return null;
  const after: Stall = { ...stall, virtualAccount };
  return {
    changes: {
      virtualAccount,
      verification: { ...stall.verification, nextAttemptAt: null, lastError: null },
    },
    events: [
      createEvent(merchantUpdatedV1, {
        ...envelopeOf(after, ctx),
        data: { ...snapshotOf(after, ctx.market), changedFields: ['virtualAccount'] },
      }),
    ],
    audit: { at: ctx.now, action: 'virtual_account.registered', by: 'bank', note: virtualAccount.accountNumber },
  };
}

const nothingToReview = (stall: Stall) =>
  stall.verification.state === 'name_mismatch'
    ? null
    : new DomainError('MERCHANT.NOTHING_TO_REVIEW', 'only a name mismatch waits for a manager review', 'conflict');

/**
 * A manager who checked the vendor's papers accepts the bank's holder name as the vendor's: the account is verified
 * manually, with the manager as its reference.
 */
export function acceptNameMismatch(stall: Stall, note: string, actor: Actor, ctx: TransitionContext): Transition {
  const refused = nothingToReview(stall);
  if (refused) return refused;
  const { now } = ctx;
  const holderName = stall.verification.bankHolderName ?? stall.vendor.fullName;
  const after: Stall = {
    ...stall,
    payoutAccount: { ...stall.payoutAccount, holderName },
    verification: {
      ...stall.verification,
      state: 'verified',
      method: 'manual',
      reference: actor.userId,
      verifiedAt: now,
      nextAttemptAt: stall.virtualAccount ? null : now,
    },
    status: stall.status === 'pending_verification' ? 'verified' : stall.status,
  };
  const audit = { at: now, action: 'verification.review.accepted', by: actor.userId, note };
  return verifiedChange(stall, after, ctx, { method: 'manual', holderName, reference: actor.userId }, audit);
}

/** A manager rejects the mismatch: the vendor must give another account (or have the bank's name corrected). */
export function rejectNameMismatch(stall: Stall, note: string, actor: Actor, ctx: TransitionContext): Transition {
  const refused = nothingToReview(stall);
  if (refused) return refused;
  return {
    changes: { verification: { ...stall.verification, state: 'rejected', lastError: `rejected by manager: ${note}` } },
    events: [],
    audit: { at: ctx.now, action: 'verification.review.rejected', by: actor.userId, note },
  };
}

/** A manager approves a stall that is verified and has its virtual account: it may take payments. */
export function approve(stall: Stall, actor: Actor, ctx: TransitionContext): Transition {
  const blocked = canActivate(stall);
  if (blocked) return new DomainError(blocked, `stall ${stall.stallCode} cannot be approved: ${blocked}`, 'conflict');
  return activation(stall, actor, false, ctx);
}

/** A suspended stall takes payments again, provided it still has somewhere verified to be paid. */
export function reactivate(stall: Stall, actor: Actor, ctx: TransitionContext): Transition {
  if (stall.status !== 'suspended') {
    return new DomainError('MERCHANT.NOT_SUSPENDED', 'only a suspended stall is reactivated', 'conflict');
  }
  if (!stall.virtualAccount || stall.verification.state !== 'verified') {
    return new DomainError(
      'MERCHANT.NOT_VERIFIED',
      'a suspended stall is reactivated only with a verified payout account',
      'conflict',
    );
  }
  return activation(stall, actor, true, ctx);
}

function activation(stall: Stall, actor: Actor, reactivation: boolean, ctx: TransitionContext): StallChange {
  // The approval is the last event of a backdated onboarding: its own event is still dated back (from `after`, which
  // keeps the offset), and the offset is cleared so that everything later happens when it happens.
  const after: Stall = { ...stall, status: 'active', suspension: null };
  return {
    changes: { status: 'active', suspension: null, ...(stall.backdateMs ? { backdateMs: null } : {}) },
    events: [
      createEvent(merchantActivatedV1, {
        ...envelopeOf(after, ctx),
        data: { ...snapshotOf(after, ctx.market), activatedBy: actor.userId, reactivation },
      }),
    ],
    audit: { at: ctx.now, action: reactivation ? 'reactivated' : 'activated', by: actor.userId },
  };
}

/** The stall may no longer take payments, whatever it was doing, until a manager reactivates it. */
export function suspend(
  stall: Stall,
  reason: { reasonCode: string; reason: string },
  actor: Actor,
  ctx: TransitionContext,
): Transition {
  if (stall.status === 'suspended') {
    return new DomainError('MERCHANT.ALREADY_SUSPENDED', 'the stall is already suspended', 'conflict');
  }
  const suspension = { reasonCode: reason.reasonCode, reason: reason.reason, by: actor.userId, at: ctx.now };
  const after: Stall = { ...stall, status: 'suspended', suspension };
  return {
    changes: { status: 'suspended', suspension },
    events: [
      createEvent(merchantSuspendedV1, {
        ...envelopeOf(after, ctx),
        data: {
          ...snapshotOf(after, ctx.market),
          reasonCode: reason.reasonCode,
          reason: reason.reason,
          suspendedBy: actor.userId,
        },
      }),
    ],
    audit: { at: ctx.now, action: 'suspended', by: actor.userId, note: `${reason.reasonCode}: ${reason.reason}` },
  };
}

/**
 * A new payout account goes back through verification, from its first attempt. Nothing is announced yet: consumers
 * (settlement among them) hear of the new account only once it is verified, as `merchant.updated`. Null when the
 * account is the one the stall already has.
 */
export function changePayoutAccount(
  stall: Stall,
  account: AccountRef,
  actor: Actor,
  ctx: TransitionContext,
): Transition {
  if (stall.payoutAccount.bin === account.bin && stall.payoutAccount.accountNumber === account.accountNumber) {
    return null;
  }
  return {
    changes: {
      payoutAccount: { ...account, holderName: null },
      verification: { state: 'pending', attempts: 0, nextAttemptAt: ctx.now, lastError: null },
    },
    events: [],
    audit: {
      at: ctx.now,
      action: 'payout_account.changed',
      by: actor.userId,
      note: `${account.bin}:${account.accountNumber}`,
    },
  };
}
