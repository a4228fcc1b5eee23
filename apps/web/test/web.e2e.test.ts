/**
 * The web app in a real headless Chromium against the whole running system (bank simulator, five services, web
 * server: each its own process) with the demo market seeded:
 * - a vendor makes a dynamic QR on the keypad; a shopper picks its image, sees the genuine check and pays it through
 *   the bank simulator; the vendor's live feed shows the payment and says it aloud in Vietnamese;
 * - a fake QR gets the red warning;
 * - the manager's dashboard shows the numbers market-insights answers, and the approval queue its pending stalls;
 * - every page fits a phone (390 × 844): no horizontal scroll, the key buttons on screen;
 * - the language switch is remembered;
 * - a damaged photo of a stall's poster, picked from the gallery or seen by a (fake) live camera, reaches the genuine
 *   check, with the QR reader's WebAssembly served by the web app itself.
 * Screenshots are kept in test-results/web/.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import jsQR from 'jsqr';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { waitFor, waitForProgress } from '@marketqr/test-harness';
import { encodeVietQr } from '@marketqr/vietqr';
import { businessDay, formatPercent, formatVnd } from '../src/client/format';
import { DICTIONARIES } from '../src/client/i18n';
import { DASHBOARD_REFRESH_MS, lastMonth, loadDashboard } from '../src/client/pages/manager';
import { photoOf } from '../../../services/qr-generation/src/genuine-check/photo-set';
import { ARTEFACTS, holdRequests, horizontalOverflow, launch, phone, shot, spoken } from './support/browser';
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
  const issuing = vendor.waitForResponse((r) => r.url().endsWith('/qr/dynamic') && r.request().method() === 'POST');
  await vendor.click('[data-testid=make-qr]');
  const issued = (await (await issuing).json()) as { qr: { payload: string }; image?: unknown };
  const img = vendor.locator('[data-testid=qr-image]');
  await img.waitFor();
  await expect(vendor.textContent('[data-testid=qr-amount]')).resolves.toBe('50.000\u00a0₫');
  await expect(vendor.textContent('[data-testid=qr-countdown]')).resolves.toMatch(/Hết hạn sau \d+:\d\d/);
  await shot(vendor, '02-vendor-dynamic-qr');
  // The answer carries the payload and no image: the phone draws the QR itself, and what it drew reads back as the
  // payload issued. The shopper photographs it: here, its PNG, fetched through the proxy as a link to it would be.
  expect(issued.image).toBeUndefined();
  expect(await img.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,/);
  expect(await readShownQr(img)).toBe(issued.qr.payload);
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

  // The same code scanned again (a second shopper, or the first one unsure it went through): it says when it was
  // paid and offers no way to pay it again.
  await shopper.click('[data-testid=again]');
  await shopper.setInputFiles('[data-testid=qr-file]', png);
  const already = shopper.locator('[data-testid=already-paid]');
  await already.waitFor();
  await expect(already.textContent()).resolves.toMatch(/Mã này đã được thanh toán lúc \d\d:\d\d/);
  await expect(shopper.locator('[data-testid=pay], [data-testid=pay-anyway]').count()).resolves.toBe(0);
  await shot(shopper, '05b-shopper-already-paid');
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

test('a sticker copying A-01 but paying another account: the shopper is told, the board gets one alert with every scan', async () => {
  const sticker = encodeVietQr({
    bin: '970436',
    accountNumber: '0123456789',
    merchantName: 'NGUYEN THI HOA',
    purpose: VENDOR.stall,
  });
  const ctx = await phone(browser, { width: 360, height: 640 });
  const page = await ctx.newPage();
  for (let scan = 0; scan < 5; scan++) {
    await page.goto(`${stack.urls.web}/shopper`);
    await page.click('details summary');
    await page.fill('[data-testid=qr-text]', sticker);
    await page.click('[data-testid=check-text]');
    const verdict = page.locator('[data-testid=verdict]');
    await verdict.waitFor();
    await expect(verdict.textContent()).resolves.toContain(`nhái sạp ${VENDOR.stall}`);
    await expect(page.isDisabled('[data-testid=pay]')).resolves.toBe(true);
  }
  await shot(page, '21-shopper-sticker');
  // The last shopper also reports it from the warning: once, however often the button is pressed.
  await page.click('[data-testid=report]');
  await expect(page.locator('[data-testid=reported]').textContent()).resolves.toBe(
    'Đã báo ban quản lý chợ. Cảm ơn bạn!',
  );
  await expect(page.locator('[data-testid=report]').count()).resolves.toBe(0);
  await shot(page, '21b-shopper-reported');
  await ctx.close();

  // The board: one urgent alert for A-01 with the account the money would go to and all five scans.
  const manager = await (await phone(browser, { width: 1366, height: 768 })).newPage();
  await login(manager, 'manager', 'bql.nenh', 'cho-nenh-2026');
  const card = manager.locator('[data-testid=alerts] li').filter({ hasText: `Mã QR giả nhái sạp ${VENDOR.stall}` });
  await waitFor(
    async () => {
      await manager.click('button[data-tab=alerts]');
      await manager.locator('[data-testid=alerts], .muted.card').first().waitFor();
      return (await card.count()) === 1 && ((await card.textContent()) ?? '').includes('Bị quét 5 lần');
    },
    { timeoutMs: 180_000, what: 'one fake-QR alert counting five scans' },
  );
  await expect(card.textContent()).resolves.toContain('0123456789 · Vietcombank');
  await expect(card.locator('.pill').first().textContent()).resolves.toBe('Khẩn');
  await card.getByText('Xem chi tiết').click();
  await manager.waitForURL('**/manager/alerts/al_*');
  await manager.locator('[data-testid=alerts] li.focus').waitFor();
  await expect(manager.locator('li.focus').textContent()).resolves.toContain(`Mã QR giả nhái sạp ${VENDOR.stall}`);
  await shot(manager, '22-manager-fake-qr-alert');
  // The shopper's report is an urgent alert of its own, with the account and the time of the report.
  await manager.goto(`${stack.urls.web}/manager`);
  const reportCard = manager
    .locator('[data-testid=alerts] li')
    .filter({ hasText: `Khách báo mã QR giả tại sạp ${VENDOR.stall}` });
  await waitFor(
    async () => {
      await manager.click('button[data-tab=alerts]');
      await manager.locator('[data-testid=alerts], .muted.card').first().waitFor();
      return (await reportCard.count()) === 1;
    },
    { timeoutMs: 180_000, what: 'the shopper’s report on the board' },
  );
  await expect(reportCard.textContent()).resolves.toContain('Khách báo 1 lần');
  await expect(reportCard.textContent()).resolves.toContain('0123456789 · Vietcombank');
  await expect(reportCard.locator('.pill').first().textContent()).resolves.toBe('Khẩn');
  await shot(manager, '22b-manager-reported-qr');
  await manager.context().close();
});

