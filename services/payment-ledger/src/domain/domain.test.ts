import { payerFacts } from './payer';
import { canonicalJson } from './canonical';
import {
  bestQr,
  decide,
  forReview,
  implausibility,
  orderCodeCandidates,
  type MatchFacts,
  type QrRef,
} from './matching';
import { businessDayOf, parseBankTime } from './time';
import type { Notification } from './notification';
import { buildPosting, entryHash, entryProblem, GENESIS, postingHash } from '../ledger/chain';
import type { JournalEntry } from '../store/models';
import type { PaymentMeta } from '../ledger/entry-meta';

const n = (over: Partial<Notification> = {}): Notification => ({
  provider: 'bank-sim',
  providerTxId: 'FT1',
  direction: 'in',
  amount: 50_000,
  description: 'A-12 mua rau',
  accountNumber: '2150001234',
  virtualAccount: '961234000012',
  bankBin: '970418',
  counterparty: null,
  bankTime: new Date('2025-03-01T03:00:00Z'),
  reference: null,
  code: null,
  ...over,
});
const stall = { merchantId: 'stl-12', marketId: 'cho-nenh', stallCode: 'A-12', status: 'active' };
const qr = (over: Partial<QrRef> = {}): QrRef => ({
  qrId: 'qr1',
  merchantId: 'stl-12',
  marketId: 'cho-nenh',
  stallCode: 'A-12',
  orderCode: 'MQ7K3M9QX2',
  amount: 50_000,
  expiresAt: new Date('2025-03-01T04:00:00Z'),
  status: 'issued',
  ...over,
});
const facts = (over: Partial<MatchFacts> = {}): MatchFacts => ({
  n: n(),
  stallByAccount: stall,
  unknownVirtualAccount: null,
  qr: null,
  qrPaidByOther: false,
  unknownOrderCodes: [],
  marketOfAccount: 'cho-nenh',
  holdExpired: false,
  ...over,
});

