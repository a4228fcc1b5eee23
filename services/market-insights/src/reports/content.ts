import type { AlertKind } from '../store/models';
import { UNKNOWN } from '../stats/stats.service';
import type { MonthlyReport } from './monthly';

/**
 * The report as a reader sees it, in Vietnamese: sections of labelled figures and tables. The PDF and the CSV are two
 * renderings of this one description, so they cannot say different things.
 */

/** How a figure is written: money in đồng, a 0–1 ratio as a percentage, an hour of the day, or a plain count. */
export type Unit = 'đồng' | 'tỷ lệ' | 'giờ' | 'sạp' | 'giao dịch' | 'người' | 'đợt' | 'dòng' | 'lần';
export type Value = number | string | null;

export interface Metric {
  label: string;
  unit: Unit;
  value: number | null;
  /** The same figure for the month before, where a comparison means something. */
  previous?: number | null;
}

export interface Table {
  title: string;
  columns: { label: string; unit?: Unit }[];
  rows: Value[][];
  /** The PDF shows at most this many rows (the CSV every row); e.g. the five biggest zones. */
  pdfRows?: number;
  /** The PDF puts this table in the appendix (the days of the month). */
  appendix?: boolean;
  /** Column widths in the PDF, fractions of the text width (names need room, figures less). */
  widths: number[];
}

export interface Section {
  title: string;
  /** One sentence saying what the figures count, printed under the title. */
  note?: string;
  metrics?: Metric[];
  /** The metrics have a previous-month column. */
  compare?: boolean;
  tables?: Table[];
}

/** Plain Vietnamese names of the alert kinds (the board reads these, not the codes). */
export const ALERT_NAMES: Record<AlertKind, string> = {
  payments_stopped: 'Sạp ngừng nhận QR trong giờ bán',
  payment_in_suspense: 'Tiền chưa xác định được sạp',
  settlement_failed: 'Chi trả cho tiểu thương thất bại',
  fake_qr: 'Mã QR giả mạo sạp',
  qr_reported: 'Khách báo mã QR giả',
  unknown_poster: 'Mã QR lạ (không do chợ cấp)',
  order_code_of_other_stall: 'Thanh toán mang mã đơn của sạp khác',
  login_attack: 'Đăng nhập sai liên tiếp nhiều lần',
};

/** Names of goods categories (codes as merchant-onboarding stores them); an unknown code is shown as it is. */
const CATEGORY_NAMES: Record<string, string> = {
  fresh_produce: 'Rau củ quả tươi',
  vegetables: 'Rau củ',
  fruit: 'Trái cây',
  meat: 'Thịt',
  fish: 'Cá',
  seafood: 'Thủy hải sản',
  dry_goods: 'Hàng khô',
  clothing: 'Quần áo',
  prepared_food: 'Đồ ăn chín',
  food_stall: 'Ăn uống',
  household: 'Đồ gia dụng',
  flowers: 'Hoa',
  other: 'Khác',
};

export const categoryName = (c: string): string => (c === UNKNOWN ? 'Chưa rõ' : (CATEGORY_NAMES[c] ?? c));
/** A bare zone code ("A", "B2") reads "Khu A", as on the web pages; a name ("Khu B – Thịt cá") stays as written. */
export const zoneName = (z: string): string =>
  z === UNKNOWN ? 'Chưa rõ' : /^[A-Z0-9-]{1,4}$/.test(z) ? `Khu ${z}` : z;

/** 2025-03 → 03/2025; 2025-03-14 → 14/03/2025. */
export const monthLabel = (month: string): string => `${month.slice(5, 7)}/${month.slice(0, 4)}`;
export const dayLabel = (day: string): string => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
const shortDay = (day: string): string => `${day.slice(8, 10)}/${day.slice(5, 7)}`;

export function title(r: MonthlyReport): string {
  return `Báo cáo thanh toán QR tháng ${monthLabel(r.month)}`;
}