test('a QR that is not a bank payment (a web link) is refused plainly in Vietnamese, never offered for payment', async () => {
  for (const viewport of [
    { width: 360, height: 640 },
    { width: 1366, height: 768 },
  ]) {
    const ctx = await phone(browser, viewport);
    const page = await ctx.newPage();
    await page.goto(`${stack.urls.web}/shopper`);
    await page.click('details summary');
    await page.fill('[data-testid=qr-text]', 'https://khuyen-mai-cho.example/nhan-qua?ref=A-01');
    await page.click('[data-testid=check-text]');
    const refused = page.locator('[data-testid=not-bank]');
    await refused.waitFor();
    const text = (await refused.textContent()) ?? '';
    expect(text).toContain('Đây không phải mã thanh toán ngân hàng');
    expect(text).toContain('khuyen-mai-cho.example');
    // Nothing to pay with, nothing in English.
    await expect(page.locator('[data-testid=pay], [data-testid=pay-anyway], #amount').count()).resolves.toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(/\b(error|not|payment|invalid)\b/i);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, `30-shopper-web-link-${viewport.width}`);
    await ctx.close();
  }
});

test('a slow dashboard answer never paints over the tab the manager switched to', async () => {
  const ctx = await phone(browser, { width: 1366, height: 768 });
  const page = await ctx.newPage();
  // Hold every statistics answer until the manager is on another tab.
  const release = await holdRequests(page, '**/api/insights/markets/*/stats/**');
  await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
  await page.click('button[data-tab=suspense]');
  // The suspense tab's own answer is in (its intro line comes with it), while the dashboard's is still held.
  await page.getByText(DICTIONARIES.vi['suspense.hint']).waitFor();
  const suspenseHtml = await page.locator('main.page').innerHTML();
  release();
  // Every held answer delivered and the page done with them; the tab still shows what it showed.
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  await expect(page.locator('[data-testid=kpis]').count()).resolves.toBe(0);
  await expect(page.locator('main.page').innerHTML()).resolves.toBe(suspenseHtml);
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
  expect(await csv.text()).toContain('Số giao dịch');

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
  // Nothing typed for the manager: the reason starts empty, and a move asks for confirmation first.
  await expect(card.locator('input[name=reason]').inputValue()).resolves.toBe('');
  await card.locator('select').selectOption(option!);
  await card.locator('input[name=reason]').fill('Đã gọi sạp A-03, khách xác nhận chuyển nhầm');
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (d) => {
      resolve(d.message());
      void d.accept();
    }),
  );
  await card.locator('button[type=submit]').click();
  await expect(asked).resolves.toContain('35.000\u00a0₫');
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

