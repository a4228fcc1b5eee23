import { hourKey } from './time';

/**
 * The stopped-payments rule. A fake QR stuck over a stall's poster diverts its shoppers' money: the stall's payments
 * stop while its trading hours go by. So each stall's usual hours are learned from its own history, and a stall whose
 * last few usual hours passed today without a single payment is worth a manager's walk to check the poster.
 */

/** Hours (0–23) in which the stall had ≥ 1 payment on at least `minDays` of the given days. */
export function learnUsualHours(history: { hours?: Record<string, number> }[], minDays: number): number[] {
  const daysWith = Array.from({ length: 24 }, () => 0);
  for (const day of history) for (let h = 0; h < 24; h++) if ((day.hours?.[hourKey(h)] ?? 0) > 0) daysWith[h]!++;
  return daysWith.flatMap((n, h) => (n >= minDays ? [h] : []));
}

export interface StoppedWindow {
  /** The first of the silent usual hours: payments are watched from its start. */
  startHour: number;
  silentHours: number[];
}

/**
 * Whether the last `consecutive` usual hours that have fully passed today (hour h has passed once the clock reads
 * h+1:00 or later) went by with no payment, and none came since (up to and including the current hour).
 */
export function stoppedWindow(
  usualHours: number[],
  today: Record<string, number> | undefined,
  currentHour: number,
  consecutive: number,
): StoppedWindow | null {
  const passed = [...usualHours].sort((a, b) => a - b).filter((h) => h < currentHour);
  if (consecutive < 1 || passed.length < consecutive) return null;
  const silentHours = passed.slice(-consecutive);
  const startHour = silentHours[0]!;
  for (let h = startHour; h <= currentHour && h < 24; h++) if ((today?.[hourKey(h)] ?? 0) > 0) return null;
  return { startHour, silentHours };
}
