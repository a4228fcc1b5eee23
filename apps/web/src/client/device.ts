/**
 * What the vendor's phone itself can do for a sale: keep the screen on while a QR is shown, and buzz when money comes.
 * Both are optional features of the browser: where missing (iOS before 16.4, a desktop) or refused (battery saver),
 * nothing is shown and nothing fails.
 */

/**
 * Keeps the screen awake while `hold()`-ed: a shopper scanning a QR that went dark mid-scan has to wait for the vendor
 * to unlock the phone. The browser drops the lock whenever the page is hidden (another app, the screen locked by
 * hand); it is taken again when the page is visible again, for as long as it is wanted.
 */
export class ScreenWake {
  private sentinel: WakeLockSentinel | null = null;
  private pending: Promise<void> | null = null;
  private wanted = false;

  constructor() {
    document.addEventListener('visibilitychange', () => {
      if (this.wanted && document.visibilityState === 'visible') void this.acquire();
    });
  }

  /** Keep the screen on (again) if `on`, let it sleep if not; repeated calls are cheap. */
  set(on: boolean): void {
    if (on === this.wanted) return;
    this.wanted = on;
    if (on) void this.acquire();
    else this.release();
  }

  private acquire(): Promise<void> {
    if (this.pending) return this.pending;
    if (this.sentinel && !this.sentinel.released) return Promise.resolve();
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible') return Promise.resolve();
    this.pending = navigator.wakeLock
      .request('screen')
      .then((s) => {
        // Closed while the request was on its way: let go at once.
        if (!this.wanted) return void s.release().catch(() => undefined);
        this.sentinel = s;
        s.addEventListener('release', () => {
          if (this.sentinel === s) this.sentinel = null;
        });
      })
      .catch(() => undefined) // refused (battery saver, a policy): the screen may dim, as it did before
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  private release(): void {
    const s = this.sentinel;
    this.sentinel = null;
    if (s && !s.released) void s.release().catch(() => undefined);
  }
}

/** One short buzz: paid as asked. */
export const BUZZ_PAID = [200];
/** Three long buzzes: a payment that is not what the QR asked (too little, too much, twice): look at the screen. */
export const BUZZ_CHECK = [400, 150, 400, 150, 400];

/** Buzzes the phone, where it can (Android browsers; not iOS Safari), after the page has been touched once. */
export function buzz(pattern: number[]): void {
  if (typeof navigator.vibrate !== 'function') return;
  try {
    navigator.vibrate(pattern);
  } catch {
    // Some browsers throw instead of returning false before the first touch: nothing to do about it.
  }
}
