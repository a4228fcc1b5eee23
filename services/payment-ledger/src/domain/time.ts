import { businessDayOf } from '@marketqr/contracts';

/**
 * Vietnam keeps UTC+7 all year (no daylight saving): banks' local times are read with a fixed offset. The business
 * day itself is @marketqr/contracts' `businessDayOf`, the one every service uses.
 */
const OFFSET_MS = 7 * 3_600_000;

export { businessDayOf };

/**
 * A bank's local time: `2025-03-01 14:02:37` (SePay, Casso) is Asia/Ho_Chi_Minh wall time; an ISO 8601 string with
 * an offset or `Z` is taken as it is. Undefined for anything else, so a malformed date is a malformed notification.
 */
export function parseBankTime(value: string): Date | undefined {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value.trim());
  if (local) {
    const [, y, mo, d, h, mi, s, ms] = local;
    const utc = Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(s ?? 0),
      Number((ms ?? '0').padEnd(3, '0')),
    );
    const date = new Date(utc - OFFSET_MS);
    // Date.UTC rolls 2025-02-30 over to March: refuse instead of guessing.
    return businessDayOf(date) === `${y}-${mo}-${d}` ? date : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value.trim())) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  return undefined;
}