describe('matching', () => {
  it.each([
    [50_000, 'paid'],
    [40_000, 'underpaid'],
    [60_000, 'overpaid'],
  ])('a dynamic QR paid %p is %s', (amount, outcome) => {
    expect(decide(facts({ n: n({ amount }), qr: qr() }))).toMatchObject({
      action: 'post',
      outcome,
      matchedBy: 'order_code',
    });
  });
  it('after expiry it is late, whatever the amount; a second payment is overpaid', () => {
    expect(decide(facts({ n: n({ bankTime: new Date('2025-03-01T05:00:00Z') }), qr: qr() }))).toMatchObject({
      outcome: 'late',
    });
    expect(decide(facts({ qr: qr(), qrPaidByOther: true }))).toMatchObject({
      outcome: 'overpaid',
      notes: ['qr_already_paid'],
    });
  });
  it('another stall’s order code on this stall’s account: the account wins, flagged, the QR not paid', () => {
    const other = qr({ qrId: 'qr-a02', merchantId: 'stl-02', stallCode: 'A-02' });
    const d = decide(facts({ n: n({ description: 'thanh toan MQ7K3M9QX2' }), qr: other }));
    expect(d).toMatchObject({
      action: 'post',
      outcome: 'order_code_of_other_stall',
      credit: { to: 'stall', merchantId: 'stl-12', stallCode: 'A-12' },
      matchedBy: 'virtual_account',
      qr: null,
      conflictingQr: { qrId: 'qr-a02', merchantId: 'stl-02' },
      notes: ['order_code_of_other_stall'],
    });
    // The code of the stall's own QR on its own account is the ordinary dynamic payment.
    expect(decide(facts({ qr: qr() }))).toMatchObject({ outcome: 'paid', matchedBy: 'order_code' });
    // Money to the market's collection account (no virtual account): the code is all there is, and it decides.
    expect(decide(facts({ stallByAccount: null, qr: other }))).toMatchObject({
      outcome: 'paid',
      credit: { merchantId: 'stl-02' },
    });
  });
  it('an implausible notification (amount over the limit, time far off) goes to review: suspense, no QR, no stall', () => {
    const limits = { maxAmount: 499_999_999, maxClockSkewMs: 86_400_000 };
    const at = new Date('2025-03-01T03:00:00Z');
    expect(implausibility(n({ amount: 499_999_999 }), at, limits)).toBeNull();
    expect(implausibility(n({ amount: 500_000_000 }), at, limits)).toBe('amount_implausible');
    expect(implausibility(n({ bankTime: new Date('2025-03-02T03:00:01Z') }), at, limits)).toBe('bank_time_implausible');
    expect(implausibility(n({ bankTime: new Date('2019-01-01T00:00:00Z') }), at, limits)).toBe('bank_time_implausible');
    // A provider allowed backdated bank times (the demo's replay): weeks back is believed, the future is not widened.
    const backdated = { ...limits, maxPastMs: 62 * 86_400_000 };
    expect(implausibility(n({ bankTime: new Date('2025-01-01T03:00:00Z') }), at, backdated)).toBeNull();
    expect(implausibility(n({ bankTime: new Date('2024-12-01T03:00:00Z') }), at, backdated)).toBe(
      'bank_time_implausible',
    );
    expect(implausibility(n({ bankTime: new Date('2025-03-02T03:00:01Z') }), at, backdated)).toBe(
      'bank_time_implausible',
    );
    const paid = decide(facts({ qr: qr() }));
    if (paid.action !== 'post') throw new Error('expected a post');
    expect(forReview(paid, 'amount_implausible')).toEqual({
      action: 'post',
      outcome: 'held_for_review',
      credit: { to: 'suspense', marketId: 'cho-nenh' },
      matchedBy: null,
      qr: null,
      notes: ['amount_implausible'],
    });
    expect(forReview({ ...paid, credit: { to: 'unidentified' } }, 'x').credit).toEqual({ to: 'unidentified' });
  });
  it('static: the virtual account decides, the stall code only cross-checks', () => {
    expect(decide(facts())).toMatchObject({ outcome: 'paid', matchedBy: 'virtual_account', notes: [] });
    expect(decide(facts({ n: n({ description: 'a 12 rau' }) }))).toMatchObject({ outcome: 'paid', notes: [] });
    expect(decide(facts({ n: n({ description: 'B-07' }) }))).toMatchObject({
      outcome: 'paid',
      notes: ['stall_code_mismatch'],
    });
  });
  it('holds for an unknown order code or virtual account until the hold is over', () => {
    expect(decide(facts({ unknownOrderCodes: ['MQ22222222'] }))).toMatchObject({ action: 'hold' });
    expect(decide(facts({ stallByAccount: null, unknownVirtualAccount: '96' }))).toMatchObject({ action: 'hold' });
    expect(decide(facts({ stallByAccount: null, unknownVirtualAccount: '96', holdExpired: true }))).toMatchObject({
      outcome: 'unmatched',
      credit: { to: 'suspense', marketId: 'cho-nenh' },
    });
    expect(decide(facts({ stallByAccount: null, marketOfAccount: null, holdExpired: true }))).toMatchObject({
      outcome: 'unknown_account',
      credit: { to: 'unidentified' },
    });
  });
  it('finds order codes glued into bank text, any case', () => {
    const { patterned, tokens } = orderCodeCandidates('MBVCB.3278907687.mq7k3m9qx2.CT tu 0011', /MQ[2-9A-Z]{8}/);
    expect(patterned).toEqual(['MQ7K3M9QX2']);
    expect(tokens).toContain('MQ7K3M9QX2');
    expect(bestQr([qr({ qrId: 'old', status: 'expired' }), qr({ qrId: 'new' })], n())?.qrId).toBe('new');
  });
});

describe('time', () => {
  it('business day in Asia/Ho_Chi_Minh', () => {
    expect(businessDayOf(new Date('2025-03-01T16:59:59Z'))).toBe('2025-03-01');
    expect(businessDayOf(new Date('2025-03-01T17:00:00Z'))).toBe('2025-03-02');
    expect(parseBankTime('2025-03-02 00:00:00')?.toISOString()).toBe('2025-03-01T17:00:00.000Z');
    expect(parseBankTime('yesterday')).toBeUndefined();
  });
});

