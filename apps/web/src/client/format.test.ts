import {
  businessDay,
  formatCountdown,
  formatDate,
  formatDateTime,
  formatDayShort,
  formatPercent,
  formatTime,
  formatVnd,
} from './format';

test('đồng: dots between thousands, a no-break space, ₫', () => {
  expect(formatVnd(50_000)).toBe('50.000\u00a0₫');
  expect(formatVnd(1_500_000)).toBe('1.500.000\u00a0₫');
  expect(formatVnd(0)).toBe('0\u00a0₫');
  expect(formatVnd(999)).toBe('999\u00a0₫');
  expect(formatVnd(-20_000)).toBe('-20.000\u00a0₫');
});

test('dates and times are Vietnam time, whatever the machine runs in', () => {
  // 23:30 UTC is 06:30 the next day in Hà Nội (UTC+7, no daylight saving).
  expect(formatTime('2026-03-01T23:30:00Z')).toBe('06:30');
  expect(formatDate('2026-03-01T23:30:00Z')).toBe('02/03/2026');
  expect(formatDateTime('2026-03-01T23:30:00Z')).toBe('02/03/2026 06:30');
  expect(businessDay(new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-02');
  expect(businessDay(new Date('2026-03-01T16:59:59Z'))).toBe('2026-03-01');
  expect(formatDate('2026-03-05')).toBe('05/03/2026');
  expect(formatDayShort('2026-03-05')).toBe('05/03');
});

test('percent and countdown', () => {
  expect(formatPercent(0.425, 'vi')).toBe('42,5\u00a0%');
  expect(formatPercent(0.425, 'en')).toBe('42.5%');
  expect(formatCountdown(299)).toBe('4:59');
  expect(formatCountdown(-3)).toBe('0:00');
});
