import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '@marketqr/test-harness';

/** Debian's Chromium (scripts/ensure-chromium.sh installs it); never a browser downloaded by Playwright. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTEFACTS = resolve(repoRoot, 'test-results/web');

/** `args`: more Chromium switches (a fake camera: --use-file-for-fake-video-capture and its companions). */
export async function launch(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
  mkdirSync(ARTEFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}

/** A phone: 390 × 844 CSS pixels unless told (a small one is 360 × 640), touch, Vietnamese locale and time zone. */
export async function phone(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 390, height: 844 },
): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  // Playwright's 30 s default is sized for a quiet machine; waits end as soon as the page is there, so a longer limit
  // only matters to a test that is failing anyway. Above the test stack's proxy limit (240 s): an answer that comes
  // late still comes, on a machine whose two cores are busy with something else.
  ctx.setDefaultTimeout(300_000);
  ctx.setDefaultNavigationTimeout(300_000);
  // Speech synthesis is recorded, not spoken: the test reads what would have been said.
  await ctx.addInitScript(() => {
    const w = window as unknown as { __spoken: { text: string; lang: string }[] };
    w.__spoken = [];
    if ('speechSynthesis' in window) {
      window.speechSynthesis.speak = (u: SpeechSynthesisUtterance) => {
        w.__spoken.push({ text: u.text, lang: u.lang });
      };
    }
  });
  return ctx;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(ARTEFACTS, `${name}.png`), fullPage: true });
}

/** No horizontal scrolling at a phone's width. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export async function spoken(page: Page): Promise<{ text: string; lang: string }[]> {
  return page.evaluate(() => (window as unknown as { __spoken: { text: string; lang: string }[] }).__spoken);
}

/** Holds the page's requests matching `url` until `release()` (a slow server, deterministically): they then go on. */
export async function holdRequests(page: Page, url: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}