/** The lines under the title: which market, which days, when it was made. */
export function heading(r: MonthlyReport): { label: string; value: string }[] {
  return [
    { label: 'Chợ', value: r.market.name ?? r.market.id },
    { label: 'Mã chợ', value: r.market.id },
    { label: 'Tháng', value: monthLabel(r.month) },
    {
      label: 'Số liệu',
      value: r.period.complete
        ? `từ ${dayLabel(r.period.from)} đến ${dayLabel(r.period.to)}`
        : `từ ${dayLabel(r.period.from)} đến hết ${dayLabel(r.period.asOf)} (tháng chưa kết thúc)`,
    },
    { label: 'Lập lúc', value: `${r.generatedAtLocal} (giờ Việt Nam)` },
  ];
}

const GROUP_WIDTHS = [0.34, 0.11, 0.14, 0.16, 0.25];

export function sections(r: MonthlyReport): Section[] {
  const c = r.current;
  const p = r.previous;
  const pay = r.payments;
  return [
    {
      title: '1. Mức độ sử dụng thanh toán QR',
      note: `Số sạp tính đến cuối ngày ${dayLabel(r.period.asOf)}; so với tháng ${monthLabel(r.previousMonth)}.`,
      compare: true,
      metrics: [
        { label: 'Sạp đã đăng ký', unit: 'sạp', value: c.registered, previous: p.registered },
        { label: 'Sạp đang hoạt động', unit: 'sạp', value: c.active, previous: p.active },
        { label: 'Sạp có mã QR in (còn hiệu lực)', unit: 'sạp', value: c.withPrintedQr, previous: p.withPrintedQr },
        { label: 'Sạp có nhận thanh toán QR trong tháng', unit: 'sạp', value: c.stallsPaid, previous: p.stallsPaid },
        {
          label: 'Sạp đang hoạt động có nhận QR trong tháng',
          unit: 'sạp',
          value: c.activeStallsPaid,
          previous: p.activeStallsPaid,
        },
        {
          label: 'Tỷ lệ sạp hoạt động nhận QR trong tháng',
          unit: 'tỷ lệ',
          value: c.paidRate,
          previous: p.paidRate,
        },
        {
          label: 'Tỷ lệ dùng QR 7 ngày cuối tháng (như bảng điều khiển)',
          unit: 'tỷ lệ',
          value: c.adoptionRate,
          previous: p.adoptionRate,
        },
      ],
    },
    {
      title: '2. Thanh toán qua QR',
      note: 'Các khoản khách trả vào sạp qua mã QR, theo ngày trả tiền; đã trừ các khoản bị hoàn lại.',
      compare: true,
      metrics: [
        { label: 'Số giao dịch', unit: 'giao dịch', value: c.paymentCount, previous: p.paymentCount },
        { label: 'Tổng tiền', unit: 'đồng', value: c.paymentValue, previous: p.paymentValue },
        { label: 'Giá trị trung bình một giao dịch', unit: 'đồng', value: c.averageTicket, previous: p.averageTicket },
        { label: 'Qua mã QR động (có số tiền)', unit: 'giao dịch', value: pay.dynamicCount },
        { label: 'Tiền qua mã QR động', unit: 'đồng', value: pay.dynamicValue },
        { label: 'Qua mã QR in tại sạp', unit: 'giao dịch', value: pay.staticCount },
        { label: 'Tiền qua mã QR in tại sạp', unit: 'đồng', value: pay.staticValue },
        { label: 'Số người trả (khác nhau)', unit: 'người', value: pay.payers },
        { label: 'Trong đó người trả lần đầu', unit: 'người', value: pay.newPayers },
        { label: 'Giờ nhiều giao dịch nhất', unit: 'giờ', value: pay.busiestHour },
      ],
      tables: [
        {
          title: 'Theo tuần',
          columns: [
            { label: 'Tuần' },
            { label: 'Từ ngày' },
            { label: 'Đến ngày' },
            { label: 'Số giao dịch', unit: 'giao dịch' },
            { label: 'Tổng tiền', unit: 'đồng' },
          ],
          widths: [0.2, 0.17, 0.17, 0.2, 0.26],
          rows: pay.byWeek.map((w) => [
            `Tuần ${w.week}`,
            shortDay(w.from),
            shortDay(w.to),
            w.paymentCount,
            w.paymentValue,
          ]),
        },
        {
          title: 'Khu vực nhiều tiền nhất',
          columns: [
            { label: 'Khu' },
            { label: 'Sạp', unit: 'sạp' },
            { label: 'Sạp nhận QR', unit: 'sạp' },
            { label: 'Số giao dịch', unit: 'giao dịch' },
            { label: 'Tổng tiền', unit: 'đồng' },
          ],
          widths: GROUP_WIDTHS,
          rows: pay.zones.map((z) => [zoneName(z.zone), z.stalls, z.stallsPaid, z.paymentCount, z.paymentValue]),
          pdfRows: 5,
        },
        {
          title: 'Ngành hàng nhiều tiền nhất',
          columns: [
            { label: 'Ngành hàng' },
            { label: 'Sạp', unit: 'sạp' },
            { label: 'Sạp nhận QR', unit: 'sạp' },
            { label: 'Số giao dịch', unit: 'giao dịch' },
            { label: 'Tổng tiền', unit: 'đồng' },
          ],
          widths: GROUP_WIDTHS,
          rows: pay.categories.map((g) => [
            categoryName(g.category),
            g.stalls,
            g.stallsPaid,
            g.paymentCount,
            g.paymentValue,
          ]),
          pdfRows: 5,
        },
        {
          title: 'Phụ lục: thanh toán theo ngày',
          columns: [
            { label: 'Ngày' },
            { label: 'Số giao dịch', unit: 'giao dịch' },
            { label: 'Tổng tiền', unit: 'đồng' },
          ],
          widths: [0.4, 0.3, 0.3],
          rows: pay.byDay.map((d) => [dayLabel(d.day), d.paymentCount, d.paymentValue]),
          appendix: true,
        },
      ],
    },
    {
      title: '3. Phí và các khoản thu',
      note: 'Khấu trừ khi chi trả thành công cho tiểu thương, theo ngày quyết toán trong tháng.',
      compare: true,
      metrics: [
        { label: 'Phí dịch vụ đã thu', unit: 'đồng', value: r.fees.feesCollected, previous: p.feesCollected },
        {
          label: 'Các khoản thu của chợ (tiền thuê, vệ sinh…)',
          unit: 'đồng',
          value: r.fees.chargesCollected,
          previous: p.chargesCollected,
        },
        { label: 'Tổng tiền hàng đã quyết toán', unit: 'đồng', value: r.fees.paidGross },
      ],
    },
    {
      title: '4. Chi trả cho tiểu thương',
      note: 'Các đợt chi trả của các ngày quyết toán trong tháng.',
      metrics: [
        { label: 'Số đợt chi trả', unit: 'đợt', value: r.payouts.batches },
        { label: 'Số khoản trong các đợt', unit: 'dòng', value: r.payouts.batchedLines },
        { label: 'Tổng tiền các đợt (sau phí)', unit: 'đồng', value: r.payouts.batchedNet },
        { label: 'Khoản đã chi trả thành công', unit: 'dòng', value: r.payouts.paidLines },
        { label: 'Tiền đã chuyển cho tiểu thương', unit: 'đồng', value: r.payouts.paidNet },
        { label: 'Lần chuyển tiền thất bại', unit: 'lần', value: r.payouts.failedAttempts },
        { label: 'Khoản từng chuyển thất bại', unit: 'dòng', value: r.payouts.failedLines },
        { label: 'Khoản thất bại chưa chi trả được', unit: 'dòng', value: r.payouts.failedLinesUnpaid },
      ],
    },
    {
      title: '5. Cảnh báo',
      note: 'Cảnh báo phát sinh trong tháng; tình trạng tại thời điểm lập báo cáo.',
      tables: [
        {
          title: 'Theo loại cảnh báo',
          columns: [
            { label: 'Loại cảnh báo' },
            { label: 'Phát sinh', unit: 'lần' },
            { label: 'Đã nhận xử lý', unit: 'lần' },
            { label: 'Đã giải quyết', unit: 'lần' },
            { label: 'Còn mở', unit: 'lần' },
          ],
          widths: [0.4, 0.15, 0.15, 0.15, 0.15],
          rows: [
            ...r.alerts.rows.map((a) => [ALERT_NAMES[a.kind], a.raised, a.acknowledged, a.resolved, a.open]),
            [
              'Tổng cộng',
              r.alerts.totals.raised,
              r.alerts.totals.acknowledged,
              r.alerts.totals.resolved,
              r.alerts.totals.open,
            ],
          ],
        },
      ],
    },
  ];
}
