/**
 * Text that came from outside (a bank's transfer description, a payer's name) is stored as given, but neutralised
 * wherever a person will read it: control characters (NUL, escape sequences, line breaks inside a field) become
 * U+FFFD or a space, and the Unicode bidirectional controls that can make "A-01 ← 500.000" read backwards (U+202A–E,
 * U+2066–9, LRM/RLM, ALM) are removed.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const BREAKS = /[\t\n\r]/g;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function neutraliseText(text: string): string {
  return text.replace(BIDI, '').replace(BREAKS, ' ').replace(CONTROLS, '\uFFFD');
}

/**
 * Text from outside as it can be stored: NUL becomes U+FFFD, the rest is kept as given. PostgreSQL's JSONB (FerretDB's
 * store on the default backend) cannot hold U+0000 and refuses the whole insert, which would turn one odd bank
 * notification or QR payload into a failed batch for everyone stored with it.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/** UTF-8 byte order mark: without it Excel reads the file as the local code page and mangles Vietnamese. */
export const CSV_BOM = '\uFEFF';

/**
 * One CSV field per RFC 4180 (quoted when it holds a comma, quote or line break; quotes doubled). Text is
 * neutralised first, and text starting with = + - @ gets a leading apostrophe: a spreadsheet would run it as a
 * formula (CSV injection). Numbers and booleans are written as they are.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const clean = neutraliseText(String(value));
  const text = /^[=+\-@]/.test(clean) ? `'${clean}` : clean;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A CSV document: the header row, one row per record in the columns' order, CRLF line ends, a BOM first. The header
 * row is `headers` when given (the columns named for people: "Số giao dịch"), else the column keys.
 */
export function toCsvDocument(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  headers: readonly string[] = columns,
): string {
  if (headers.length !== columns.length) throw new Error('one header per column');
  const lines = [headers.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}

/** `0914270000` → `******0000`: enough for a person to recognise an account, not enough to use it. */
export function maskAllButLast(text: string, visible = 4): string {
  return text.length <= visible
    ? '*'.repeat(text.length)
    : `${'*'.repeat(text.length - visible)}${text.slice(-visible)}`;
}
