import { businessDateTimeOf, categoryName } from '@marketqr/contracts';
import { UNKNOWN } from '../stats/stats.service';

/**
 * How a cell reads in a CSV for people (a market manager opening it in Excel): the codes the JSON carries become the
 * words the web pages show (a category, a zone, a status), and instants become the wall clock in Asia/Ho_Chi_Minh
 * ("2026-12-07 08:55:00"), which Excel takes for a date and time. The JSON answers keep the codes and ISO instants.
 */
export type Lang = 'vi' | 'en';
export type CellText = (value: unknown, lang: Lang) => string | number | boolean | null;

/** The group of stalls no merchant event has described yet. */
const unknownText = (lang: Lang) => (lang === 'vi' ? '(chưa rõ)' : UNKNOWN);

/** A text cell named by `names`, a code it does not know as it is; empty stays empty. */
const named =
  (names: Record<string, { vi: string; en: string }>): CellText =>
  (value, lang) => {
    if (value === null || value === undefined) return null;
    const code = String(value);
    return code === UNKNOWN ? unknownText(lang) : (names[code]?.[lang] ?? code);
  };

export const categoryText: CellText = (value, lang) => {
  if (value === null || value === undefined) return null;
  return value === UNKNOWN ? unknownText(lang) : categoryName(String(value), lang);
};

/** A zone code ("A", "B2") reads "Khu A", as on the web; a zone stored with its name ("Khu B – Thịt cá") as it is. */
export const zoneText: CellText = (value, lang) => {
  if (value === null || value === undefined) return null;
  const zone = String(value);
  if (zone === UNKNOWN) return unknownText(lang);
  return /^[A-Z0-9-]{1,4}$/.test(zone) ? `${lang === 'vi' ? 'Khu' : 'Zone'} ${zone}` : zone;
};

export const stallStatusText = named({
  pending_verification: { vi: 'Đang xác minh tài khoản', en: 'Verifying the account' },
  verified: { vi: 'Đã xác minh, chờ duyệt', en: 'Verified, awaiting approval' },
  active: { vi: 'Đang hoạt động', en: 'Active' },
  suspended: { vi: 'Tạm ngừng', en: 'Suspended' },
});

export const yesNo: CellText = (value, lang) => {
  if (typeof value !== 'boolean') return value === undefined ? null : (value as string | number | null);
  if (lang === 'vi') return value ? 'Có' : 'Không';
  return value ? 'Yes' : 'No';
};

/** An ISO instant, or a list of them (the sightings of an alert), as local date and time. */
export const localTimeText: CellText = (value) => {
  if (value === null || value === undefined || value === '') return null;
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => businessDateTimeOf(String(v))).join('; ');
};

export const alertKindText = named({
  payments_stopped: { vi: 'Sạp ngừng nhận tiền QR', en: 'QR payments stopped' },
  payment_in_suspense: { vi: 'Khoản tiền chưa rõ sạp', en: 'Payment in suspense' },
  settlement_failed: { vi: 'Chi trả thất bại', en: 'Payout failed' },
  unknown_poster: { vi: 'Mã QR in không có trong hệ thống', en: 'Unknown poster' },
  fake_qr: { vi: 'Mã QR giả', en: 'Fake QR' },
  order_code_of_other_stall: { vi: 'Mã đơn của sạp khác', en: "Another stall's order code" },
  login_attack: { vi: 'Đăng nhập sai nhiều lần', en: 'Login attack' },
});

/** The web's words for severities ("Khẩn", "Chú ý"). */
export const severityText = named({
  high: { vi: 'Khẩn', en: 'Urgent' },
  medium: { vi: 'Chú ý', en: 'Attention' },
});

export const alertStatusText = named({
  open: { vi: 'Đang mở', en: 'Open' },
  acknowledged: { vi: 'Đang có người xử lý', en: 'Someone is on it' },
  resolved: { vi: 'Đã xong', en: 'Resolved' },
});

export const resolutionText = named({
  payments_resumed: { vi: 'Sạp nhận tiền lại', en: 'Payments resumed' },
  stall_not_active: { vi: 'Sạp không còn hoạt động', en: 'Stall no longer active' },
  reallocated: { vi: 'Đã chuyển cho sạp', en: 'Reallocated' },
  reversed: { vi: 'Đã hoàn tiền', en: 'Reversed' },
  confirmed: { vi: 'Đã xác nhận', en: 'Confirmed' },
  line_paid: { vi: 'Đã chi trả', en: 'Paid' },
});
