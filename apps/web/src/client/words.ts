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

/** What a payment carries that decides how it is announced (the ledger's matching outcome and the QR's amount). */
export interface AnnouncedPayment {
  amount: number;
  outcome: string;
  /** The dynamic QR's amount when the payment was matched to one. */
  expectedAmount: number | null;
}

/**
 * How a payment differs from what the vendor asked for, or null for an ordinary one. `difference` is in đồng (what is
 * missing, or what is extra). A second payment of a QR already paid comes as `overpaid` for the QR's full amount.
 */
export type Discrepancy =
  { kind: 'underpaid' | 'overpaid'; difference: number } | { kind: 'twice' | 'late' | 'other_stall' | 'check' };

export function discrepancyOf(p: AnnouncedPayment): Discrepancy | null {
  const expected = p.expectedAmount;
  switch (p.outcome) {
    case 'paid':
      return null;
    case 'underpaid':
      return expected !== null ? { kind: 'underpaid', difference: expected - p.amount } : { kind: 'check' };
    case 'overpaid':
      if (expected === null) return { kind: 'check' };
      return p.amount === expected ? { kind: 'twice' } : { kind: 'overpaid', difference: p.amount - expected };
    case 'late':
      return { kind: 'late' };
    case 'order_code_of_other_stall':
      return { kind: 'other_stall' };
    default:
      return { kind: 'check' };
  }
}

/**
 * What the vendor's phone says for a payment. A payment that is not what was asked says so FIRST: a shopper paying
 * 200 đồng on a 200.000 đồng bill must not be heard as "hai trăm…" and waved through.
 */
export function announcementFor(p: AnnouncedPayment): string {
  const d = discrepancyOf(p);
  const received = `đã nhận ${vndToWords(p.amount)}`;
  if (!d) return paymentAnnouncement(p.amount);
  switch (d.kind) {
    case 'underpaid':
      return `Khách trả thiếu: ${received}, còn thiếu ${vndToWords(d.difference)}`;
    case 'overpaid':
      return `Khách trả dư: ${received}, dư ${vndToWords(d.difference)}`;
    case 'twice':
      return `Khách có thể đã trả hai lần: ${received} nữa cho cùng một mã`;
    case 'late':
      return `Khách trả sau khi mã hết hạn: ${received}`;
    case 'other_stall':
      return `Khách dùng mã của sạp khác: ${received}`;
    case 'check':
      return `Cần kiểm tra: ${received}`;
  }
}