describe('entries and chains', () => {
  const entry: JournalEntry = {
    _id: 'payment:pay_1',
    kind: 'payment',
    reference: { type: 'payment', id: 'pay_1' },
    paymentId: 'pay_1',
    marketId: 'cho-nenh',
    merchantId: 'stl-12',
    businessDay: '2025-03-01',
    postedAt: new Date('2025-03-01T03:00:01Z'),
    description: 'A-12',
    postings: [
      { account: 'market:cho-nenh:bank', amount: 50_000 },
      { account: 'stall:stl-12:payable', amount: -50_000 },
    ],
    // Only what these checks read: the hash covers whatever the meta holds.
    meta: { outcome: 'paid', paidAt: '2025-03-01T03:00:00.000Z' } as PaymentMeta,
    hash: '',
  };
  entry.hash = entryHash(entry);

  it('canonical JSON ignores key order and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: new Date(0) }] })).toBe(
      '{"a":[1,{"c":"1970-01-01T00:00:00.000Z"}],"b":1}',
    );
  });
  it('an entry must balance', () => {
    expect(entryProblem(entry.postings)).toBeUndefined();
    expect(entryProblem([{ account: 'a', amount: 1 }])).toMatch(/two postings/);
    expect(
      entryProblem([
        { account: 'a', amount: 1 },
        { account: 'b', amount: -2 },
      ]),
    ).toMatch(/sum/);
    expect(
      entryProblem([
        { account: 'a', amount: 1.5 },
        { account: 'b', amount: -1.5 },
      ]),
    ).toMatch(/integer/);
  });
  it('a posting chains on its head, and its hash covers its entry', () => {
    const p1 = buildPosting(entry, 'stall:stl-12:payable', GENESIS, new Date('2025-03-01T03:00:02Z'));
    expect(p1).toMatchObject({
      _id: 'stall:stl-12:payable#1',
      seq: 1,
      balanceAfter: -50_000,
      memo: { amount: 50_000 },
    });
    const p2 = buildPosting(
      { ...entry, _id: 'payment:pay_2' },
      'stall:stl-12:payable',
      { seq: 1, hash: p1.hash, balance: -50_000 },
      new Date(),
    );
    expect(p2).toMatchObject({ seq: 2, balanceAfter: -100_000, prevHash: p1.hash });
    const edited = { ...entry, description: 'A-13' };
    expect(postingHash(p1, entryHash(edited))).not.toBe(p1.hash);
    expect(postingHash(p1, entryHash(entry))).toBe(p1.hash);
  });
});

describe('payer facts on payment events', () => {
  const key = 'unit-test-payer-key-0123456789abcdef';
  it('hashes bin:account, the same account written two ways alike, and keeps the bank', () => {
    const a = payerFacts(key, { bin: '970436', accountNumber: '0123 456 789', name: 'A' });
    const b = payerFacts(key, { bin: '970436', accountNumber: '0123-456-789', name: 'B' });
    expect(a.payerBankBin).toBe('970436');
    expect(a.payerAccountHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.payerAccountHash).toBe(a.payerAccountHash);
  });
  it('differs by bank and by key; says nothing without an account', () => {
    const base = payerFacts(key, { bin: '970436', accountNumber: '0123456789', name: null });
    expect(payerFacts(key, { bin: '970418', accountNumber: '0123456789', name: null }).payerAccountHash).not.toBe(
      base.payerAccountHash,
    );
    expect(payerFacts(`${key}x`, { bin: '970436', accountNumber: '0123456789', name: null }).payerAccountHash).not.toBe(
      base.payerAccountHash,
    );
    expect(payerFacts(key, { bin: null, accountNumber: null, name: 'TRAN VAN BINH' })).toEqual({});
    expect(payerFacts(key, null)).toEqual({});
    // A malformed bin is not passed on, but the account still identifies the payer.
    expect(payerFacts(key, { bin: 'VCB', accountNumber: '0123456789', name: null })).toEqual({
      payerAccountHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});
