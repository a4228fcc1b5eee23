import { AppError } from '@marketqr/service-kit';
import {
  foldName,
  namesMatch,
  normalisePhone,
  normaliseStallCode,
  requireAccountNumber,
  requireKnownBin,
  requirePersonName,
} from './validation';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as AppError).code;
  }
  return 'no error';
};

test('phones: national, +84 and 84 forms normalise to 0xxxxxxxxx; others are rejected', () => {
  expect(normalisePhone('0912 345 678')).toBe('0912345678');
  expect(normalisePhone('+84 912.345.678')).toBe('0912345678');
  expect(normalisePhone('84387654321')).toBe('0387654321');
  for (const bad of ['0212345678', '091234567', '09123456789', 'abc', '+1 912 345 678']) {
    expect(codeOf(() => normalisePhone(bad))).toBe('MERCHANT.INVALID_PHONE');
  }
});

test('BINs must be known banks, including the non-9704 ones', () => {
  expect(requireKnownBin('970436')).toBe('970436');
  expect(requireKnownBin('971025')).toBe('971025'); // MoMo
  expect(requireKnownBin('546034')).toBe('546034'); // CAKE
  expect(codeOf(() => requireKnownBin('970499'))).toBe('MERCHANT.UNKNOWN_BIN');
  expect(codeOf(() => requireKnownBin('97043'))).toBe('MERCHANT.UNKNOWN_BIN');
});

test('account numbers are 6-19 digits', () => {
  expect(requireAccountNumber('0123 4567 89')).toBe('0123456789');
  expect(codeOf(() => requireAccountNumber('12345'))).toBe('MERCHANT.INVALID_ACCOUNT_NUMBER');
  expect(codeOf(() => requireAccountNumber('12345678901234567890'))).toBe('MERCHANT.INVALID_ACCOUNT_NUMBER');
  expect(codeOf(() => requireAccountNumber('12AB5678'))).toBe('MERCHANT.INVALID_ACCOUNT_NUMBER');
});

test('stall codes and names', () => {
  expect(normaliseStallCode(' a-12 ')).toBe('A-12');
  expect(codeOf(() => normaliseStallCode('A 12'))).toBe('MERCHANT.INVALID_STALL_CODE');
  expect(requirePersonName('  Nguyễn   Thị Hoa ')).toBe('Nguyễn Thị Hoa');
  expect(codeOf(() => requirePersonName('X'))).toBe('MERCHANT.INVALID_NAME');
  expect(codeOf(() => requirePersonName('Robert; DROP'))).toBe('MERCHANT.INVALID_NAME');
});

test('holder names match after folding diacritics and case', () => {
  expect(foldName('Đặng Văn Đức')).toBe('DANG VAN DUC');
  expect(namesMatch('Nguyễn Thị Hoa', 'NGUYEN THI HOA')).toBe(true);
  expect(namesMatch('Lê  thị hoa', 'LE THI HOA')).toBe(true);
  expect(namesMatch('Nguyễn Thị Hoa', 'NGUYEN THI HOAN')).toBe(false);
});
