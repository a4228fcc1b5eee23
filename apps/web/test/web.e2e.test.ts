/**
 * The web app in a real headless Chromium against the whole running system (bank simulator, five services, web
 * server: each its own process) with the demo market seeded:
 * - a vendor makes a dynamic QR on the keypad; a shopper picks its image, sees the genuine check and pays it through
 *   the bank simulator; the vendor's live feed shows the payment and says it aloud in Vietnamese;
 * - a fake QR gets the red warning;
 * - the manager's dashboard shows the numbers market-insights answers, and the approval queue its pending stalls;
 * - every page fits a phone (390 × 844): no horizontal scroll, the key buttons on screen;
 * - the language switch is remembered.
 * Screenshots are kept in test-results/web/.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor, waitForProgress } from '@marketqr/test-harness';
import { encodeVietQr } from '@marketqr/vietqr';
import { formatPercent, formatVnd } from '../src/client/format';
import { loadDashboard } from '../src/client/pages/manager';
import { ARTEFACTS, horizontalOverflow, launch, phone, shot, spoken } from './support/browser';
import { json, startStack, type Stack } from './support/stack';

// Starting the whole system (seven processes, the demo seed) and a browser is one hook: on a busy 2-core machine it
// can take minutes, so this file's limit is above the stack's own deadlines (the seed's 480 s, each process's 60 s).
jest.setTimeout(900_000);

let stack: Stack;
let browser: Browser;
let vendorCtx: BrowserContext;
let vendor: Page;
let managerToken: string;
const VENDOR = { phone: '0914270000', pin: '246810', name: 'Nguyễn Thị Hoa', stall: 'A-01' };

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
  managerToken = (
    await json('POST', `${stack.urls.onboarding}/auth/login`, { username: 'bql.nenh', password: 'cho-nenh-2026' })
  ).token;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function login(page: Page, role: 'vendor' | 'manager', username: string, password: string) {
  await page.goto(`${stack.urls.web}/login?role=${role}`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(role === 'vendor' ? '**/vendor' : '**/manager');
}

test('the seed printed the demo logins', () => {
  expect(stack.logins).toContain('manager: bql.nenh / cho-nenh-2026');
  expect(stack.logins).toContain(`vendor:  ${VENDOR.phone} / PIN ${VENDOR.pin}`);
});

