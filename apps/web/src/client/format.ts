/** Money, dates and times as people in Vietnam read them; every date is in Asia/Ho_Chi_Minh whatever the phone says. */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** `50.000 ₫`: dots between thousands, a no-break space, the đồng sign. Integers only (VND has no minor unit). */
export function formatVnd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(Math.round(amount)));
  return `${sign}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.')}\u00a0₫`;
}

/** `12.345` (counts). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** `42,5 %` in Vietnamese, `42.5%` in English. `ratio` is 0–1. */
export function formatPercent(ratio: number, lang: 'vi' | 'en'): string {
  const v = Math.round(ratio * 1000) / 10;
  return lang === 'vi' ? `${String(v).replace('.', ',')}\u00a0%` : `${v}%`;
}

const parts = (d: Date, opts: Intl.DateTimeFormatOptions) => {
  const out: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, ...opts }).formatToParts(d)) {
    out[p.type] = p.value;
  }
  return out;
};

/** `14:05` in Vietnam. */
export function formatTime(at: string | Date): string {
  const p = parts(new Date(at), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${p.hour}:${p.minute}`;
}

/** `27/11/2026` (day first, as in Vietnam) from an instant or a `YYYY-MM-DD` business day. */
export function formatDate(at: string | Date): string {
  if (typeof at === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(at)) {
    const [y, m, d] = at.split('-');
    return `${d}/${m}/${y}`;
  }
  const p = parts(new Date(at), { day: '2-digit', month: '2-digit', year: 'numeric' });
  return `${p.day}/${p.month}/${p.year}`;
}

/** `27/11/2026 14:05`. */
export function formatDateTime(at: string | Date): string {
  return `${formatDate(at)} ${formatTime(at)}`;
}

/** The business day (`YYYY-MM-DD`) in Vietnam at an instant. */
export function businessDay(at: Date = new Date()): string {
  const p = parts(at, { day: '2-digit', month: '2-digit', year: 'numeric' });
  return `${p.year}-${p.month}-${p.day}`;
}

/** `27/11` for chart axes. */
export function formatDayShort(day: string): string {
  const m = /^\d{4}-(\d{2})-(\d{2})/.exec(day);
  return m ? `${m[2]}/${m[1]}` : day;
}

/** `4:59` for a countdown of seconds. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
