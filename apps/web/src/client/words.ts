/**
 * Amounts of đồng read aloud in Vietnamese, the way a cashier says them: "một trăm linh năm nghìn đồng".
 *
 * Rules (northern usage, the one speech synthesis voices read best):
 * - Digits are grouped by three: đơn vị, nghìn, triệu; tỷ repeats for anything larger ("một nghìn tỷ").
 * - Inside a group that is not the first one spoken, a zero hundreds digit is still said ("không trăm"), and a zero
 *   tens digit before a unit becomes "linh" ("một triệu không trăm linh năm").
 * - Tens: 10–19 are "mười …"; from 20 on "… mươi". After "mươi", 1 is "mốt" and 4 is "tư"; after "mười" or "mươi",
 *   5 is "lăm". "mười bốn" keeps "bốn".
 * - All-zero groups are skipped ("một triệu đồng", not "một triệu không nghìn").
 */
const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;
const GROUP_UNITS = ['', 'nghìn', 'triệu'] as const;

const digit = (d: number): string => DIGITS[d]!;

/** Words for 0 < n < 1000. `full`: say the hundreds and "linh" even when they are zero (not the leading group). */
function threeDigits(n: number, full: boolean): string[] {
  const h = Math.floor(n / 100);
  const t = Math.floor((n % 100) / 10);
  const u = n % 10;
  const out: string[] = [];
  if (h > 0 || full) out.push(digit(h), 'trăm');
  if (t === 0) {
    if (u > 0) {
      if (h > 0 || full) out.push('linh');
      out.push(digit(u));
    }
  } else if (t === 1) {
    out.push('mười');
    if (u > 0) out.push(u === 5 ? 'lăm' : digit(u));
  } else {
    out.push(digit(t), 'mươi');
    if (u === 1) out.push('mốt');
    else if (u === 4) out.push('tư');
    else if (u === 5) out.push('lăm');
    else if (u > 0) out.push(digit(u));
  }
  return out;
}

/** Words for 0 < n < 1,000,000,000 (three groups). `full` as in threeDigits, for the leading group. */
function belowBillion(n: number, full: boolean): string[] {
  const groups = [n % 1000, Math.floor(n / 1000) % 1000, Math.floor(n / 1_000_000)];
  const out: string[] = [];
  let spoken = full;
  for (let i = 2; i >= 0; i--) {
    const g = groups[i]!;
    if (g === 0) continue;
    out.push(...threeDigits(g, spoken));
    if (GROUP_UNITS[i]) out.push(GROUP_UNITS[i]!);
    spoken = true;
  }
  return out;
}

/** Words for a positive integer: billions ("tỷ") recurse, so 10^12 is "một nghìn tỷ". */
function integerWords(n: number, full = false): string[] {
  if (n < 1_000_000_000) return belowBillion(n, full);
  const high = Math.floor(n / 1_000_000_000);
  const low = n % 1_000_000_000;
  const out = [...integerWords(high, full), 'tỷ'];
  if (low > 0) out.push(...belowBillion(low, true));
  return out;
}

/** Vietnamese words for a non-negative integer ("không" for 0). */
export function numberToVietnamese(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  if (n === 0) return 'không';
  return integerWords(n).join(' ').normalize('NFC');
}

/** "năm mươi nghìn đồng" for 50,000. */
export function vndToWords(amount: number): string {
  return `${numberToVietnamese(amount)} đồng`;
}

/** What the vendor's phone says when a payment arrives: "Đã nhận năm mươi nghìn đồng". */
export function paymentAnnouncement(amount: number): string {
  return `Đã nhận ${vndToWords(amount)}`;
}
