import { holderNameFor, toAsciiUpper } from './names';

test('the NAPAS form drops diacritics, including đ', () => {
  expect(toAsciiUpper('Đặng Thị Thu Hương')).toBe('DANG THI THU HUONG');
  expect(toAsciiUpper('  Nguyễn   Văn Đức ')).toBe('NGUYEN VAN DUC');
});

test('one account, one holder; the BIN is part of the identity', () => {
  expect(holderNameFor('970436', '0011004455667')).toBe(holderNameFor('970436', '0011004455667'));
  const acrossBanks = new Set(
    ['970436', '970415', '970418', '970422', '970407'].map((b) => holderNameFor(b, '123456789')),
  );
  expect(acrossBanks.size).toBeGreaterThan(1);
});

test('Nguyễn is the most common family name, as in the population', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 2_000; i++) {
    const family = holderNameFor('970436', String(100_000_000 + i)).split(' ')[0]!;
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  const nguyen = counts.get('Nguyễn') ?? 0;
  expect(nguyen / 2_000).toBeGreaterThan(0.3);
  expect(nguyen / 2_000).toBeLessThan(0.46);
});
