import type { Request, Response } from 'express';
import { AppError, CSV_BOM, toCsvDocument } from '@marketqr/service-kit';
import type { CellText, Lang } from './csv-text';

/**
 * Every statistics and alert answer is a table: `rows`, flat objects whose keys are the columns in a fixed order.
 * The JSON answer carries them with their context (scope, period, totals); the CSV answer is exactly those rows.
 */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';
/**
 * A column: its name (the JSON key, and the CSV header with `lang=en`), its CSV header for people (`vi`, the default),
 * type, whether it may be null, what it means, and how its cell reads in a CSV when that is not the JSON value (a
 * category's name instead of its code, an instant as local time).
 */
export interface Column {
  name: string;
  vi: string;
  type: ColumnType;
  nullable?: boolean;
  description?: string;
  text?: CellText;
}

/** UTF-8 byte order mark: without it Excel reads the file as the local code page and mangles Vietnamese. */
export const BOM = CSV_BOM;

/**
 * CSV per RFC 4180 with a header row and the columns in the given order: service-kit's writer, which neutralises
 * control and bidirectional characters and defuses formulas (CSV injection).
 */
export function toCsv(columns: readonly string[], rows: readonly Row[], headers?: readonly string[]): string {
  return toCsvDocument(columns, rows, headers);
}

/**
 * The CSV of `rows` for people reading `lang`: Vietnamese headers and names by default, the JSON keys as headers and
 * English names with `lang=en`; instants as local time in both.
 */
export function tableCsv(columns: readonly Column[], rows: readonly Row[], lang: Lang): string {
  const shown = rows.map((row) => {
    const out: Row = {};
    for (const c of columns) out[c.name] = c.text ? c.text(row[c.name], lang) : (row[c.name] ?? null);
    return out;
  });
  return toCsv(
    columns.map((c) => c.name),
    shown,
    columns.map((c) => (lang === 'vi' ? c.vi : c.name)),
  );
}

/** `?format=csv`, or no format and an Accept header that prefers text/csv; a CSV's `?lang=` is checked here too. */
export function wantsCsv(req: Request): boolean {
  const format = req.query.format;
  let csv: boolean;
  if (format === undefined || format === '') csv = req.accepts(['application/json', 'text/csv']) === 'text/csv';
  else if (format === 'csv') csv = true;
  else if (format === 'json') csv = false;
  else throw new AppError('INSIGHTS.INVALID_FORMAT', 'format must be json or csv', 400, { field: 'format' });
  if (csv) csvLang(req);
  return csv;
}

/** `?lang=vi` (the default) or `?lang=en`: the language of a CSV's headers and names. */
export function csvLang(req: Request): Lang {
  const lang = req.query.lang;
  if (lang === undefined || lang === '' || lang === 'vi') return 'vi';
  if (lang === 'en') return 'en';
  throw new AppError('INSIGHTS.INVALID_FORMAT', 'lang must be vi or en', 400, { field: 'lang' });
}

/** Keeps exactly the columns, in order (a row built by spreading objects may carry more or in another order). */
export function pick(columns: readonly Column[], source: object): Row {
  const row: Row = {};
  for (const c of columns) row[c.name] = ((source as Record<string, unknown>)[c.name] ?? null) as Cell;
  return row;
}

/**
 * Answers with the rows as CSV, for a caller who asked for CSV (wantsCsv). The JSON answer is the route's own, sent
 * with `reply` so the compiler holds it to the route's spec.
 */
export function sendCsv(
  req: Request,
  res: Response,
  table: { filename: string; columns: readonly Column[]; rows: Row[] },
): void {
  res
    .status(200)
    .set('Content-Type', 'text/csv; charset=utf-8')
    .set('Content-Disposition', `attachment; filename="${table.filename.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`)
    .set('Vary', 'Accept')
    .send(tableCsv(table.columns, table.rows, csvLang(req)));
}
