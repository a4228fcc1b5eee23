import { addDays, dayCount, isDay, isoWeekday } from './time';

/** A closed range of calendar days in Asia/Ho_Chi_Minh. */
export interface Period {
  from: string;
  to: string;
  /**
   * The day stall counts are taken at: the period's last day, or today when the period ends later (the current week
   * or month), so "paid in the last 7 days" looks at days that have happened. Defaults to `to`.
   */
  asOf?: string;
}

export type PeriodQuery = { from?: unknown; to?: unknown; period?: unknown; date?: unknown };

export class PeriodError extends Error {
  constructor(
    message: string,
    public readonly field: string,
  ) {
    super(message);
    this.name = 'PeriodError';
  }
}

/**
 * `?from=&to=` (both days included), or `?period=day|week|month&date=` (the day, its ISO week Monday–Sunday, or its
 * calendar month), `date` defaulting to today. Nothing given: today. Throws PeriodError naming the bad field.
 */
export function parsePeriod(q: PeriodQuery, today: string, maxDays: number): Period {
  const text = (v: unknown, field: string): string | undefined => {
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new PeriodError(`${field} must be given once`, field);
    return v;
  };
  const from = text(q.from, 'from');
  const to = text(q.to, 'to');
  const period = text(q.period, 'period');
  const date = text(q.date, 'date');

  let result: Period;
  if (from !== undefined || to !== undefined) {
    if (period !== undefined || date !== undefined)
      throw new PeriodError('give either from/to or period/date, not both', 'period');
    if (from === undefined || !isDay(from)) throw new PeriodError('from must be a day YYYY-MM-DD', 'from');
    if (to === undefined || !isDay(to)) throw new PeriodError('to must be a day YYYY-MM-DD', 'to');
    if (from > to) throw new PeriodError('from must not be after to', 'from');
    result = { from, to };
  } else {
    const anchor = date ?? today;
    if (!isDay(anchor)) throw new PeriodError('date must be a day YYYY-MM-DD', 'date');
    switch (period ?? 'day') {
      case 'day':
        result = { from: anchor, to: anchor };
        break;
      case 'week': {
        const monday = addDays(anchor, 1 - isoWeekday(anchor));
        result = { from: monday, to: addDays(monday, 6) };
        break;
      }
      case 'month': {
        const first = `${anchor.slice(0, 7)}-01`;
        const next = addDays(first, 32).slice(0, 7);
        result = { from: first, to: addDays(`${next}-01`, -1) };
        break;
      }
      default:
        throw new PeriodError('period must be day, week or month', 'period');
    }
  }
  if (dayCount(result.from, result.to) > maxDays)
    throw new PeriodError(`a range may span at most ${maxDays} days`, 'to');
  return { ...result, asOf: result.to > today ? today : result.to };
}
