/**
 * The business day: the one calendar every service books, settles, counts and shows money by. It is the wall-clock
 * day in Asia/Ho_Chi_Minh of an instant. Vietnam has kept UTC+7 all year since 1975 (no daylight saving), so the
 * arithmetic is a fixed offset: exact, the same on every host whatever its time-zone data, and cheap enough for hot
 * paths. Every service imports it from here; events carry the day the ledger decided (`businessDay`), and consumers
 * use that rather than deriving their own from another instant.
 */
export const BUSINESS_TIME_ZONE = 'Asia/Ho_Chi_Minh';
export const BUSINESS_UTC_OFFSET = '+07:00';
const OFFSET_MS = 7 * 3_600_000;

/** `YYYY-MM-DD`: the calendar day in Asia/Ho_Chi_Minh at `at`. */
export function businessDayOf(at: Date | string): string {
  return new Date(toMs(at) + OFFSET_MS).toISOString().slice(0, 10);
}

/** 0–23: the hour of the day in Asia/Ho_Chi_Minh at `at`. */
export function businessHourOf(at: Date | string): number {
  return new Date(toMs(at) + OFFSET_MS).getUTCHours();
}

/**
 * `YYYY-MM-DD HH:MM:SS`: the wall-clock time in Asia/Ho_Chi_Minh at `at`, as people in Vietnam read it and as a
 * spreadsheet takes it for a date and time (an ISO instant in UTC reads seven hours off, and Excel keeps it as text).
 */
export function businessDateTimeOf(at: Date | string): string {
  return new Date(toMs(at) + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The instant a business day reaches a wall-clock time `HH:MM` (a cut-off): `<day>T<HH:MM>:00+07:00`. */
export function businessInstant(day: string, time = '00:00'): Date {
  return new Date(`${day}T${time}:00${BUSINESS_UTC_OFFSET}`);
}

/** A real calendar day written `YYYY-MM-DD` (2025-02-30 is not). */
export function isBusinessDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(day);
}

/** The day `n` days after `day` (before, when negative). */
export function addBusinessDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function toMs(at: Date | string): number {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${String(at)}`);
  return ms;
}
