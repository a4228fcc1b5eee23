import type { Envelope } from '@marketqr/contracts';
import { DomainError } from '@marketqr/service-kit';
import type { AuditEntry, Stall, Verification } from './stall';
import {
  PRODUCER,
  acceptNameMismatch,
  answerNameInquiry,
  approve,
  assignVirtualAccount,
  changePayoutAccount,
  deferVerification,
  reactivate,
  register,
  rejectAccount,
  rejectNameMismatch,
  snapshotOf,
  suspend,
  type StallChange,
  type Transition,
  type TransitionContext,
} from './stall-aggregate';

const market = {
  _id: 'cho-nenh',
  name: 'Chợ Nếnh',
  zones: [{ code: 'A' }, { code: 'B' }],
  collectionAccount: { bin: '970418', accountNumber: '2150001234' },
};
const registeredAt = new Date('2026-03-01T07:00:00.000Z');
const now = new Date('2026-03-01T08:00:00.000Z');
const ctx: TransitionContext = { now, market, correlationId: 'req-1' };
const vendor = { userId: 'usr_1', role: 'vendor' as const };
const manager = { userId: 'usr_manager', role: 'market_manager' as const };
const payoutAccount = { bin: '970436', accountNumber: '0011223344' };
const virtualAccount = { bin: '970418', accountNumber: '9001234567012' };

const registration = {
  stallId: 'stl-1',
  stallCode: 'A-12',
  zone: 'A',
  category: 'vegetables',
  vendor: { fullName: 'Nguyễn Thị Hoa', phone: '0912345678', userId: 'usr_1' },
  payoutAccount,
};

function registered(overrides: Partial<Stall> = {}): Stall {
  const r = register(registration, vendor, { ...ctx, now: registeredAt });
  if (r instanceof DomainError) throw r;
  return { ...r.stall, ...overrides };
}

const verifiedAt = new Date('2026-03-01T07:00:01.000Z');
const verified = (overrides: Partial<Stall> = {}) =>
  registered({
    status: 'verified',
    payoutAccount: { ...payoutAccount, holderName: 'NGUYEN THI HOA' },
    verification: { state: 'verified', attempts: 1, method: 'name_inquiry', verifiedAt, nextAttemptAt: null },
    virtualAccount,
    ...overrides,
  });
const active = (overrides: Partial<Stall> = {}) => verified({ status: 'active', ...overrides });
const suspendedStall = (overrides: Partial<Stall> = {}) =>
  active({
    status: 'suspended',
    suspension: { reasonCode: 'compliance', reason: 'giấy phép hết hạn', by: 'usr_manager', at: registeredAt },
    ...overrides,
  });

/** The change, after checking that it is one (not a refusal, not "nothing to do"). */
function changed(t: Transition): StallChange {
  if (t === null) throw new Error('expected a change, got nothing to do');
  if (t instanceof DomainError) throw new Error(`expected a change, got ${t.code}`);
  return t;
}

const refusal = (t: Transition) => {
  expect(t).toBeInstanceOf(DomainError);
  const e = t as DomainError;
  return { code: e.code, kind: e.kind, status: e.status };
};

const conflict = (code: string) => ({ code, kind: 'conflict', status: 409 });

/**
 * The stall the change leads to, after checking that every event it raises tells of that stall: the snapshot each
 * event carries is the one of the stall after the change, keyed by the stall, dated now, in the request's flow.
 */
function after(stall: Stall, change: StallChange): Stall {
  const next: Stall = { ...stall, ...change.changes };
  for (const event of change.events) {
    expect(event).toMatchObject({
      aggregateId: stall._id,
      producer: PRODUCER,
      correlationId: 'req-1',
      // Dated back by the stall's offset, even by the approval that clears it.
      occurredAt: new Date(now.getTime() - (next.backdateMs ?? stall.backdateMs ?? 0)).toISOString(),
      data: snapshotOf(next, market),
    });
  }
  return next;
}

const typesOf = (events: Envelope[]) => events.map((e) => e.type);

/**
 * Checks a change against what it should be: the stall it leads to (a partial match), the types of the events it
 * raises (each checked against that stall by `after`) and its audit entry, dated now. Returns both for more checks.
 */
