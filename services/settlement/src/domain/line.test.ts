import { addDays, businessDayOf, cutoffInstant, dueDay, isBusinessDay } from './business-day';
import { NO_FEE, type FeeSchedule } from './fees';
import { computeLine, holdReason, retryDelayMs } from './line';

const D = '2025-03-10';
const pay = (amount: number, businessDay = D) => ({ amount, count: 1, businessDay });
const rev = (amount: number, businessDay = D) => ({ amount: -amount, count: -1, businessDay });
const fee150: FeeSchedule = { rateBps: 150, minimumFee: 1_000, maximumFee: 20_000, exemptUpTo: null, version: 1 };

describe('computeLine', () => {
  test('a plain day: gross, count, fee, net', () => {
    const l = computeLine({
      businessDay: D,
      contributions: [pay(100_000), pay(50_000)],
      carried: [],
      schedule: fee150,
      chargesPerDay: 0,
    });
    expect(l.day).toEqual({ gross: 150_000, count: 2 });
    expect(l.fee).toEqual({ amount: 2_250, base: 150_000 });
    expect(l.settle).toEqual({ gross: 150_000, fee: 2_250, charges: 0, net: 147_750 });
  });

  test('earlier days arriving late are adjustments; a reversal of a paid day lowers the takings the fee is on', () => {
    const l = computeLine({
      businessDay: D,
      contributions: [pay(300_000), pay(20_000, '2025-03-09'), rev(40_000, '2025-03-09')],
      carried: [],
      schedule: fee150,
      chargesPerDay: 0,
    });
    expect(l.day).toEqual({ gross: 300_000, count: 1 });
    expect(l.adjustments).toEqual({ amount: -20_000, count: 0 });
    expect(l.fee).toEqual({ amount: 4_200, base: 280_000 });
    expect(l.settle.net).toBe(275_800);
  });

  test('charges larger than the takings: net ≤ 0, and the whole line carries into the next', () => {
    const first = computeLine({
      businessDay: D,
      contributions: [pay(60_000)],
      carried: [],
      schedule: NO_FEE,
      chargesPerDay: 100_000,
    });
    expect(first.settle).toEqual({ gross: 60_000, fee: 0, charges: 100_000, net: -40_000 });
    const next = computeLine({
      businessDay: addDays(D, 1),
      contributions: [pay(300_000, addDays(D, 1))],
      carried: [first.settle],
      schedule: NO_FEE,
      chargesPerDay: 100_000,
    });
    expect(next.carriedIn).toEqual({ gross: 60_000, fee: 0, charges: 100_000 });
    expect(next.settle).toEqual({ gross: 360_000, fee: 0, charges: 200_000, net: 160_000 });
    expect(next.settle.gross).toBe(next.settle.net + next.settle.fee + next.settle.charges);
  });

  test('no charge for a day the stall did not trade (a line only rolling leftovers)', () => {
    const l = computeLine({
      businessDay: D,
      contributions: [pay(5_000, '2025-03-01')],
      carried: [],
      schedule: NO_FEE,
      chargesPerDay: 50_000,
    });
    expect(l.charges).toBe(0);
    expect(l.settle.net).toBe(5_000);
  });

  test('a negative day pays no fee', () => {
    const l = computeLine({
      businessDay: D,
      contributions: [rev(40_000), pay(30_000)],
      carried: [],
      schedule: fee150,
      chargesPerDay: 0,
    });
    expect(l.fee.amount).toBe(0);
    expect(l.settle.net).toBe(-10_000);
  });
});

describe('holdReason', () => {
  const stall = {
    status: 'active',
    payoutAccount: { bin: '970415', accountNumber: '107001234567', holderName: 'NGUYEN THI HOA' },
  };
  test('pays active stalls with a verified account, holds the others', () => {
    expect(holdReason(stall)).toBeNull();
    expect(holdReason({ ...stall, status: 'suspended' })).toBe('stall_suspended');
    expect(holdReason({ ...stall, payoutAccount: { ...stall.payoutAccount, holderName: null } })).toBe(
      'no_verified_account',
    );
    expect(holdReason(null)).toBe('unknown_stall');
  });
});

describe('business days (Asia/Ho_Chi_Minh)', () => {
  test('the day of an instant is Vietnam’s, whatever the host’s zone', () => {
    expect(businessDayOf(new Date('2025-03-01T16:59:59Z'))).toBe('2025-03-01');
    expect(businessDayOf(new Date('2025-03-01T17:00:00Z'))).toBe('2025-03-02');
  });
  test('the due day flips at the cut-off time', () => {
    expect(cutoffInstant('2025-03-01', '22:00').toISOString()).toBe('2025-03-01T15:00:00.000Z');
    expect(dueDay(new Date('2025-03-01T14:59:59Z'), '22:00')).toBe('2025-02-28');
    expect(dueDay(new Date('2025-03-01T15:00:00Z'), '22:00')).toBe('2025-03-01');
    expect(dueDay(new Date('2025-03-01T17:30:00Z'), '22:00')).toBe('2025-03-01');
  });
  test('calendar checks and arithmetic', () => {
    expect(isBusinessDay('2025-02-29')).toBe(false);
    expect(isBusinessDay('2024-02-29')).toBe(true);
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
  });
});

test('retry backoff doubles with jitter and a cap', () => {
  expect(retryDelayMs(1, 100, 10_000, () => 0.5)).toBe(100);
  expect(retryDelayMs(3, 100, 10_000, () => 0.5)).toBe(400);
  expect(retryDelayMs(30, 100, 10_000, () => 0.5)).toBe(10_000);
  expect(retryDelayMs(1, 100, 10_000, () => 0)).toBe(80);
});
