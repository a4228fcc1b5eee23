/**
 * Calendar arithmetic for statistics. Every bucket (day, hour) is the wall clock in Asia/Ho_Chi_Minh, computed by the
 * application from the event's own time (FerretDB has no date operators, and "now" would put a redelivered or late
 * event in the wrong bucket). Days travel as `YYYY-MM-DD` strings: they sort and compare as text.
 */
import { BUSINESS_TIME_ZONE, businessDayOf, businessHourOf } from '@marketqr/contracts';

export const TIME_ZONE = BUSINESS_TIME_ZONE;

export interface LocalTime {
  /** `YYYY-MM-DD` in Asia/Ho_Chi_Minh. */
  day: string;
  /** 0–23 in Asia/Ho_Chi_Minh. */
  hour: number;
}

export function localTime(instant: string | Date): LocalTime {
  // The business day's one implementation (@marketqr/contracts), so a payment falls on the same day here as in the
  // ledger and settlement.
  return { day: businessDayOf(instant), hour: businessHourOf(instant) };
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** A real calendar day written `YYYY-MM-DD` (2025-02-30 is not). */
export function isDay(value: string): boolean {
  const m = DAY_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

const toUtc = (day: string) => Date.parse(`${day}T00:00:00Z`);
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const addDays = (day: string, n: number): string => fromUtc(toUtc(day) + n * MS_PER_DAY);

/** Days from `from` to `to`, both included (1 for one day). */
export const dayCount = (from: string, to: string): number => Math.round((toUtc(to) - toUtc(from)) / MS_PER_DAY) + 1;

export function eachDay(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** 1 = Monday … 7 = Sunday (ISO), for a calendar day. */
export const isoWeekday = (day: string): number => ((new Date(toUtc(day)).getUTCDay() + 6) % 7) + 1;

export const hourKey = (hour: number): string => `h${String(hour).padStart(2, '0')}`;