function expectChange(
  stall: Stall,
  t: Transition,
  want: { stall: object; verification?: Verification; events: string[]; audit: Omit<AuditEntry, 'at'> },
): { next: Stall; change: StallChange } {
  const change = changed(t);
  const next = after(stall, change);
  expect(next).toMatchObject(want.stall);
  // The verification exactly, when given: what a transition leaves in it is read by the worker and shown to people.
  if (want.verification) expect(next.verification).toEqual(want.verification);
  expect(typesOf(change.events)).toEqual(want.events);
  expect(change.audit).toEqual({ at: now, ...want.audit });
  return { next, change };
}

describe('register', () => {
  test('a new stall waits for its first name inquiry now, and is announced with who registered it', () => {
    const stall = registered();
    expect(stall).toMatchObject({
      _id: 'stl-1',
      marketId: 'cho-nenh',
      status: 'pending_verification',
      payoutAccount: { ...payoutAccount, holderName: null },
      verification: { state: 'pending', attempts: 0, nextAttemptAt: registeredAt },
      virtualAccount: null,
      version: 1,
      history: [{ at: registeredAt, action: 'registered', by: 'usr_1' }],
    });
    expect(stall).not.toHaveProperty('backdateMs');

    const r = register(registration, manager, ctx);
    if (r instanceof DomainError) throw r;
    expect(typesOf(r.events)).toEqual(['merchant.registered']);
    expect(r.events[0]).toMatchObject({
      aggregateId: 'stl-1',
      producer: PRODUCER,
      correlationId: 'req-1',
      occurredAt: now.toISOString(),
      data: { ...snapshotOf(r.stall, market), registeredBy: { userId: 'usr_manager', role: 'market_manager' } },
    });
  });

  test('a service registering a stall is announced as an admin', () => {
    const r = register(registration, { userId: 'svc_seed', role: 'service' }, ctx);
    if (r instanceof DomainError) throw r;
    expect(r.events[0]!.data).toMatchObject({ registeredBy: { userId: 'svc_seed', role: 'admin' } });
  });

  test('a backdated registration keeps its offset and dates its event back by it', () => {
    const r = register({ ...registration, registeredAt }, manager, ctx);
    if (r instanceof DomainError) throw r;
    expect(r.stall.backdateMs).toBe(3_600_000);
    expect(r.events[0]!.occurredAt).toBe(registeredAt.toISOString());
  });

  test('a zone the market does not have is refused, naming the zones it has', () => {
    const r = register({ ...registration, zone: 'Z' }, vendor, ctx);
    expect(r).toBeInstanceOf(DomainError);
    expect(r).toMatchObject({
      code: 'MERCHANT.UNKNOWN_ZONE',
      kind: 'invalid',
      status: 400,
      details: { field: 'zone', zones: ['A', 'B'] },
    });
  });
});

