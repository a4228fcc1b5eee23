import { CSV_BOM, csvCell } from '@marketqr/service-kit';
import { heading, monthLabel, sections, title, type Unit } from './content';
import type { MonthlyReport } from './monthly';

/**
 * The report as CSV for Excel: UTF-8 with a BOM, CRLF, one block per section (its title on a line of its own, a header
 * row, the rows), blocks separated by an empty line. Figures are plain numbers, money in whole đồng and ratios 0–1
 * with a `.` decimal point, like every CSV of this service, so that a spreadsheet can add them up; the unit is in the
 * header or in the "Đơn vị" column.
 */
const headerOf = (label: string, unit?: Unit) => (unit === 'đồng' ? `${label} (đồng)` : label);

export function reportCsv(r: MonthlyReport): string {
  const lines: string[] = [];
  const row = (...cells: unknown[]) => lines.push(cells.map(csvCell).join(','));
  row(title(r));
  for (const h of heading(r)) row(h.label, h.value);
  for (const s of sections(r)) {
    lines.push('');
    row(s.title);
    if (s.note) row(s.note);
    if (s.metrics) {
      if (s.compare) row('Chỉ tiêu', 'Đơn vị', `Tháng ${monthLabel(r.month)}`, `Tháng ${monthLabel(r.previousMonth)}`);
      else row('Chỉ tiêu', 'Đơn vị', `Tháng ${monthLabel(r.month)}`);
      for (const m of s.metrics) {
        if (s.compare) row(m.label, m.unit, m.value, m.previous === undefined ? null : m.previous);
        else row(m.label, m.unit, m.value);
      }
    }
    for (const t of s.tables ?? []) {
      lines.push('');
      row(`${s.title.split(' ')[0]} ${t.title}`);
      row(...t.columns.map((c) => headerOf(c.label, c.unit)));
      for (const cells of t.rows) row(...cells);
    }
  }
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
