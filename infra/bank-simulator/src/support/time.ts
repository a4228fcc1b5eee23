/** Business days and cut-offs are in Asia/Ho_Chi_Minh, whatever the host's time zone. */
export const BANK_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: BANK_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `YYYY-MM-DD` of the instant in Vietnam. */
export function businessDayOf(at: Date): string {
  return dayFormat.format(at);
}

export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(day);
}

/**
 * `YYYY-MM-DD HH:mm:ss` of the instant in Vietnam, the form SePay and Casso put in their notifications. Vietnam has
 * been UTC+7 all year round since 1975 (no daylight saving), so a fixed offset is exact and needs no time-zone data.
 */
export function vnDateTime(at: Date): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}