describe('answerNameInquiry', () => {
  const answer = (holderName: string) => ({ account: payoutAccount, holderName });

  test("the vendor's name (however the bank spells it) verifies a new stall: merchant.verified, virtual account next", () => {
    const stall = registered();
    const { change } = expectChange(stall, answerNameInquiry(stall, answer('NGUYEN THI HOA'), ctx), {
      stall: {
        status: 'verified',
        payoutAccount: { ...payoutAccount, holderName: 'NGUYEN THI HOA' },
        verification: {
          state: 'verified',
          attempts: 1,
          nextAttemptAt: now,
          lastError: null,
          bankHolderName: 'NGUYEN THI HOA',
          method: 'name_inquiry',
          reference: '970436:0011223344',
          verifiedAt: now,
        },
      },
      events: ['merchant.verified'],
      audit: { action: 'verification.verified.name_inquiry', by: 'bank' },
    });
    expect(change.events[0]!.data).toMatchObject({
      verification: { method: 'name_inquiry', holderName: 'NGUYEN THI HOA', reference: '970436:0011223344' },
    });
  });

  test('a new account of a stall already trading is verified as merchant.updated; the stall stays active', () => {
    const stall = active({ verification: { state: 'pending', attempts: 0, nextAttemptAt: now } });
    const { change } = expectChange(stall, answerNameInquiry(stall, answer('Nguyễn Thị Hoa'), ctx), {
      // It has its virtual account: nothing more is scheduled.
      stall: { status: 'active', verification: { state: 'verified', nextAttemptAt: null } },
      events: ['merchant.updated'],
      audit: { action: 'verification.verified.name_inquiry', by: 'bank' },
    });
    expect(change.events[0]!.data).toMatchObject({ changedFields: ['payoutAccount'] });
  });

  test('another name waits for a manager: nothing is announced', () => {
    const stall = registered();
    expectChange(stall, answerNameInquiry(stall, answer('PHAM THI LAN'), ctx), {
      stall: { status: 'pending_verification', payoutAccount: { holderName: null } },
      verification: {
        state: 'name_mismatch',
        attempts: 1,
        nextAttemptAt: null,
        lastError: null,
        bankHolderName: 'PHAM THI LAN',
      },
      events: [],
      audit: { action: 'verification.name_mismatch', by: 'bank', note: 'bank holder: PHAM THI LAN' },
    });
  });

  test('a stale answer changes nothing: the stall is no longer pending, or its account changed meanwhile', () => {
    const hoa = answer('NGUYEN THI HOA');
    expect(answerNameInquiry(verified(), hoa, ctx)).toBeNull();
    const reviewed = registered({ verification: { state: 'name_mismatch', attempts: 1 } });
    expect(answerNameInquiry(reviewed, hoa, ctx)).toBeNull();
    const moved = registered({ payoutAccount: { bin: '970422', accountNumber: '7777888899', holderName: null } });
    expect(answerNameInquiry(moved, hoa, ctx)).toBeNull();
  });
});

describe('bank failures', () => {
  test('an account the bank refuses is rejected for good: nothing scheduled, nothing announced', () => {
    const stall = registered();
    expectChange(stall, rejectAccount(stall, { code: 'BANK.REJECTED', message: 'closed' }, ctx), {
      stall: { status: 'pending_verification' },
      verification: { state: 'rejected', attempts: 1, nextAttemptAt: null, lastError: 'BANK.REJECTED: closed' },
      events: [],
      audit: { action: 'verification.rejected', by: 'bank', note: 'closed' },
    });
  });

  test('a bank that does not answer defers the step, backing off with each attempt', () => {
    const stall = registered({ verification: { state: 'pending', attempts: 2, nextAttemptAt: registeredAt } });
    const failure = { code: 'BANK.UNAVAILABLE', message: '503' };
    expectChange(stall, deferVerification(stall, failure, 30_000, ctx), {
      stall: { status: 'pending_verification' },
      // The third attempt: 30 s, 1 min, then 2 min.
      verification: {
        state: 'pending',
        attempts: 3,
        nextAttemptAt: new Date(now.getTime() + 120_000),
        lastError: 'BANK.UNAVAILABLE: 503',
      },
      events: [],
      audit: { action: 'verification.deferred', by: 'system', note: 'BANK.UNAVAILABLE' },
    });
  });

  test('a virtual account the bank could not register yet is deferred the same way, the stall staying verified', () => {
    const stall = verified({ virtualAccount: null });
    expectChange(stall, deferVerification(stall, { code: 'BANK.TIMEOUT', message: 'slow' }, 50, ctx), {
      stall: { status: 'verified', verification: { state: 'verified', attempts: 2 } },
      events: [],
      audit: { action: 'verification.deferred', by: 'system', note: 'BANK.TIMEOUT' },
    });
  });
});

describe('assignVirtualAccount', () => {
  test('the registered virtual account is announced as merchant.updated; nothing is left scheduled', () => {
    const stall = verified({
      virtualAccount: null,
      verification: { state: 'verified', attempts: 3, nextAttemptAt: now, lastError: 'BANK.TIMEOUT: slow' },
    });
    const { change } = expectChange(stall, assignVirtualAccount(stall, virtualAccount, ctx), {
      stall: { virtualAccount },
      verification: { state: 'verified', attempts: 3, nextAttemptAt: null, lastError: null },
      events: ['merchant.updated'],
      audit: { action: 'virtual_account.registered', by: 'bank', note: virtualAccount.accountNumber },
    });
    expect(change.events[0]!.data).toMatchObject({ changedFields: ['virtualAccount'], virtualAccount });
  });

  test('a stall that has one already keeps it', () => {
    expect(assignVirtualAccount(verified(), { bin: '970418', accountNumber: '1' }, ctx)).toBeNull();
  });
});

