/**
 * Business days and cut-offs are in Asia/Ho_Chi_Minh (DESIGN.md), whatever the host's time zone. Vietnam has kept
 * UTC+7 without daylight saving since 1975, so a cut-off instant is `<day>T<HH:MM>:00+07:00`; the calendar day of an
 * instant still goes through Intl so a host with a stale tz database gives the same answer as the bank.
 */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const OFFSET = '+07:00';

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `YYYY-MM-DD` of an instant in Vietnam. */
export function businessDayOf(at: Date): string {
  return dayFormat.format(at);
}

export function isBusinessDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(day);
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A cut-off time of day, `HH:MM` (24 h). */
export function parseCutoff(text: string): { hours: number; minutes: number } | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? { hours: Number(m[1]), minutes: Number(m[2]) } : undefined;
}

/** The instant a business day is cut off. */
export function cutoffInstant(day: string, cutoff: string): Date {
  return new Date(`${day}T${cutoff}:00${OFFSET}`);
}

/**
 * The latest business day whose cut-off has passed at `now`: today once today's cut-off time is reached, otherwise
 * yesterday. The scheduler closes days up to and including this one.
 */
export function dueDay(now: Date, cutoff: string): string {
  const today = businessDayOf(now);
  return now.getTime() >= cutoffInstant(today, cutoff).getTime() ? today : addDays(today, -1);
}