test('a vendor on a 360 × 640 phone: loading before the total, a fresh amount for each sale, a wrong amount said first, one live list', async () => {
  const small = /vendor: +(\S+) \/ PIN (\d+) +\(([^,]+), sạp A-02\)/.exec(stack.logins);
  expect(small).not.toBeNull();
  const [, phoneNo, pin] = small!;
  const ctx = await phone(browser, { width: 360, height: 640 });
  const page = await ctx.newPage();
  // Today's total is held back: until the ledger answers, the page says it is loading, never "0 ₫ · live".
  const release = await holdRequests(page, '**/payments/today');
  const streamOpen = page.waitForResponse((r) => r.url().includes('/payments/stream'));
  await login(page, 'vendor', phoneNo!, pin!);
  await streamOpen;
  await expect(page.textContent('[data-testid=today-amount]')).resolves.toBe('Đang tải…');
  await expect(page.textContent('[data-testid=today-status]')).resolves.not.toContain('trực tiếp');
  await shot(page, '16-vendor-small-loading');
  release();
  await waitFor(async () => (await page.textContent('[data-testid=today-status]'))?.includes('trực tiếp') ?? false, {
    what: 'the total to load and the stream to say live',
  });
  await expect(page.textContent('[data-testid=today-amount]')).resolves.toBe('0\u00a0₫');

  // Everything needed to take a payment is on the first screen, above the tab bar, at 360 × 640 and at 320 wide.
  for (const width of [360, 320]) {
    await page.setViewportSize({ width, height: 640 });
    await expectKeypadOnScreen(page);
  }
  await page.setViewportSize({ width: 360, height: 640 });
  await shot(page, '17-vendor-small-keypad');

  // A QR made, then cancelled: the next sale starts from 0, and the amount is shown in words.
  const key = (k: string) => page.click(`button[data-key="${k}"]`);
  for (const k of ['3', '0', '000']) await key(k);
  await expect(page.textContent('[data-testid=amount-words]')).resolves.toBe('Bằng chữ: ba mươi nghìn đồng');
  await page.click('[data-testid=make-qr]');
  await page.locator('[data-testid=qr-image]').waitFor();
  await page.click('.qr-full button:not([data-testid=qr-close])');
  await expect(page.textContent('[data-testid=amount-display]')).resolves.toBe('0\u00a0₫');
  for (const k of ['1', '5', '000']) await key(k);
  await expect(page.textContent('[data-testid=amount-display]')).resolves.toBe('15.000\u00a0₫');
  await expect(page.textContent('[data-testid=amount-words]')).resolves.toBe('Bằng chữ: mười lăm nghìn đồng');
  await page.click('button:has-text("Xóa")');

  /** Makes a dynamic QR on the keypad and returns its payload (from the issuing answer the page received). */
  const makeQr = async (digits: string[]) => {
    for (const k of digits) await key(k);
    const issued = page.waitForResponse((r) => r.url().endsWith('/qr/dynamic') && r.request().method() === 'POST');
    await page.click('[data-testid=make-qr]');
    const qr = (await (await issued).json()).qr as { payload: string; amount: number };
    await page.locator('[data-testid=qr-image]').waitFor();
    return qr;
  };
  const shopperPays = (payload: string, amount?: number) =>
    json('POST', `${stack.urls.bank}/shopper/pay`, {
      payload,
      ...(amount === undefined ? {} : { amount, allowAmountOverride: true }),
    });
  const heard = async (prefix: string) => {
    await waitFor(async () => (await spoken(page)).some((u) => u.text.startsWith(prefix)), {
      what: `the phone to say "${prefix}…"`,
    });
    return (await spoken(page)).filter((u) => u.text.startsWith(prefix));
  };

  // 200 đồng paid on a 200.000 đồng QR: said as an underpayment first, shown in red.
  const bill = await makeQr(['2', '0', '0', '000']);
  await shopperPays(bill.payload, 200);
  const [under] = await heard('Khách trả thiếu');
  expect(under!.text).toBe(
    'Khách trả thiếu: đã nhận hai trăm đồng, còn thiếu một trăm chín mươi chín nghìn tám trăm đồng',
  );
  const wrong = page.locator('[data-testid=qr-paid-wrong]');
  await wrong.waitFor();
  await expect(wrong.textContent()).resolves.toContain('Khách trả thiếu 199.800\u00a0₫');
  expect(await wrong.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(185, 28, 28)');
  await shot(page, '18-vendor-small-underpaid');
  await page.click('[data-testid=qr-close]');
  await expect(page.textContent('[data-testid=amount-display]')).resolves.toBe('0\u00a0₫');

  // A QR paid, then paid again with the same code: the second is said as a possible double payment.
  const twice = await makeQr(['3', '0', '000']);
  await shopperPays(twice.payload);
  await heard('Đã nhận ba mươi nghìn đồng');
  await page.locator('.qr-paid').waitFor();
  await page.click('[data-testid=qr-close]');
  await shopperPays(twice.payload);
  await heard('Khách có thể đã trả hai lần');
  const recent = page.locator('[data-testid=recent] li');
  await waitFor(async () => (await recent.count()) === 3, { what: 'three payments in the live list' });
  // Newest on top, each once; no toast piled over the total.
  await expect(recent.nth(0).textContent()).resolves.toContain('Khách có thể đã trả 2 lần');
  await expect(recent.nth(1).textContent()).resolves.toContain('30.000\u00a0₫');
  await expect(recent.nth(2).textContent()).resolves.toContain('Khách trả thiếu 199.800\u00a0₫');
  await expect(page.locator('.toast').count()).resolves.toBe(0);
  await expect(page.textContent('[data-testid=today-amount]')).resolves.toBe('60.200\u00a0₫');
  await shot(page, '19-vendor-small-live-list');
  // With the live list showing, the next sale's keypad and button are still above the tab bar.
  await expectKeypadOnScreen(page);

  // Offline: a red banner at once; back online: gone, and live again.
  await ctx.setOffline(true);
  await page.locator('[data-testid=offline-banner]').waitFor({ state: 'visible' });
  await shot(page, '20-vendor-small-offline');
  await ctx.setOffline(false);
  await page.locator('[data-testid=offline-banner]').waitFor({ state: 'hidden' });
  await waitFor(async () => (await page.textContent('[data-testid=today-status]'))?.includes('trực tiếp') ?? false, {
    what: 'the stream to be live again',
  });
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

describe('the board on a laptop (1366 × 768)', () => {
  /** Requests the page made to market-insights' statistics, counted as they leave. */
  const statsRequests = (page: Page) => {
    const seen = { count: 0 };
    page.on('request', (r) => {
      if (/\/api\/insights\/markets\/[^/]+\/stats\//.test(r.url())) seen.count++;
    });
    return seen;
  };
  const digits = (text: string | null) => Number((text ?? '').replace(/\D/g, ''));

  test('the dashboard refreshes itself every minute while it is shown, keeps its figures meanwhile, and uses the width', async () => {
    const ctx = await phone(browser, { width: 1366, height: 768 });
    // The page's clock is the test's: a minute passes when the test says so.
    await ctx.clock.install();
    const page = await ctx.newPage();
    const asked = statsRequests(page);
    await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
    await page.locator('[data-testid=kpis]').waitFor();
    const kpi = (id: string) => page.textContent(`[data-kpi=${id}] .kpi-value`);

    // One definition of adoption, said under the figure: the count and the rate are over the same active stalls.
    const definition = (await page.textContent('[data-testid=kpi-adoption-sub]'))!;
    const m = /^(\d+) \/ (\d+) sạp đang hoạt động đã nhận ít nhất một khoản QR trong 7 ngày qua$/.exec(definition);
    expect(m).not.toBeNull();
    const [used, active] = [Number(m![1]), Number(m![2])];
    await expect(kpi('active')).resolves.toBe(String(active));
    await expect(kpi('adoption')).resolves.toBe(formatPercent(used / active, 'vi'));

    // The width of a laptop: the charts side by side (at least two columns), nothing wider than the screen.
    const columns = async () =>
      new Set(
        await page
          .locator('[data-testid=charts] > .card')
          .evaluateAll((cards) => cards.map((c) => Math.round(c.getBoundingClientRect().left))),
      ).size;
    expect(await columns()).toBeGreaterThanOrEqual(2);
    expect(await horizontalOverflow(page)).toBe(0);
    await shot(page, '23-manager-dashboard-laptop');

    // The downloads cover the charts' period, with Vietnamese headers and the vendors' names, a BOM first.
    const stallsCsv = (await page.getAttribute('[data-testid=csv-stalls]', 'href'))!;
    const today = businessDay();
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 13 * 86_400_000).toISOString().slice(0, 10);
    expect(stallsCsv).toContain(`from=${from}&to=${today}&format=csv`);
    expect(await page.getAttribute('[data-testid=csv-daily]', 'href')).toContain(`from=${from}&to=${today}`);
    const bytes = Buffer.from(await (await fetch(`${stack.urls.web}${stallsCsv}`)).arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.toString('utf8');
    expect(text.split('\r\n')[0]).toContain('Sạp,Tiểu thương,Khu,Ngành hàng');
    expect(text).toContain(`${VENDOR.stall},${VENDOR.name},Khu A,Rau củ,Đang hoạt động`);

    // From now on no timer fires unless the test moves the clock.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
    const before = digits(await kpi('payments'));
    const askedBefore = asked.count;

    // A shopper pays A-05's poster; market-insights counts it (asked here directly, not through the page).
    const stalls = (
      await json(
        'GET',
        `${stack.urls.onboarding}/markets/cho-nenh/stalls?status=active&pageSize=100`,
        undefined,
        managerToken,
      )
    ).items as { id: string; stallCode: string }[];
    const a05 = stalls.find((st) => st.stallCode === 'A-05')!;
    const { qr } = await json('GET', `${stack.urls.qr}/stalls/${a05.id}/qr/static`, undefined, managerToken);
    await json('POST', `${stack.urls.bank}/shopper/pay`, { payload: qr.payload, amount: 23_000 });
    const counted = () => withFetchToken(managerToken, stack.urls.insights, () => loadDashboard('cho-nenh'));
    await waitFor(async () => ((await counted().catch(() => null))?.paymentsToday ?? 0) > before, {
      timeoutMs: 180_000,
      what: 'market-insights to count the payment',
    });
    // Not a minute yet: the page has asked nothing and shows what it showed.
    expect(asked.count).toBe(askedBefore);
    expect(digits(await kpi('payments'))).toBe(before);

    // A minute: the page asks again; while the answer is on its way, the old figures stay (no "Đang tải…").
    const release = await holdRequests(page, '**/api/insights/markets/*/stats/**');
    await page.clock.runFor(DASHBOARD_REFRESH_MS);
    await waitFor(async () => asked.count > askedBefore, { what: 'the dashboard to ask again after a minute' });
    expect(digits(await kpi('payments'))).toBe(before);
    await expect(page.locator('main.page').textContent()).resolves.not.toContain(DICTIONARIES.vi['common.loading']);
    release();
    await waitFor(async () => digits(await kpi('payments')) > before, {
      what: 'the dashboard to show the new payment without a reload',
    });
    await shot(page, '24-manager-dashboard-refreshed');

    // Another tab: nothing is asked, however long it stays there, and the late answer never paints over it.
    await page.click('button[data-tab=approvals]');
    await page.locator('[data-testid=approval-queue], .muted.card').first().waitFor();
    const onApprovals = asked.count;
    await page.clock.runFor(3 * DASHBOARD_REFRESH_MS);
    expect(asked.count).toBe(onApprovals);
    await expect(page.locator('[data-testid=kpis]').count()).resolves.toBe(0);

    // Back on the dashboard, then the page hidden (another browser tab, a laptop lid): no requests until it is shown.
    await page.click('button[data-tab=dashboard]');
    await page.locator('[data-testid=kpis]').waitFor();
    await page.waitForLoadState('networkidle');
    const setHidden = (hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (h ? 'hidden' : 'visible'),
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    const whileHidden = asked.count;
    await page.clock.runFor(3 * DASHBOARD_REFRESH_MS);
    expect(asked.count).toBe(whileHidden);
    // Shown again: the figures are brought up to date at once.
    await setHidden(false);
    await waitFor(async () => asked.count > whileHidden, { what: 'the dashboard to refresh when shown again' });

    // A phone keeps one column.
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => (await columns()) === 1, { what: 'one column on a phone' });
    expect(await horizontalOverflow(page)).toBe(0);
    await ctx.close();
  });

  test('a difference between the bank statement and our records is in "Cần xử lý", said in words, with its details', async () => {
    // The bank books 777.000 ₫ into the market's collection account, but its notification is late (10 minutes): the
    // statement has the money, MarketQR does not yet.
    const transfer = await json('POST', `${stack.urls.bank}/__admin/incoming-transfers`, {
      toAccount: '2150008686',
      amount: 777_000,
      description: 'chuyen tien chua bao',
      delayMs: 600_000,
    });
    const ctx = await phone(browser, { width: 1366, height: 768 });
    const page = await ctx.newPage();
    await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
    await page.click('button[data-tab=settlement]');
    const attention = page.locator('[data-testid=recon-attention]');
    await attention.waitFor();
    const item = attention.locator('li.recon-diff').filter({ hasText: '777.000\u00a0₫' });
    await expect(item.textContent()).resolves.toContain(
      'Ngân hàng nhận 777.000\u00a0₫ vào tài khoản chợ nhưng hệ thống không có khoản này',
    );
    await expect(item.getAttribute('data-recon-category')).resolves.toBe('missing_ours');
    await expect(attention.locator('h3').textContent()).resolves.toMatch(
      /^Đối soát ngày \d\d\/\d\d\/\d{4}: \d+ chênh lệch/,
    );
    // Nothing claims all is well, and the manager can see the details and act (past the first ten, one more click).
    await expect(page.getByText('Không có việc gì cần xử lý').count()).resolves.toBe(0);
    if (!(await item.isVisible())) await attention.getByText(/^Xem thêm \d+ chênh lệch$/).click();
    await item.locator('summary').click();
    await expect(item.locator('dl').textContent()).resolves.toContain(String(transfer.transactionId));
    await expect(item.locator('dl').textContent()).resolves.toContain('chuyen tien chua bao');
    await expect(item.locator('a', { hasText: 'Tiền treo' }).getAttribute('href')).resolves.toBe('/manager/suspense');
    await shot(page, '25-manager-reconciliation-attention');

    // The same difference in the reconciliation CSV, for Excel: a BOM, Vietnamese headers, local time.
    const href = (await page.locator('[data-testid=recon-csv]').getAttribute('href'))!;
    const bytes = Buffer.from(await (await fetch(`${stack.urls.web}${href}`)).arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = bytes.toString('utf8').slice(1).split('\r\n');
    expect(rows[0]).toMatch(/^Kết quả đối soát,Loại giao dịch,Thời điểm,Sạp,Tiểu thương,/);
    const row = rows.find((r) => r.includes(String(transfer.transactionId)))!;
    expect(row).toMatch(/^"Ngân hàng có, hệ thống không có",Tiền vào,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,/);
    const local = new Date(Date.parse(String(transfer.bookedAt)) + 7 * 3_600_000).toISOString().slice(0, 19);
    expect(row).toContain(local.replace('T', ' '));
    await ctx.close();
  });
});

describe('the vendor’s phone in the hand: screen, buzz, thumb-sized header, an installable app', () => {
  /** Records what the page asks of the phone: wake locks taken and released, vibrations. */
  const recordDevice = () => {
    const w = window as unknown as {
      __device: { wake: string[]; buzz: number[][]; dropAll: () => void };
    };
    const active = new Set<{ release: () => Promise<void> }>();
    w.__device = {
      wake: [],
      buzz: [],
      // What the browser does when the page is hidden: every lock is released without the page asking.
      dropAll: () => active.forEach((s) => void s.release()),
    };
    Object.defineProperty(navigator, 'wakeLock', {
      configurable: true,
      value: {
        request: (type: string) => {
          w.__device.wake.push(`request:${type}`);
          const listeners: (() => void)[] = [];
          const sentinel = {
            type,
            released: false,
            release: () => {
              if (!sentinel.released) {
                sentinel.released = true;
                active.delete(sentinel);
                w.__device.wake.push('release');
                listeners.forEach((l) => l());
              }
              return Promise.resolve();
            },
            addEventListener: (event: string, fn: () => void) => {
              if (event === 'release') listeners.push(fn);
            },
            removeEventListener: () => undefined,
          };
          active.add(sentinel);
          return Promise.resolve(sentinel);
        },
      },
    });
    Object.defineProperty(navigator, 'vibrate', {
      configurable: true,
      value: (pattern: number | number[]) => {
        w.__device.buzz.push(Array.isArray(pattern) ? pattern : [pattern]);
        return true;
      },
    });
  };
  const device = (page: Page) =>
    page.evaluate(() => (window as unknown as { __device: { wake: string[]; buzz: number[][] } }).__device);
  /** Polls the recorded calls until `check` holds (Playwright's own deadline). */
  const until = async (page: Page, what: string, check: (d: { wake: string[]; buzz: number[][] }) => boolean) =>
    waitFor(async () => check(await device(page)), { what });

  test('360 × 640: header targets ≥ 44 px, log out asks first, the screen stays on while a QR or the poster is shown, a payment buzzes', async () => {
    const ctx = await phone(browser, { width: 360, height: 640 });
    await ctx.addInitScript(recordDevice);
    const page = await ctx.newPage();
    await login(page, 'vendor', VENDOR.phone, VENDOR.pin);
    await page.getByText(`Sạp ${VENDOR.stall}`).first().waitFor();
    await page.locator('.dot.live').waitFor();

    // Every control in the header is a thumb-sized target.
    const controls = page.locator('header.topbar a, header.topbar button');
    await expect(controls.count()).resolves.toBe(3);
    for (const control of await controls.all()) {
      const box = (await control.boundingBox())!;
      const name = (await control.getAttribute('aria-label')) ?? (await control.textContent());
      expect({ name, width: box.width >= 44, height: box.height >= 44 }).toEqual({ name, width: true, height: true });
    }

    // Log out asks first, in Vietnamese, in the page; "Ở lại" keeps the vendor logged in, on the live page.
    await page.click('[data-testid=logout]');
    const dialog = page.locator('[data-testid=confirm-dialog]');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('Máy sẽ không báo tiền về nữa');
    await shot(page, '26-vendor-logout-confirm');
    await page.click('[data-testid=confirm-no]');
    await dialog.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/vendor');
    await expect(page.evaluate(() => localStorage.getItem('marketqr.session'))).resolves.not.toBeNull();
    await page.locator('[data-testid=make-qr]').waitFor();

    // A dynamic QR on screen: the screen is kept on; closed: let go.
    const key = (k: string) => page.click(`button[data-key="${k}"]`);
    const makeQr = async (digits: string[]) => {
      for (const k of digits) await key(k);
      const issued = page.waitForResponse((r) => r.url().endsWith('/qr/dynamic') && r.request().method() === 'POST');
      await page.click('[data-testid=make-qr]');
      const qr = (await (await issued).json()).qr as { payload: string };
      await page.locator('[data-testid=qr-image]').waitFor();
      return qr;
    };
    const first = await makeQr(['1', '2', '000']);
    await until(page, 'a wake lock while the QR is shown', (d) => d.wake.join() === 'request:screen');
    await shot(page, '27-vendor-qr-awake');

    // The browser drops the lock when the page is hidden; visible again, the page takes it again.
    await page.evaluate(() => {
      (window as unknown as { __device: { dropAll: () => void } }).__device.dropAll();
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await until(page, 'the lock taken again', (d) => d.wake.join() === 'request:screen,release,request:screen');

    // Paid as asked: one short buzz.
    await json('POST', `${stack.urls.bank}/shopper/pay`, { payload: first.payload });
    await page.locator('.qr-paid').waitFor();
    await until(page, 'one short buzz', (d) => JSON.stringify(d.buzz) === '[[200]]');
    await page.click('[data-testid=qr-close]');
    await until(page, 'the lock released with the QR closed', (d) => d.wake.at(-1) === 'release');

    // Paid less than asked: a different, longer pattern.
    const second = await makeQr(['4', '0', '000']);
    await json('POST', `${stack.urls.bank}/shopper/pay`, {
      payload: second.payload,
      amount: 4_000,
      allowAmountOverride: true,
    });
    await page.locator('[data-testid=qr-paid-wrong]').waitFor();
    await until(page, 'the "look at the screen" buzz', (d) => d.buzz.length === 2);
    const buzzes = (await device(page)).buzz;
    expect(buzzes[1]!.length).toBeGreaterThan(1);
    expect(buzzes[1]).not.toEqual(buzzes[0]);
    await page.click('[data-testid=qr-close]');

    // The poster tab keeps the screen on too, until the vendor leaves it.
    const before = (await device(page)).wake.filter((w) => w.startsWith('request')).length;
    await page.click('button[data-tab=poster]');
    await until(page, 'a wake lock on the poster tab', (d) => {
      const requests = d.wake.filter((w) => w.startsWith('request')).length;
      return requests === before + 1 && d.wake.at(-1) === 'request:screen';
    });
    await page.click('button[data-tab=sell]');
    await until(page, 'the lock released off the poster tab', (d) => d.wake.at(-1) === 'release');

    // "Đăng xuất" confirmed: logged out.
    await page.click('[data-testid=logout]');
    await page.click('[data-testid=confirm-yes]');
    await page.waitForURL((u) => u.pathname === '/');
    await expect(page.evaluate(() => localStorage.getItem('marketqr.session'))).resolves.toBeNull();
    await ctx.close();
  });

  test('installable: a manifest and a service worker; offline, a reload still opens the vendor page and says what cannot work', async () => {
    const ctx = await phone(browser, { width: 360, height: 640 });
    const page = await ctx.newPage();
    await login(page, 'vendor', VENDOR.phone, VENDOR.pin);
    await page.locator('.dot.live').waitFor();
    await expect(page.getAttribute('link[rel=manifest]', 'href')).resolves.toBe('/manifest.webmanifest');
    // The worker is installed (its install step fills the cache) and active.
    await expect(page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)).resolves.toMatch(
      /\/sw\.js$/,
    );

    await ctx.setOffline(true);
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    // The shell is there (header, keypad), and the page says plainly what does not work without network.
    const banner = page.locator('[data-testid=offline-banner]');
    await banner.waitFor({ state: 'visible' });
    await expect(banner.textContent()).resolves.toContain(
      'Mất mạng: không tạo được mã QR và không nhận được thông báo tiền về',
    );
    await page.locator('[data-testid=make-qr]').waitFor();
    await expect(page.locator('header.topbar').isVisible()).resolves.toBe(true);
    // No money from a cache: today's total is not known offline, and it says so rather than showing an old figure.
    await expect(page.textContent('[data-testid=today-amount]')).resolves.toBe('Đang tải…');
    await shot(page, '28-vendor-offline-shell');

    await ctx.setOffline(false);
    await banner.waitFor({ state: 'hidden' });
    await page.locator('.dot.live').waitFor();
    await ctx.close();
  });
});

test('the manager’s dashboard offers the monthly report: last month by default, the PDF through the proxy', async () => {
  const ctx = await phone(browser);
  const page = await ctx.newPage();
  await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
  const card = page.locator('[data-testid=monthly-report]');
  await card.waitFor();
  await expect(card.locator('h2').textContent()).resolves.toBe(DICTIONARIES.vi['report.title']);
  await expect(page.inputValue('#report-month')).resolves.toBe(lastMonth());
  await expect(card.locator('[data-testid=report-pdf]').textContent()).resolves.toBe('Tải PDF');
  await expect(card.locator('[data-testid=report-csv]').textContent()).resolves.toBe('Tải CSV');
  await card.scrollIntoViewIfNeeded();
  await shot(page, '29-manager-monthly-report');
  expect(await horizontalOverflow(page)).toBe(0);
  const href = (await page.getAttribute('[data-testid=report-pdf]', 'href'))!;
  expect(href).toContain(
    `/api/insights/markets/cho-nenh/reports/monthly?month=${lastMonth()}&format=pdf&access_token=`,
  );
  const pdf = await fetch(`${stack.urls.web}${href}`);
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  expect(
    Buffer.from(await pdf.arrayBuffer())
      .subarray(0, 5)
      .toString(),
  ).toBe('%PDF-');
  // Another month picked (this one, so far): both links follow it; the CSV is Excel's UTF-8 with its BOM.
  const thisMonth = businessDay().slice(0, 7);
  await page.fill('#report-month', thisMonth);
  await expect(page.getAttribute('[data-testid=report-pdf]', 'href')).resolves.toContain(
    `month=${thisMonth}&format=pdf`,
  );
  const csv = await fetch(`${stack.urls.web}${await page.getAttribute('[data-testid=report-csv]', 'href')}`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  const bytes = Buffer.from(await csv.arrayBuffer());
  expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  expect(bytes.toString('utf8')).toContain(
    `Báo cáo thanh toán QR tháng ${thisMonth.slice(5)}/${thisMonth.slice(0, 4)}`,
  );
  await ctx.close();
});

test('every page and tab at a phone’s 360 × 640 and a laptop’s 1366 × 768: no sideways scroll, a screenshot of each', async () => {
  const loading = DICTIONARIES.vi['common.loading'];
  for (const viewport of [
    { width: 360, height: 640 },
    { width: 1366, height: 768 },
  ]) {
    const size = `${viewport.width}x${viewport.height}`;
    const ctx = await phone(browser, viewport);
    const page = await ctx.newPage();
    // Each view once its answers are in (no "Đang tải…" left; the live stream keeps the network busy, so not
    // "network idle"), then checked and kept as test-results/web/page-<view>-<size>.png.
    const capture = async (view: string) => {
      await waitFor(async () => (await page.getByText(loading, { exact: true }).count()) === 0, {
        timeoutMs: 240_000,
        what: `${view} at ${size} to finish loading`,
      });
      expect(await horizontalOverflow(page)).toBe(0);
      await shot(page, `page-${view}-${size}`);
    };
    const everyTab = async (role: string) => {
      const ids = await page
        .locator('nav[role=tablist] button[data-tab]')
        .evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.tab!));
      expect(ids.length).toBeGreaterThan(1);
      for (const id of ids) {
        await page.click(`nav[role=tablist] button[data-tab="${id}"]`);
        await capture(`${role}-${id}`);
      }
    };
    await page.goto(`${stack.urls.web}/`);
    await capture('home');
    await page.goto(`${stack.urls.web}/shopper`);
    await capture('shopper');
    await page.goto(`${stack.urls.web}/login?role=vendor`);
    await capture('login');
    await login(page, 'vendor', VENDOR.phone, VENDOR.pin);
    await everyTab('vendor');
    await page.evaluate(() => localStorage.clear());
    await login(page, 'manager', 'bql.nenh', 'cho-nenh-2026');
    await everyTab('manager');
    await ctx.close();
  }
});

/** The keypad's keys and "Tạo mã QR" on the first screen, above the vendor page's tab bar, without sideways scroll. */
async function expectKeypadOnScreen(page: Page) {
  expect(await horizontalOverflow(page)).toBe(0);
  const tabsTop = (await page.locator('.tabs.bottom').first().boundingBox())!.y;
  for (const sel of ['[data-testid=make-qr]', 'button[data-key="0"]', 'button[data-key="⌫"]']) {
    const box = (await page.locator(sel).boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(tabsTop);
    expect(box.height).toBeGreaterThanOrEqual(44);
  }
}

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

/**
 * A YUV4MPEG2 video (4:2:0, full-range BT.601, as `C420jpeg` says) of `frames` copies of one RGBA picture: what
 * Chromium's --use-file-for-fake-video-capture plays, looping, as the camera.
 */
function y4m(rgba: Uint8Array, width: number, height: number, frames: number): Buffer {
  const w2 = width >> 1;
  const h2 = height >> 1;
  const frame = Buffer.alloc(width * height + 2 * w2 * h2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      frame[y * width + x] = Math.round(0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!);
    }
  }
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      const i = (2 * y * width + 2 * x) * 4;
      const [r, g, b] = [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
      frame[width * height + y * w2 + x] = Math.max(
        0,
        Math.min(255, Math.round(128 - 0.1687 * r - 0.3313 * g + 0.5 * b)),
      );
      frame[width * height + w2 * h2 + y * w2 + x] = Math.max(
        0,
        Math.min(255, Math.round(128 + 0.5 * r - 0.4187 * g - 0.0813 * b)),
      );
    }
  }
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from('FRAME\n'), frame);
  return Buffer.concat(parts);
}

describe('the shopper reads a poster as a phone photographs it (ZXing-C++ in WebAssembly, served by the web app)', () => {
  let payload: string;
  beforeAll(async () => {
    const stalls = (
      await json(
        'GET',
        `${stack.urls.onboarding}/markets/cho-nenh/stalls?status=active&pageSize=100`,
        undefined,
        managerToken,
      )
    ).items as { id: string; stallCode: string }[];
    const a02 = stalls.find((st) => st.stallCode === 'A-02')!;
    payload = (await json('GET', `${stack.urls.qr}/stalls/${a02.id}/qr/static`, undefined, managerToken)).qr.payload;
  });

  /** Every request the page makes: the reader's .wasm must come from the web app, nothing from anywhere else. */
  const requests = (page: Page) => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    return urls;
  };
  const foreign = (urls: string[]) => urls.filter((u) => !u.startsWith(stack.urls.web) && !/^(data|blob):/.test(u));

  test('a noisy photo of the stall’s poster, picked from the gallery, reaches the genuine check', async () => {
    // Sensor noise: the damage jsQR read none of in the photo set (bench/results/photos.md).
    const photo = photoOf(payload, 'noise', 4);
    const file = resolve(ARTEFACTS, 'poster-noisy-photo.jpg');
    writeFileSync(file, photo.jpeg);
    const ctx = await phone(browser);
    const page = await ctx.newPage();
    const urls = requests(page);
    await page.goto(`${stack.urls.web}/shopper`);
    await page.setInputFiles('[data-testid=qr-file]', file);
    const verdict = page.locator('[data-testid=verdict]');
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-verdict')).resolves.toBe('GENUINE');
    expect(urls.some((u) => u.startsWith(`${stack.urls.web}/zxing_reader.wasm?v=`))).toBe(true);
    expect(foreign(urls)).toEqual([]);
    await shot(page, '40-shopper-noisy-photo');
    await ctx.close();
  });

  test('the live camera reads frame after frame until the code is read; with nothing to read it says how to aim', async () => {
    const camera = async (name: string, rgba: Uint8Array, width: number, height: number) => {
      const video = resolve(ARTEFACTS, `${name}.y4m`);
      writeFileSync(video, y4m(rgba, width, height, 10));
      return launch([
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ]);
    };
    // A tilted poster under a lamp's glare, 640×480 as a phone's preview stream is.
    const photo = photoOf(payload, 'glare', 7, { w: 640, h: 480 });
    const poster = await camera('camera-poster', photo.rgba, photo.width, photo.height);
    // A wall with nothing on it: grey, lit unevenly.
    const blank = new Uint8Array(640 * 480 * 4).map((_, i) => (i % 4 === 3 ? 255 : 90 + ((i >> 2) % 640) / 8));
    const empty = await camera('camera-empty', blank, 640, 480);
    try {
      // Nothing readable: the scan goes on, and after a few seconds the page says how to hold the phone.
      const ctx1 = await phone(empty);
      const page1 = await ctx1.newPage();
      await page1.goto(`${stack.urls.web}/shopper`);
      await page1.click('[data-testid=scan]');
      await page1.locator('video.camera').waitFor();
      await page1.getByText(DICTIONARIES.vi['shopper.scan.slow']).waitFor();
      // The torch button is there exactly when the camera's track says it has a torch; where it is, it switches.
      const hasTorch = await page1.evaluate(() => {
        const video = document.querySelector('video.camera') as HTMLVideoElement;
        const track = (video.srcObject as MediaStream).getVideoTracks()[0]!;
        return (track.getCapabilities() as { torch?: boolean }).torch === true;
      });
      const torch = page1.locator('[data-testid=torch]');
      await expect(torch.isVisible()).resolves.toBe(hasTorch);
      if (hasTorch) {
        await torch.click();
        await page1.locator('[data-testid=torch][aria-pressed=true]').waitFor();
      }
      await shot(page1, '41-shopper-camera-hint');
      await ctx1.close();

      const ctx2 = await phone(poster);
      const page2 = await ctx2.newPage();
      const urls = requests(page2);
      await page2.goto(`${stack.urls.web}/shopper`);
      await page2.click('[data-testid=scan]');
      const verdict = page2.locator('[data-testid=verdict]');
      await verdict.waitFor();
      await expect(verdict.getAttribute('data-verdict')).resolves.toBe('GENUINE');
      expect(foreign(urls)).toEqual([]);
      await shot(page2, '42-shopper-camera-read');
      await ctx2.close();
    } finally {
      await Promise.all([poster.close(), empty.close()]);
    }
  });
});

/** The QR an <img> shows, read from its pixels as the browser drew them (jsQR), as UTF-8 text. */
async function readShownQr(img: Locator): Promise<string | undefined> {
  const drawn = await img.evaluate((el: HTMLImageElement) => {
    const canvas = document.createElement('canvas');
    canvas.width = el.naturalWidth;
    canvas.height = el.naturalHeight;
    const g = canvas.getContext('2d')!;
    g.drawImage(el, 0, 0);
    return {
      width: canvas.width,
      height: canvas.height,
      rgba: Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data),
    };
  });
  const read = jsQR(Uint8ClampedArray.from(drawn.rgba), drawn.width, drawn.height);
  return read ? Buffer.from(read.binaryData).toString('utf8') : undefined;
}