describe('review of a name mismatch', () => {
  const mismatch = (overrides: Partial<Stall> = {}) =>
    registered({
      verification: { state: 'name_mismatch', attempts: 1, nextAttemptAt: null, bankHolderName: 'PHAM THI LAN' },
      ...overrides,
    });
  const accepted = { action: 'verification.review.accepted', by: 'usr_manager', note: 'CCCD khớp' };

  test("accepted: the bank's name becomes the holder's, verified manually with the manager as reference", () => {
    const stall = mismatch();
    const { change } = expectChange(stall, acceptNameMismatch(stall, 'CCCD khớp', manager, ctx), {
      stall: {
        status: 'verified',
        payoutAccount: { holderName: 'PHAM THI LAN' },
        verification: {
          state: 'verified',
          attempts: 1,
          method: 'manual',
          reference: 'usr_manager',
          verifiedAt: now,
          nextAttemptAt: now,
        },
      },
      events: ['merchant.verified'],
      audit: accepted,
    });
    expect(change.events[0]!.data).toMatchObject({
      verification: { method: 'manual', holderName: 'PHAM THI LAN', reference: 'usr_manager' },
    });
  });

  test('accepted for a stall already trading: merchant.updated, it stays active, nothing scheduled', () => {
    const stall = mismatch({ status: 'active', virtualAccount });
    const { change } = expectChange(stall, acceptNameMismatch(stall, 'CCCD khớp', manager, ctx), {
      stall: { status: 'active', verification: { state: 'verified', nextAttemptAt: null } },
      events: ['merchant.updated'],
      audit: accepted,
    });
    expect(change.events[0]!.data).toMatchObject({ changedFields: ['payoutAccount'] });
  });

  test('rejected: the vendor must give another account; nothing announced', () => {
    const stall = mismatch();
    expectChange(stall, rejectNameMismatch(stall, 'tên khác hẳn', manager, ctx), {
      stall: {
        status: 'pending_verification',
        verification: { state: 'rejected', lastError: 'rejected by manager: tên khác hẳn' },
      },
      events: [],
      audit: { action: 'verification.review.rejected', by: 'usr_manager', note: 'tên khác hẳn' },
    });
  });

  test('only a name mismatch can be reviewed', () => {
    for (const stall of [registered(), verified(), registered({ verification: { state: 'rejected', attempts: 1 } })]) {
      expect(refusal(acceptNameMismatch(stall, 'ok', manager, ctx))).toEqual(conflict('MERCHANT.NOTHING_TO_REVIEW'));
      expect(refusal(rejectNameMismatch(stall, 'no', manager, ctx))).toEqual(conflict('MERCHANT.NOTHING_TO_REVIEW'));
    }
  });
});

