import { createPdf, fontName, type PdfDocument, type Weight } from '@marketqr/pdf';
import { heading, monthLabel, sections, title, type Metric, type Table, type Unit, type Value } from './content';
import type { MonthlyReport } from './monthly';

/**
 * The report as a printable A4 PDF (portrait, 2 cm margins), Be Vietnam Pro embedded so that every diacritic prints
 * and the text can be copied or read out. Money as "1.234.000 ₫", percentages as "52,4 %", comparisons with the month
 * before as "+3" / "+5,2 điểm %". Tables break across pages with their header repeated; every page has a footer
 * naming the report and "Trang i/n"; the last page ends with the signature block a report sent to the district
 * carries.
 */
const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56.7; // 2 cm
const WIDTH = A4[0] - 2 * MARGIN;
const BOTTOM = A4[1] - MARGIN - 14; // the footer's line sits below this
const INK = '#1a1a1a';
const MUTED = '#5c5c5c';
const RULE = '#b8b8b8';
const SHADE = '#eef2f0';

const group = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
/** 1234000 → "1.234.000 ₫" (integer đồng; a normal space, as the board writes it). */
export const formatMoney = (n: number): string => `${group.format(n)} ₫`;
const formatCount = (n: number): string => group.format(n);
const percent = (ratio: number): string => `${(Math.round(ratio * 1000) / 10).toFixed(1).replace('.', ',')} %`;
const signed = (n: number, f: (n: number) => string) => (n > 0 ? `+${f(n)}` : n < 0 ? `−${f(-n)}` : '0');

export function formatValue(v: Value, unit?: Unit): string {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  switch (unit) {
    case 'đồng':
      return formatMoney(v);
    case 'tỷ lệ':
      return percent(v);
    case 'giờ':
      return `${v} giờ – ${v + 1} giờ`;
    default:
      return formatCount(v);
  }
}

function change(m: Metric): string {
  if (m.previous === undefined) return '';
  if (m.value === null || m.previous === null) return '—';
  const d = m.value - m.previous;
  if (m.unit === 'tỷ lệ')
    return d === 0 ? '0' : `${signed(Math.round(d * 1000) / 10, (x) => x.toFixed(1).replace('.', ','))} điểm %`;
  return signed(d, m.unit === 'đồng' ? formatMoney : formatCount);
}

class Writer {
  y = MARGIN;
  constructor(readonly doc: PdfDocument) {}

  font(weight: Weight, size: number, color = INK): this {
    this.doc.font(fontName(weight)).fontSize(size).fillColor(color);
    return this;
  }

  /** Room for `h` more points on this page, or a new page. */
  need(h: number): boolean {
    if (this.y + h <= BOTTOM) return false;
    this.doc.addPage();
    this.y = MARGIN;
    return true;
  }

  /** One line of text cut to the width (the figures are short; a long zone name is ellipsised, never wrapped). */
  cell(text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): void {
    let t = text;
    while (t.length > 1 && this.doc.widthOfString(t) > width) t = `${t.slice(0, -2)}…`;
    this.doc.text(t, x, y, { width, align, lineBreak: false });
  }

  paragraph(text: string, weight: Weight, size: number, color = INK, gap = 4): void {
    this.font(weight, size, color);
    const h = this.doc.heightOfString(text, { width: WIDTH });
    this.need(h);
    this.doc.text(text, MARGIN, this.y, { width: WIDTH });
    this.y += h + gap;
  }

  rule(color = RULE, width = 0.6): void {
    this.doc
      .moveTo(MARGIN, this.y)
      .lineTo(MARGIN + WIDTH, this.y)
      .lineWidth(width)
      .stroke(color);
  }

  /**
   * A table: `widths` in fractions of the text width, the first column left-aligned, the others right-aligned
   * (numbers line up). The header row is shaded and repeated after a page break.
   */
  table(headers: string[], rows: string[][], widths: number[], opts: { boldLast?: boolean } = {}): void {
    const rowH = 15;
    const xs: number[] = [];
    let x = MARGIN;
    for (const w of widths) {
      xs.push(x);
      x += w * WIDTH;
    }
    const header = () => {
      this.doc.rect(MARGIN, this.y, WIDTH, rowH + 2).fill(SHADE);
      this.font(600, 8.5);
      headers.forEach((h, i) =>
        this.cell(h, xs[i]! + 4, this.y + 4, widths[i]! * WIDTH - 8, i === 0 ? 'left' : 'right'),
      );
      this.y += rowH + 2;
    };
    this.need(rowH * 3);
    header();
    rows.forEach((r, ri) => {
      if (this.need(rowH)) header();
      const last = opts.boldLast && ri === rows.length - 1;
      this.font(last ? 700 : 400, 9);
      r.forEach((c, i) => this.cell(c, xs[i]! + 4, this.y + 3.5, widths[i]! * WIDTH - 8, i === 0 ? 'left' : 'right'));
      this.y += rowH;
      this.rule('#dcdcdc', 0.4);
    });
    this.y += 8;
  }
}

