import { safeText } from './dom';

test('text shown on the pages loses bidi overrides and control characters, keeps Vietnamese', () => {
  expect(safeText('A-01 nhận \u202E000.005')).toBe('A-01 nhận 000.005');
  expect(safeText('x\u0000y\u001b[31m')).toBe('x\uFFFDy\uFFFD[31m');
  expect(safeText('<b>Đặng</b>\nThị')).toBe('<b>Đặng</b> Thị');
  expect(safeText('\u2066Chợ Nếnh\u2069')).toBe('Chợ Nếnh');
});
