import {
  addBusinessDays,
  businessDayOf,
  businessInstant,
  BUSINESS_TIME_ZONE,
  isBusinessDay,
} from '@marketqr/contracts';

/**
 * Business days and cut-offs are in Asia/Ho_Chi_Minh (docs/design.md), whatever the host's time zone: the day
 * arithmetic is @marketqr/contracts' (one implementation for every service); what is settlement's own is the cut-off.
 */
export const TIME_ZONE = BUSINESS_TIME_ZONE;
export { businessDayOf, isBusinessDay };
export const addDays = addBusinessDays;

/** A cut-off time of day, `HH:MM` (24 h). */
export function parseCutoff(text: string): { hours: number; minutes: number } | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? { hours: Number(m[1]), minutes: Number(m[2]) } : undefined;
}

/** The instant a business day is cut off. */
export function cutoffInstant(day: string, cutoff: string): Date {
  return businessInstant(day, cutoff);
}

/**
 * The latest business day whose cut-off has passed at `now`: today once today's cut-off time is reached, otherwise
 * yesterday. The scheduler closes days up to and including this one.
 */
export function dueDay(now: Date, cutoff: string): string {
  const today = businessDayOf(now);
  return now.getTime() >= cutoffInstant(today, cutoff).getTime() ? today : addDays(today, -1);
}