function metricsTable(w: Writer, r: MonthlyReport, metrics: Metric[], compare: boolean): void {
  if (compare) {
    w.table(
      ['Chỉ tiêu', `Tháng ${monthLabel(r.month)}`, `Tháng ${monthLabel(r.previousMonth)}`, 'Thay đổi'],
      metrics.map((m) => [
        m.label,
        formatValue(m.value, m.unit),
        m.previous === undefined ? '' : formatValue(m.previous, m.unit),
        change(m),
      ]),
      [0.43, 0.19, 0.19, 0.19],
    );
  } else {
    w.table(
      ['Chỉ tiêu', `Tháng ${monthLabel(r.month)}`],
      metrics.map((m) => [m.label, formatValue(m.value, m.unit)]),
      [0.62, 0.38],
    );
  }
}

function dataTable(w: Writer, t: Table): void {
  const rows = t.rows.slice(0, t.pdfRows ?? t.rows.length);
  // The title stays with the header and the first rows: never alone at the foot of a page.
  w.need(15 * Math.min(rows.length + 1, 4) + 16);
  w.paragraph(t.title, 600, 9.5, INK, 3);
  if (!rows.length) {
    w.paragraph('Không có số liệu.', 400, 9, MUTED, 8);
    return;
  }
  w.table(
    t.columns.map((c) => c.label),
    rows.map((cells) => cells.map((v, i) => formatValue(v, t.columns[i]!.unit))),
    t.widths,
    { boldLast: t.rows[t.rows.length - 1]?.[0] === 'Tổng cộng' },
  );
}

export function reportPdf(r: MonthlyReport): Promise<Buffer> {
  const heading0 = title(r);
  const { doc, bytes } = createPdf({
    size: A4,
    margin: MARGIN,
    title: `${heading0} – ${r.market.name ?? r.market.id}`,
    subject: 'Báo cáo tháng của ban quản lý chợ: sử dụng QR, thanh toán, phí, chi trả, cảnh báo',
    creator: 'MarketQR market-insights',
    bufferPages: true,
  });
  const w = new Writer(doc);

  // Heading: who reports, what, for when.
  // Before the first stall event reaches this service the market's name is unknown: its id is on the next lines.
  w.paragraph(`BAN QUẢN LÝ ${r.market.name ? r.market.name.toLocaleUpperCase('vi') : 'CHỢ'}`, 700, 10, MUTED, 2);
  w.paragraph(heading0.toLocaleUpperCase('vi'), 800, 16, INK, 6);
  w.font(400, 9.5);
  for (const h of heading(r).filter((x) => x.label !== 'Tháng')) {
    w.font(600, 9.5);
    doc.text(`${h.label}:`, MARGIN, w.y, { width: 70, lineBreak: false });
    w.font(400, 9.5);
    doc.text(h.value, MARGIN + 70, w.y, { width: WIDTH - 70, lineBreak: false });
    w.y += 13;
  }
  w.y += 4;
  w.rule(INK, 1);
  w.y += 10;

  const appendix: Table[] = [];
  for (const s of sections(r)) {
    // A section title with at least its note and a few rows under it.
    w.need(90);
    w.paragraph(s.title, 700, 12, INK, 2);
    if (s.note) w.paragraph(s.note, 400, 8.5, MUTED, 5);
    if (s.metrics) metricsTable(w, r, s.metrics, s.compare ?? false);
    for (const t of s.tables ?? []) {
      if (t.appendix) appendix.push(t);
      else dataTable(w, t);
    }
    w.y += 4;
  }

  // Signatures: a report sent up to the district is signed by whoever made it and by the head of the board.
  w.need(110);
  w.y += 10;
  const half = WIDTH / 2;
  w.font(400, 9, MUTED);
  doc.text(`…, ngày … tháng … năm ${r.generatedAtLocal.slice(6, 10)}`, MARGIN + half, w.y, {
    width: half,
    align: 'center',
  });
  w.y += 14;
  w.font(700, 9.5);
  doc.text('NGƯỜI LẬP BÁO CÁO', MARGIN, w.y, { width: half, align: 'center' });
  doc.text('TRƯỞNG BAN QUẢN LÝ CHỢ', MARGIN + half, w.y, { width: half, align: 'center' });
  w.y += 13;
  w.font(400, 8.5, MUTED);
  doc.text('(Ký, ghi rõ họ tên)', MARGIN, w.y, { width: half, align: 'center' });
  doc.text('(Ký, ghi rõ họ tên, đóng dấu)', MARGIN + half, w.y, { width: half, align: 'center' });

  for (const t of appendix) {
    doc.addPage();
    w.y = MARGIN;
    w.paragraph(`${t.title} – tháng ${monthLabel(r.month)}`, 700, 12, INK, 8);
    dataTable(w, { ...t, title: r.market.name ?? r.market.id });
  }

  // Footers, now that the page count is known.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Text below the bottom margin would make pdfkit start a new page: the footer lives in the margin.
    doc.page.margins.bottom = 0;
    w.font(400, 7.5, MUTED);
    const y = A4[1] - MARGIN + 8;
    doc.text(`MarketQR · ${heading0} · ${r.market.name ?? r.market.id}`, MARGIN, y, {
      width: WIDTH * 0.75,
      lineBreak: false,
    });
    doc.text(`Trang ${i - range.start + 1}/${range.count}`, MARGIN + WIDTH * 0.75, y, {
      width: WIDTH * 0.25,
      align: 'right',
      lineBreak: false,
    });
  }
  doc.end();
  return bytes;
}
