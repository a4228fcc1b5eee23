import type { Request, Response } from 'express';
import { AppError, CSV_BOM, toCsvDocument } from '@marketqr/service-kit';

/**
 * Every statistics and alert answer is a table: `rows`, flat objects whose keys are the columns in a fixed order.
 * The JSON answer carries them with their context (scope, period, totals); the CSV answer is exactly those rows.
 */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';
/** A column: its name (JSON key and CSV header), type, whether it may be null, and what it means. */
export interface Column {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  description?: string;
}

/** UTF-8 byte order mark: without it Excel reads the file as the local code page and mangles Vietnamese. */
export const BOM = CSV_BOM;

/**
 * CSV per RFC 4180 with a header row and the columns in the given order: service-kit's writer, which neutralises
 * control and bidirectional characters and defuses formulas (CSV injection).
 */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  return toCsvDocument(columns, rows);
}

/** `?format=csv`, or no format and an Accept header that prefers text/csv. */
export function wantsCsv(req: Request): boolean {
  const format = req.query.format;
  if (format === undefined || format === '') return req.accepts(['application/json', 'text/csv']) === 'text/csv';
  if (format === 'csv') return true;
  if (format === 'json') return false;
  throw new AppError('INSIGHTS.INVALID_FORMAT', 'format must be json or csv', 400, { field: 'format' });
}

/** Keeps exactly the columns, in order (a row built by spreading objects may carry more or in another order). */
export function pick(columns: readonly Column[], source: object): Row {
  const row: Row = {};
  for (const c of columns) row[c.name] = ((source as Record<string, unknown>)[c.name] ?? null) as Cell;
  return row;
}

/** Answers with the JSON body, or with the rows as CSV when the caller asked for CSV. */
export function sendTable(
  req: Request,
  res: Response,
  table: { filename: string; columns: readonly Column[]; rows: Row[]; json: Record<string, unknown> },
): void {
  if (wantsCsv(req)) {
    res
      .status(200)
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="${table.filename.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`)
      .set('Vary', 'Accept')
      .send(
        toCsv(
          table.columns.map((c) => c.name),
          table.rows,
        ),
      );
    return;
  }
  res.set('Vary', 'Accept').json(table.json);
}

/** JSON Schema of a table's row, for the OpenAPI document. */
export function rowSchema(columns: readonly Column[]): Record<string, unknown> {
  return {
    type: 'object',
    required: columns.map((c) => c.name),
    properties: Object.fromEntries(
      columns.map((c) => [
        c.name,
        {
          type: c.nullable ? [c.type, 'null'] : c.type,
          ...(c.description ? { description: c.description } : {}),
        },
      ]),
    ),
  };
}
