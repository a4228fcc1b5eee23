import { feeFor, NO_FEE, scheduleProblems, type FeeSchedule } from './fees';

const schedule = (s: Partial<FeeSchedule>): FeeSchedule => ({ ...NO_FEE, version: 1, ...s });

describe('feeFor', () => {
  test('no schedule: small vendors pay nothing', () => {
    expect(feeFor(1_245_000, NO_FEE)).toBe(0);
  });

  test('percentage on the day’s total, rounded half up to the đồng', () => {
    const s = schedule({ rateBps: 150 });
    expect(feeFor(100_000, s)).toBe(1_500);
    // 333 333 × 1.5 % = 4 999.995 → 5 000 (half up), not 4 999
    expect(feeFor(333_333, s)).toBe(5_000);
    // 333 330 × 1.5 % = 4 999.95 → 5 000; 333 296 × 1.5 % = 4 999.44 → 4 999
    expect(feeFor(333_330, s)).toBe(5_000);
    expect(feeFor(333_296, s)).toBe(4_999);
    // exactly .5 rounds up
    expect(feeFor(100, schedule({ rateBps: 50 }))).toBe(1); // 0.5
    expect(feeFor(99, schedule({ rateBps: 50 }))).toBe(0); // 0.495
  });

  test('on the total, not per payment: 10 payments of 333 đồng at 1.5 %', () => {
    const s = schedule({ rateBps: 150 });
    const perPayment = Array.from({ length: 10 }, () => feeFor(333, s)).reduce((a, b) => a + b, 0);
    expect(perPayment).toBe(50); // 5 đồng each after rounding
    expect(feeFor(3_330, s)).toBe(50); // 49.95 → 50 on the total
    expect(feeFor(3_300, s)).toBe(50); // 49.5 → 50
    expect(feeFor(3_299, s)).toBe(49); // 49.485 → 49
  });

  test('minimum and cap', () => {
    const s = schedule({ rateBps: 150, minimumFee: 1_000, maximumFee: 20_000 });
    expect(feeFor(50_000, s)).toBe(1_000); // 750 → minimum
    expect(feeFor(2_000_000, s)).toBe(20_000); // 30 000 → cap
    expect(feeFor(1_000_000, s)).toBe(15_000);
    expect(feeFor(66_667, s)).toBe(1_000); // 1 000.005 → 1 000
  });

  test('never more than the takings, never on nothing or a negative day', () => {
    const s = schedule({ rateBps: 100, minimumFee: 2_000 });
    expect(feeFor(500, s)).toBe(500);
    expect(feeFor(0, s)).toBe(0);
    expect(feeFor(-40_000, s)).toBe(0);
  });

  test('small-vendor exemption up to a daily amount', () => {
    const s = schedule({ rateBps: 100, minimumFee: 500, exemptUpTo: 200_000 });
    expect(feeFor(200_000, s)).toBe(0);
    expect(feeFor(200_001, s)).toBe(2_000);
  });

  test('no float error on large amounts (BigInt arithmetic)', () => {
    // 9 000 000 000 000 × 10 000 passes 2^53.
    expect(feeFor(9_000_000_000_001, schedule({ rateBps: 9_999 }))).toBe(8_999_100_000_001);
    expect(feeFor(123_456_789_012, schedule({ rateBps: 1 }))).toBe(12_345_679);
  });

  test('refuses a non-integer base', () => {
    expect(() => feeFor(10.5, schedule({ rateBps: 100 }))).toThrow(RangeError);
  });
});

describe('scheduleProblems', () => {
  test('accepts a sane schedule and names what is wrong otherwise', () => {
    expect(scheduleProblems({ rateBps: 150, minimumFee: 1_000, maximumFee: 20_000, exemptUpTo: null })).toEqual([]);
    expect(scheduleProblems({ rateBps: 10_001, minimumFee: 0, maximumFee: null, exemptUpTo: null })).toEqual([
      'rateBps must be an integer 0..10000',
    ]);
    expect(scheduleProblems({ rateBps: 10, minimumFee: 5_000, maximumFee: 1_000, exemptUpTo: null })).toEqual([
      'maximumFee must not be below minimumFee',
    ]);
    expect(scheduleProblems({ rateBps: 1.5, minimumFee: -1, maximumFee: null, exemptUpTo: 0.5 })).toHaveLength(3);
  });
});
