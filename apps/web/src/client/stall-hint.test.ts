import { suggestStall } from './stall-hint';

const CODES = ['A-01', 'A-03', 'B-01', 'B-10', 'C-07'];

test.each([
  ['chuyen tien hang B01', 'B-01'],
  ['tra tien sap b-01 rau', 'B-01'],
  ['Trả tiền sạp B 01', 'B-01'],
  ['MBVCB.123456.c07 ca thu', 'C-07'],
  ['B10', 'B-10'],
])('"%s" → %s', (memo, code) => {
  expect(suggestStall(memo, CODES)).toBe(code);
});

test.each([
  ['chuyen tien rau'],
  // Two stalls named: the manager decides.
  ['A01 hoac A03'],
  // "B1" is not B-01, and a digit run inside a longer number is not a stall code.
  ['B1 rau'],
  ['FT26001B0123'],
])('no suggestion for "%s"', (memo) => {
  expect(suggestStall(memo, CODES)).toBeNull();
});