describe('approve and reactivate', () => {
  test.each([
    { what: 'a verified stall with its virtual account is approved', stall: verified(), activate: approve },
    { what: 'a suspended stall is reactivated', stall: suspendedStall(), activate: reactivate },
  ])('$what: active, no suspension, merchant.activated saying whether it is a reactivation', (c) => {
    const reactivation = c.activate === reactivate;
    const { change } = expectChange(c.stall, c.activate(c.stall, manager, ctx), {
      stall: { status: 'active', suspension: null },
      events: ['merchant.activated'],
      audit: { action: reactivation ? 'reactivated' : 'activated', by: 'usr_manager' },
    });
    // Only the approval of a backdated onboarding ends the backdating (below).
    expect(change.changes).not.toHaveProperty('backdateMs');
    expect(change.events[0]!.data).toMatchObject({ activatedBy: 'usr_manager', reactivation });
  });

  test('the approval of a backdated onboarding is still dated back, and ends the backdating', () => {
    const stall = verified({ backdateMs: 86_400_000 });
    const change = changed(approve(stall, manager, ctx));
    expect(change.changes.backdateMs).toBeNull();
    expect(change.events[0]!.occurredAt).toBe(new Date(now.getTime() - 86_400_000).toISOString());
    expect(change.events[0]!.data).toMatchObject(snapshotOf({ ...stall, ...change.changes }, market));
  });

  test('approval is refused until verified with a virtual account, and for a stall active or suspended', () => {
    expect(refusal(approve(registered(), manager, ctx))).toEqual(conflict('MERCHANT.NOT_VERIFIED'));
    expect(refusal(approve(verified({ virtualAccount: null }), manager, ctx))).toEqual(
      conflict('MERCHANT.NO_VIRTUAL_ACCOUNT'),
    );
    expect(refusal(approve(active(), manager, ctx))).toEqual(conflict('MERCHANT.ALREADY_ACTIVE'));
    expect(refusal(approve(suspendedStall(), manager, ctx))).toEqual(conflict('MERCHANT.SUSPENDED'));
    expect((approve(registered(), manager, ctx) as DomainError).message).toBe(
      'stall A-12 cannot be approved: MERCHANT.NOT_VERIFIED',
    );
  });

  test('only a suspended stall is reactivated, and only with a verified account and its virtual account', () => {
    expect(refusal(reactivate(active(), manager, ctx))).toEqual(conflict('MERCHANT.NOT_SUSPENDED'));
    expect(refusal(reactivate(verified(), manager, ctx))).toEqual(conflict('MERCHANT.NOT_SUSPENDED'));
    expect(refusal(reactivate(suspendedStall({ virtualAccount: null }), manager, ctx))).toEqual(
      conflict('MERCHANT.NOT_VERIFIED'),
    );
    const changing = suspendedStall({ verification: { state: 'pending', attempts: 0, nextAttemptAt: now } });
    expect(refusal(reactivate(changing, manager, ctx))).toEqual(conflict('MERCHANT.NOT_VERIFIED'));
  });
});

describe('suspend', () => {
  const reason = { reasonCode: 'suspected_fake_qr', reason: 'Mã QR lạ' };

  test('suspended with a reason: merchant.suspended carries it', () => {
    const stall = active();
    const { change } = expectChange(stall, suspend(stall, reason, manager, ctx), {
      stall: { status: 'suspended', suspension: { ...reason, by: 'usr_manager', at: now } },
      events: ['merchant.suspended'],
      audit: { action: 'suspended', by: 'usr_manager', note: 'suspected_fake_qr: Mã QR lạ' },
    });
    expect(change.events[0]!.data).toMatchObject({ ...reason, suspendedBy: 'usr_manager' });
  });

  test('a stall not yet approved can be suspended too; a suspended one cannot be suspended again', () => {
    expect(changed(suspend(registered(), reason, manager, ctx)).changes.status).toBe('suspended');
    expect(refusal(suspend(suspendedStall(), reason, manager, ctx))).toEqual(conflict('MERCHANT.ALREADY_SUSPENDED'));
  });
});

describe('changePayoutAccount', () => {
  test('a new account goes back to its first verification attempt, now; nothing announced until it is verified', () => {
    const stall = active();
    const account = { bin: '970422', accountNumber: '7777888899' };
    expectChange(stall, changePayoutAccount(stall, account, vendor, ctx), {
      stall: {
        status: 'active',
        virtualAccount,
        payoutAccount: { ...account, holderName: null },
        verification: { state: 'pending', attempts: 0, nextAttemptAt: now, lastError: null },
      },
      events: [],
      audit: { action: 'payout_account.changed', by: 'usr_1', note: '970422:7777888899' },
    });
  });

  test('the same bank with another number is a new account; the same account changes nothing', () => {
    expect(changed(changePayoutAccount(active(), { ...payoutAccount, accountNumber: '1' }, vendor, ctx))).toBeTruthy();
    expect(changed(changePayoutAccount(active(), { ...payoutAccount, bin: '970422' }, vendor, ctx))).toBeTruthy();
    expect(changePayoutAccount(active(), payoutAccount, vendor, ctx)).toBeNull();
  });
});