test('a shopper pays the vendor’s dynamic QR; the vendor’s feed shows it and says it in Vietnamese', async () => {
  vendorCtx = await phone(browser);
  vendor = await vendorCtx.newPage();
  await login(vendor, 'vendor', VENDOR.phone, VENDOR.pin);
  await vendor.getByText(`Sạp ${VENDOR.stall}`).first().waitFor();
  await vendor.locator('.dot.live').waitFor();
  await shot(vendor, '01-vendor-keypad');

  for (const key of ['5', '0', '000']) await vendor.click(`button[data-key="${key}"]`);
  await expect(vendor.textContent('[data-testid=amount-display]')).resolves.toBe('50.000\u00a0₫');
  await vendor.click('[data-testid=make-qr]');
  const img = vendor.locator('[data-testid=qr-image]');
  await img.waitFor();
  await expect(vendor.textContent('[data-testid=qr-amount]')).resolves.toBe('50.000\u00a0₫');
  await expect(vendor.textContent('[data-testid=qr-countdown]')).resolves.toMatch(/Hết hạn sau \d+:\d\d/);
  await shot(vendor, '02-vendor-dynamic-qr');
  // The vendor's screen shows the SVG the issuing answer carried; the shopper photographs it: here, its PNG, fetched
  // through the proxy as a link to it would be.
  expect(await img.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
  const vendorToken = (
    await json('POST', `${stack.urls.onboarding}/auth/login`, { username: VENDOR.phone, password: VENDOR.pin })
  ).token as string;
  const pngRes = await fetch(
    `${stack.urls.web}/api/qr/qr/${await img.getAttribute('data-qr-id')}/image.png?access_token=${vendorToken}`,
  );
  expect(pngRes.headers.get('content-type')).toBe('image/png');
  const png = resolve(ARTEFACTS, 'dynamic-qr.png');
  writeFileSync(png, Buffer.from(await pngRes.arrayBuffer()));

  const shopperCtx = await phone(browser);
  const shopper = await shopperCtx.newPage();
  await shopper.goto(`${stack.urls.web}/shopper`);
  await shot(shopper, '03-shopper-scan');
  await shopper.setInputFiles('[data-testid=qr-file]', png);
  const verdict = shopper.locator('[data-testid=verdict]');
  await verdict.waitFor();
  await expect(verdict.getAttribute('data-verdict')).resolves.toBe('GENUINE');
  await expect(shopper.textContent('[data-testid=payee]')).resolves.toBe(VENDOR.name);
  await shot(shopper, '04-shopper-confirm');
  await shopper.click('[data-testid=pay]');
  await shopper.locator('[data-testid=paid]').waitFor();
  await expect(shopper.textContent('[data-testid=paid]')).resolves.toContain('50.000\u00a0₫');
  await shot(shopper, '05-shopper-paid');

  // shopper app → simulator → signed webhook → ledger → SSE through the web proxy → the vendor's phone
  await waitFor(async () => (await spoken(vendor)).some((u) => u.text === 'Đã nhận năm mươi nghìn đồng'), {
    what: 'the vendor’s phone to announce the payment',
  });
  const said = (await spoken(vendor)).find((u) => u.text === 'Đã nhận năm mươi nghìn đồng')!;
  expect(said.lang).toBe('vi-VN');
  expect(said.text).toBe(said.text.normalize('NFC'));
  await vendor.locator('.qr-paid').waitFor();
  await shot(vendor, '06-vendor-paid');
  await vendor.click('[data-testid=qr-close]');
  await vendor.click('button[data-tab=feed]');
  await expect(vendor.locator('[data-testid=payments] li').first().textContent()).resolves.toContain('50.000\u00a0₫');
  await expect(vendor.textContent('[data-testid=today-amount]')).resolves.toBe('50.000\u00a0₫');
  await shot(vendor, '07-vendor-feed');
  // Said once, even though the list loaded with the page and the stream both know the payment.
  expect((await spoken(vendor)).filter((u) => u.text.startsWith('Đã nhận')).length).toBe(1);
  await shopperCtx.close();
});

test('a fake QR (an account that is none of the market’s stalls) gets the red warning', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await page.goto(`${stack.urls.web}/shopper`);
  const fake = encodeVietQr({ bin: '970436', accountNumber: '0123456789', merchantName: 'NGUYEN THI HOA' });
  await page.click('details summary');
  await page.fill('[data-testid=qr-text]', fake);
  await page.click('[data-testid=check-text]');
  const verdict = page.locator('[data-testid=verdict]');
  await verdict.waitFor();
  await expect(verdict.getAttribute('data-verdict')).resolves.toBe('UNKNOWN_ACCOUNT');
  await expect(verdict.textContent()).resolves.toContain('CẢNH BÁO');
  expect(await verdict.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(185, 28, 28)');
  await expect(page.isDisabled('[data-testid=pay]')).resolves.toBe(true);
  await shot(page, '08-shopper-fake');
  await ctx.close();
});

test('the manager’s dashboard shows what market-insights answers; the approval queue lists the waiting stalls', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  // market-insights builds its read model from the events: wait until it has seen the seed and the payment.
  const load = () => withFetchToken(managerToken, stack.urls.insights, () => loadDashboard('cho-nenh'));
  // It gives up only when the count stops moving for a minute: a busy machine makes this slower, not red.
  await waitForProgress(
    async () => {
      const d = await load().catch(() => null);
      return d ? Math.min(d.activeStalls ?? 0, 44) + Math.min(d.paymentsToday ?? 0, 1) : 0;
    },
    45,
    { what: 'market-insights to count the 44 active stalls and the payment' },
  );
  expect((await load()).activeStalls).toBe(44);
  await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
  await page.locator('[data-testid=kpis]').waitFor();
  // The same numbers, read from the service directly (same adapter, node's fetch with the manager's token).
  const expected = await load();
  const kpi = (id: string) => page.textContent(`[data-kpi=${id}] .kpi-value`);
  await expect(kpi('active')).resolves.toBe(String(expected.activeStalls));
  await expect(kpi('payments')).resolves.toBe(String(expected.paymentsToday));
  await expect(kpi('amount')).resolves.toBe(formatVnd(expected.amountToday!));
  await expect(kpi('adoption')).resolves.toBe(formatPercent(expected.adoptionRate!, 'vi'));
  await expect(page.locator('svg.chart').count()).resolves.toBeGreaterThan(0);
  await shot(page, '09-manager-dashboard');
  // The CSV links reach market-insights through the proxy, the token in the link.
  const csv = await fetch(`${stack.urls.web}${await page.getAttribute('[data-testid=csv-daily]', 'href')}`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(await csv.text()).toContain('paymentCount');

  await page.click('button[data-tab=approvals]');
  const queue = page.locator('[data-testid=approval-queue]');
  await queue.waitFor();
  const text = await queue.textContent();
  for (const code of ['A-12', 'B-10', 'C-07', 'E-09']) expect(text).toContain(code);
  await expect(queue.locator('.card.warn').textContent()).resolves.toContain('Nguyễn Thị Lan Anh');
  await shot(page, '10-manager-approvals');
  expect(await horizontalOverflow(page)).toBe(0);

  // Approving one takes it off the queue.
  await queue.locator('[data-stall-id]').filter({ hasText: 'A-12' }).locator('[data-action=approve]').click();
  await waitFor(async () => !(await queue.textContent())?.includes('A-12'), { what: 'A-12 to leave the queue' });
  await ctx.close();
});

test('the vendor opens the stall poster (PDF through the proxy, with the token in the link)', async () => {
  await vendor.click('button[data-tab=poster]');
  const pdf = vendor.locator('[data-testid=poster-pdf]');
  await pdf.waitFor();
  const href = (await pdf.getAttribute('href'))!;
  expect(href).toMatch(/^\/api\/qr\/qr\/[^/]+\/poster\.pdf\?size=A6&access_token=/);
  const res = await fetch(`${stack.urls.web}${href}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(
    Buffer.from(await res.arrayBuffer())
      .subarray(0, 5)
      .toString(),
  ).toBe('%PDF-');
  await vendor
    .locator('img.poster-preview')
    .evaluate((img: HTMLImageElement) =>
      img.complete && img.naturalWidth > 0 ? null : new Promise((r) => img.addEventListener('load', r, { once: true })),
    );
  await shot(vendor, '13-vendor-poster');
});

test('a payment to the market’s collection account waits in suspense until the manager moves it to a stall', async () => {
  await json('POST', `${stack.urls.bank}/__admin/incoming-transfers`, {
    toAccount: '2150008686',
    amount: 35_000,
    description: 'chuyen tien rau',
  });
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
  await page.click('button[data-tab=suspense]');
  const card = page.locator('[data-testid=suspense] li').filter({ hasText: '35.000\u00a0₫' });
  await waitFor(
    async () => {
      if ((await card.count()) > 0) return true;
      await page.click('button[data-tab=suspense]');
      await page.waitForTimeout(1_000);
      return false;
    },
    { timeoutMs: 180_000, what: 'the payment to show in suspense' },
  );
  await shot(page, '14-manager-suspense');
  const option = await card.locator('select option').filter({ hasText: 'A-03' }).getAttribute('value');
  const paymentId = (await card.getAttribute('data-payment-id'))!;
  await card.locator('select').selectOption(option!);
  await card.locator('button[type=submit]').click();
  // What matters is the ledger's state, then the page showing it; the toast that says so comes and goes, and a busy
  // machine can hide it before anyone looks.
  await waitFor(
    async () => {
      const p = await json(
        'GET',
        `${stack.urls.ledger}/payments/${encodeURIComponent(paymentId)}`,
        undefined,
        managerToken,
      );
      return p.holderMerchantId === option;
    },
    { timeoutMs: 180_000, what: 'the ledger to hold the payment for A-03' },
  );
  await waitFor(
    async () => (await page.locator('[data-testid=suspense] li').filter({ hasText: '35.000\u00a0₫' }).count()) === 0,
    { what: 'the payment to leave suspense' },
  );
  // Today's reconciliation counts the credits the bank booked, the moved one among them.
  // Opening the tab asks settlement once; on a loaded machine its answer can come late (it reads the bank's statement),
  // so open the tab again until the summary is there, as a manager would.
  const summary = page.locator('[data-testid=reconciliation]');
  await waitFor(
    async () => {
      await page.click('button[data-tab=settlement]');
      return summary.waitFor({ timeout: 15_000 }).then(
        () => true,
        () => false,
      );
    },
    { timeoutMs: 60_000, what: 'the reconciliation summary' },
  );
  await shot(page, '15-manager-settlement');
  await ctx.close();
});

test('every page fits a phone: no horizontal scroll, the key buttons on screen', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  for (const [path, key] of [
    ['/', '.choice'],
    ['/login?role=vendor', 'button[type=submit]'],
    ['/shopper', '[data-testid=scan]'],
  ] as const) {
    await page.goto(`${stack.urls.web}${path}`);
    await page.locator(key).first().waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await page.locator(key).first().isVisible()).toBe(true);
    const box = (await page.locator(key).first().boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
  }
  await shot(page, '11-home');
  // The vendor's page from the earlier test: the keypad and the tabs on one screen.
  await vendor.click('button[data-tab=sell]');
  expect(await horizontalOverflow(vendor)).toBe(0);
  for (const sel of ['[data-testid=make-qr]', 'button[data-key="0"]', 'button[data-tab=feed]']) {
    const box = (await vendor.locator(sel).boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(box.height).toBeGreaterThanOrEqual(44);
  }
  await ctx.close();
});

test('the language switch changes every string and is remembered', async () => {
  await vendor.click('[data-testid=lang-toggle]');
  await expect(vendor.getAttribute('html', 'lang')).resolves.toBe('en');
  await expect(vendor.textContent('[data-testid=make-qr]')).resolves.toBe('Make QR code');
  await vendor.reload();
  await vendor.locator('[data-testid=make-qr]').waitFor();
  await expect(vendor.getAttribute('html', 'lang')).resolves.toBe('en');
  await shot(vendor, '12-vendor-english');
  await vendor.click('[data-testid=lang-toggle]');
  await expect(vendor.getAttribute('html', 'lang')).resolves.toBe('vi');
  await expect(vendor.textContent('[data-testid=make-qr]')).resolves.toBe('Tạo mã QR');
  await vendorCtx.close();
});

/** Runs browser code that calls `/api/insights/…` in node, against the service, with the token. */
async function withFetchToken<T>(token: string, insightsUrl: string, fn: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  const g = globalThis as unknown as Record<string, unknown>;
  g.localStorage = {
    getItem: () => JSON.stringify({ token, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: {} }),
    removeItem: () => undefined,
  };
  globalThis.fetch = ((url: string, init?: RequestInit) =>
    realFetch(String(url).replace(/^\/api\/insights/, insightsUrl), init)) as typeof fetch;
  try {
    return await fn();
  } finally {
    globalThis.fetch = realFetch;
    delete g.localStorage;
  }
}
