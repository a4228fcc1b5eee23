import {
  addBusinessDays,
  businessDateTimeOf,
  businessDayOf,
  businessHourOf,
  businessInstant,
  isBusinessDay,
} from './business-day';

describe('business day (Asia/Ho_Chi_Minh, UTC+7 all year)', () => {
  it('turns at 17:00 UTC, which is midnight in Vietnam', () => {
    expect(businessDayOf(new Date('2025-03-01T16:59:59.999Z'))).toBe('2025-03-01');
    expect(businessDayOf(new Date('2025-03-01T17:00:00.000Z'))).toBe('2025-03-02');
    expect(businessDayOf('2025-03-02T00:00:00+07:00')).toBe('2025-03-02');
    expect(businessDayOf('2025-03-01T23:59:59+07:00')).toBe('2025-03-01');
  });

  it('agrees with the time-zone database at every hour of a year, across the year end and a leap day', () => {
    const tz = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Ho_Chi_Minh',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    for (let t = Date.parse('2023-12-31T00:00:00Z'); t < Date.parse('2025-01-02T00:00:00Z'); t += 3_600_000) {
      const p = Object.fromEntries(tz.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
      expect([businessDayOf(new Date(t)), businessHourOf(new Date(t))]).toEqual([
        `${p.year}-${p.month}-${p.day}`,
        Number(p.hour),
      ]);
    }
  });

  it('writes an instant as the wall clock in Vietnam, seconds included, for people and spreadsheets', () => {
    expect(businessDateTimeOf('2026-12-07T01:55:00.000Z')).toBe('2026-12-07 08:55:00');
    expect(businessDateTimeOf(new Date('2026-12-06T17:00:59.999Z'))).toBe('2026-12-07 00:00:59');
    expect(() => businessDateTimeOf('not a time')).toThrow();
  });

  it('a cut-off is a wall-clock instant of its day; days add across months', () => {
    expect(businessInstant('2025-03-01', '18:00').toISOString()).toBe('2025-03-01T11:00:00.000Z');
    expect(businessDayOf(businessInstant('2025-03-01', '23:59'))).toBe('2025-03-01');
    expect(addBusinessDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addBusinessDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(isBusinessDay('2025-02-30')).toBe(false);
    expect(isBusinessDay('2025-02-28')).toBe(true);
  });

  it('refuses what is not an instant', () => {
    expect(() => businessDayOf('yesterday')).toThrow(/not an instant/);
  });
});
