/**
 * The public "is this QR genuine?" check (payloads and uploaded images, one case per verdict) and the printable poster
 * (PDF text extracted back with its diacritics, PNG scanned back to the registered payload), against the real broker
 * and database.
 */
import jpeg from 'jpeg-js';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { decodeQr, encodeEmvco, encodeVietQr, renderPng, withCrc } from '@marketqr/vietqr';
import {
  activated,
  pdfText,
  startQrService,
  stall,
  token,
  type Harness,
  type Snapshot,
  vendorOf,
  adminToken,
} from './support';

let h: Harness;
let s: Snapshot;
let poster: { id: string; payload: string; posterSerial: string };
const UPLOAD_MAX = 300_000;

const admin = adminToken();

beforeAll(async () => {
  h = await startQrService({ QR_UPLOAD_MAX_BYTES: String(UPLOAD_MAX), QR_IMAGE_MAX_PIXELS: '4000000' });
  s = stall({
    vendorName: 'Đặng Thị Ngọc Ánh',
    marketName: 'Chợ Đầu Mối Bình Điền',
    zone: 'Dãy hàng cá',
    marketId: 'market-binh-dien',
    payoutAccount: { bin: '970415', accountNumber: '107001234567', holderName: 'DANG THI NGOC ANH' },
  });
  await h.publish(activated(s));
  const issued = await h.waitForQrEvent('qr.issued', (e) => e.data.merchantId === s.merchantId);
  poster = { id: issued.data.qrId, payload: issued.data.payload, posterSerial: issued.data.posterSerial! };
});

afterAll(async () => {
  await h?.stop();
});

const verify = (payload: string) => h.http('POST', '/qr/verify', { body: { payload } });
const upload = (bytes: Buffer, type: string) =>
  h.http('POST', '/qr/verify', { raw: bytes, headers: { 'content-type': type } });
/** The stall code with its last character changed: the smallest edit a forger makes. */
const otherCode = () => s.stallCode.slice(0, -1) + (s.stallCode.endsWith('7') ? '8' : '7');
const checksStored = () => h.db.collection('genuine_checks').countDocuments();

/** A JPEG of a PNG, as a phone camera would hand it over. */
function toJpeg(png: Buffer): Buffer {
  const img = PNG.sync.read(png);
  return Buffer.from(jpeg.encode({ data: img.data, width: img.width, height: img.height }, 90).data);
}

describe('genuine check', () => {
  test('the registered poster: GENUINE, by payload, by PNG (raw or multipart) and by JPEG; not stored', async () => {
    const before = await checksStored();
    const png = renderPng(poster.payload);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'poster.png');
    const answers = [
      await verify(poster.payload),
      await verify(`${poster.payload}\n`),
      await upload(png, 'image/png'),
      await upload(toJpeg(png), 'image/jpeg'),
      await h.http('POST', '/qr/verify', { raw: form }),
    ];
    for (const r of answers) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        verdict: 'GENUINE',
        flagged: false,
        checkId: null,
        stall: {
          merchantId: s.merchantId,
          stallCode: s.stallCode,
          vendorName: 'Đặng Thị Ngọc Ánh',
          marketName: 'Chợ Đầu Mối Bình Điền',
          status: 'active',
        },
        qr: { id: poster.id, kind: 'static', status: 'active', posterSerial: poster.posterSerial },
        decoded: {
          bin: s.virtualAccount.bin,
          accountNumber: s.virtualAccount.accountNumber,
          bankShortName: 'Vietcombank',
        },
      });
    }
    expect(await checksStored()).toBe(before);
  });

  test('an active dynamic QR is GENUINE; once expired it is EXPIRED', async () => {
    const r = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 45_000, ttlSeconds: 60 },
    });
    const live = await verify(r.body.qr.payload);
    expect(live.body).toMatchObject({
      verdict: 'GENUINE',
      qr: { kind: 'dynamic', orderCode: r.body.qr.orderCode, amount: 45_000 },
    });
    // Time moves by the test's hand: the QR is due the moment the clock passes its expiry, however slow the machine.
    h.clock.advance(61_000);
    await h.waitForQrEvent('qr.expired', (e) => e.data.qrId === r.body.qr.id);
    const late = await verify(r.body.qr.payload);
    expect(late.body).toMatchObject({
      verdict: 'EXPIRED',
      flagged: true,
      qr: { status: 'expired' },
      stall: { merchantId: s.merchantId },
    });
    expect(late.body.checkId).toMatch(/^chk_/);
  });

  test('a fake QR for an unknown account (payload and image): UNKNOWN_ACCOUNT, flagged and stored', async () => {
    // The stall's code in the purpose, but nobody's name of ours: an A-01 exists in every market, so no stall is named.
    const fake = encodeVietQr({
      bin: '970422',
      accountNumber: '0987654321',
      purpose: s.stallCode,
      merchantName: 'Tran Van Khach La',
    });
    for (const r of [await verify(fake), await upload(renderPng(fake), 'image/png')]) {
      expect(r.body).toMatchObject({
        verdict: 'UNKNOWN_ACCOUNT',
        flagged: true,
        stall: null,
        qr: null,
        imitates: null,
      });
      const stored = await h.db.collection('genuine_checks').findOne({ _id: r.body.checkId });
      expect(stored).toMatchObject({
        verdict: 'UNKNOWN_ACCOUNT',
        bin: '970422',
        accountNumber: '0987654321',
        merchantId: null,
        marketId: null,
      });
    }
    const [last] = (await h.http('GET', '/genuine-checks?verdict=UNKNOWN_ACCOUNT', { token: admin })).body.items;
    expect(last).toMatchObject({ verdict: 'UNKNOWN_ACCOUNT', input: 'image', bin: '970422' });

    // Checked from a market's shopper page: published as qr.check-flagged for that market's alerts.
    const reported = await h.http('POST', '/qr/verify?marketId=market-ben-thanh', { body: { payload: fake } });
    const event = await h.waitForQrEvent('qr.check-flagged', (e) => e.data.checkId === reported.body.checkId);
    expect(event.aggregateId).toBe('market-ben-thanh');
    expect(event.data).toMatchObject({
      verdict: 'UNKNOWN_ACCOUNT',
      merchantId: null,
      reportedMarketId: 'market-ben-thanh',
      bin: '970422',
      accountNumber: '0987654321',
      input: 'payload',
    });
  });

  test('a sticker copying a stall’s poster but paying another account names the stall it imitates, for its market', async () => {
    const real = decodeQr(poster.payload);
    const copies = {
      // Everything of the poster (name, stall code, serial) but the account.
      wholePoster: encodeVietQr({
        bin: '970436',
        accountNumber: '0123456789',
        merchantName: real.merchantName,
        storeLabel: real.storeLabel,
        terminalLabel: real.terminalLabel,
        purpose: real.purpose,
      }),
      // No serial: the stall's code with its vendor's name (folded, as bank apps show it) is enough.
      codeAndName: encodeVietQr({
        bin: '970436',
        accountNumber: '0123456789',
        purpose: s.stallCode,
        merchantName: 'DANG THI NGOC ANH',
      }),
    };
    expect(real.terminalLabel).toBe(poster.posterSerial);
    for (const payload of Object.values(copies)) {
      const r = await verify(payload);
      expect(r.body).toMatchObject({
        verdict: 'UNKNOWN_ACCOUNT',
        flagged: true,
        stall: null,
        imitates: { merchantId: s.merchantId, stallCode: s.stallCode, marketId: s.marketId },
      });
      expect(r.body.message).toMatch(/^Mã QR GIẢ: mã này nhái sạp /);
      const event = await h.waitForQrEvent('qr.check-flagged', (e) => e.data.checkId === r.body.checkId);
      expect(event.data).toMatchObject({
        verdict: 'UNKNOWN_ACCOUNT',
        merchantId: s.merchantId,
        marketId: s.marketId,
        stallCode: s.stallCode,
        bin: '970436',
        accountNumber: '0123456789',
      });
    }
  });

  test('the shopper reports a fake sticker once: qr.reported with the stall it imitates and the account it pays', async () => {
    const sticker = encodeVietQr({
      bin: '970436',
      accountNumber: '0123456789',
      purpose: s.stallCode,
      merchantName: 'DANG THI NGOC ANH',
    });
    const checked = await verify(sticker);
    expect(checked.body.verdict).toBe('UNKNOWN_ACCOUNT');
    const first = await h.http('POST', `/qr/checks/${checked.body.checkId}/report`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ checkId: checked.body.checkId, alreadyReported: false });
    const event = await h.waitForQrEvent('qr.reported', (e) => e.data.checkId === checked.body.checkId);
    expect(event.aggregateId).toBe(s.merchantId);
    expect(event.data).toMatchObject({
      verdict: 'UNKNOWN_ACCOUNT',
      imitates: true,
      merchantId: s.merchantId,
      marketId: s.marketId,
      stallCode: s.stallCode,
      bin: '970436',
      accountNumber: '0123456789',
      reportedAt: first.body.reportedAt,
    });
    // A double tap answers the first report and raises nothing new.
    const again = await h.http('POST', `/qr/checks/${checked.body.checkId}/report`);
    expect(again.body).toEqual({ ...first.body, alreadyReported: true });
    expect(await h.db.collection('genuine_checks').findOne({ _id: checked.body.checkId })).toMatchObject({
      reportedAt: new Date(first.body.reportedAt),
    });

    // Only a check that was made can be reported.
    const unknown = await h.http('POST', '/qr/checks/chk_000000000000000000000000/report');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('QR.CHECK_NOT_FOUND');
    const bad = await h.http('POST', '/qr/checks/not%20an%20id/report');
    expect(bad.status).toBe(404);
  });

  test('a replaced poster: REVOKED, naming the stall', async () => {
    const other = stall({ marketId: 'market-binh-dien' });
    await h.publish(activated(other));
    const first = await h.waitForQrEvent('qr.issued', (e) => e.data.merchantId === other.merchantId);
    const re = await h.http('POST', `/stalls/${other.merchantId}/qr/static`, { token: vendorOf(other) });
    expect(re.status).toBe(201);
    const r = await verify(first.data.payload);
    expect(r.body).toMatchObject({
      verdict: 'REVOKED',
      flagged: true,
      stall: { merchantId: other.merchantId, stallCode: other.stallCode },
      qr: { id: first.data.qrId, status: 'revoked', revokedReasonCode: 'poster_replaced' },
    });
    const fresh = await verify(re.body.qr.payload);
    expect(fresh.body.verdict).toBe('GENUINE');
  });

  test("a payload edited after it was made (bad CRC): TAMPERED, still naming the account's stall", async () => {
    const edited = poster.payload.replace(s.stallCode, otherCode());
    expect(edited).not.toBe(poster.payload);
    const r = await verify(edited);
    expect(r.body).toMatchObject({ verdict: 'TAMPERED', flagged: true, stall: { merchantId: s.merchantId }, qr: null });
    expect(r.body.decoded.crcValid).toBe(false);
    const stored = await h.db.collection('genuine_checks').findOne({ _id: r.body.checkId });
    expect(stored).toMatchObject({ verdict: 'TAMPERED', merchantId: s.merchantId, marketId: s.marketId });
    expect(stored?.problems).toContain('QR.CRC_MISMATCH');
  });

  test("our stall's account in a payload we never issued: UNREGISTERED_PAYLOAD", async () => {
    const homemade = encodeVietQr({
      bin: s.virtualAccount.bin,
      accountNumber: s.virtualAccount.accountNumber,
      amount: 20_000,
    });
    const r = await verify(homemade);
    expect(r.body).toMatchObject({
      verdict: 'UNREGISTERED_PAYLOAD',
      flagged: true,
      stall: { merchantId: s.merchantId, stallCode: s.stallCode },
      qr: null,
    });
    // Re-CRC'd after an edit: the CRC is right again, but the payload is still not one we issued.
    const recrc = withCrc(poster.payload.slice(0, -4).replace(s.stallCode, otherCode()).slice(0, -4));
    expect((await verify(recrc)).body.verdict).toBe('UNREGISTERED_PAYLOAD');
  });

  test('another scheme: NOT_VIETQR; not a payment code at all: MALFORMED', async () => {
    const promptPay = encodeEmvco([
      { id: '00', value: '01' },
      { id: '01', value: '11' },
      {
        id: '29',
        value: [
          { id: '00', value: 'A000000677010111' },
          { id: '01', value: '0066812345678' },
        ],
      },
      { id: '53', value: '764' },
      { id: '58', value: 'TH' },
    ]);
    expect((await verify(promptPay)).body).toMatchObject({ verdict: 'NOT_VIETQR', flagged: true });
    expect((await verify('https://example.com/pay?to=123')).body).toMatchObject({
      verdict: 'MALFORMED',
      flagged: true,
    });
  });

  test('managers see the flagged checks of their market', async () => {
    const manager = token({ role: 'market_manager', sub: 'mgr', marketId: s.marketId });
    const r = await h.http('GET', '/genuine-checks', { token: manager });
    expect(r.status).toBe(200);
    expect(r.body.total).toBeGreaterThan(0);
    for (const item of r.body.items) expect(item.marketId).toBe(s.marketId);
    expect(r.body.items.map((i: { verdict: string }) => i.verdict)).toEqual(
      expect.arrayContaining(['TAMPERED', 'REVOKED']),
    );
    const vendor = await h.http('GET', '/genuine-checks', { token: vendorOf(s) });
    expect([vendor.status, vendor.body.error.code]).toEqual([403, 'AUTH.FORBIDDEN']);
  });

  test('bad uploads get stable codes and nothing is stored', async () => {
    const before = await checksStored();
    const blank = new PNG({ width: 200, height: 200 });
    blank.data.fill(255);
    const huge = Buffer.from(renderPng(poster.payload));
    huge.writeUInt32BE(30_000, 16); // IHDR width: 30,000 × height, far over the pixel limit
    // A small JPEG whose frame header (SOF0) says 30,000 × 30,000: refused from the header, never decoded.
    const hugeJpeg = () => {
      const j = Buffer.from(jpeg.encode({ data: Buffer.alloc(64 * 64 * 4, 200), width: 64, height: 64 }, 80).data);
      const sof = j.indexOf(Buffer.from([0xff, 0xc0]));
      j.writeUInt16BE(30_000, sof + 5);
      j.writeUInt16BE(30_000, sof + 7);
      return j;
    };
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'binary');
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [h.http('POST', '/qr/verify', { body: { payload: '' } }), 400, 'QR.INVALID_REQUEST'],
      [h.http('POST', '/qr/verify', { body: { payload: '   ' } }), 400, 'QR.INVALID_REQUEST'],
      [h.http('POST', '/qr/verify', { body: { text: poster.payload } }), 400, 'QR.INVALID_REQUEST'],
      [upload(gif, 'image/png'), 415, 'QR.UNSUPPORTED_IMAGE'],
      [upload(PNG.sync.write(blank), 'image/png'), 422, 'QR.NO_QR_IN_IMAGE'],
      [upload(huge, 'image/png'), 413, 'QR.IMAGE_TOO_LARGE'],
      [upload(Buffer.alloc(UPLOAD_MAX + 10, 1), 'image/png'), 413, 'QR.IMAGE_TOO_LARGE'],
      [upload(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'image/jpeg'), 400, 'QR.IMAGE_UNREADABLE'],
      [upload(hugeJpeg(), 'image/jpeg'), 413, 'QR.IMAGE_TOO_LARGE'],
    ];
    for (const [pending, status, code] of cases) {
      const r = await pending;
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    expect(await checksStored()).toBe(before);
  });
});

describe('poster', () => {
  const expected = () => [
    'Quét mã để thanh toán',
    'Đặng Thị Ngọc Ánh',
    `Sạp ${s.stallCode}`,
    'Chợ Đầu Mối Bình Điền · Dãy hàng cá',
    'Vietcombank',
    'DANG THI NGOC ANH',
    s.virtualAccount.accountNumber,
  ];

  test.each([
    ['A6', 297.64, 419.53],
    ['A5', 419.53, 595.28],
  ])('PDF %s: the page size, and the Vietnamese text extracted back exactly (NFC)', async (size, w, hgt) => {
    const r = await h.http('GET', `/qr/${poster.id}/poster.pdf?size=${size}`, { token: vendorOf(s) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    expect(r.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, sizes } = await pdfText(r.bytes);
    expect(pages).toHaveLength(1);
    expect(sizes[0]![0]).toBeCloseTo(w, 1);
    expect(sizes[0]![1]).toBeCloseTo(hgt, 1);
    const items = pages[0]!.map((t) => t.trim()).filter(Boolean);
    for (const text of expected()) expect(items).toContain(text.normalize('NFC'));
    for (const item of items) expect(item).toBe(item.normalize('NFC'));
    expect(items.join(' ')).toContain(`Mã poster ${poster.posterSerial}`);
  });

  test('PNG: the QR on the printed poster scans back to the registered payload', async () => {
    const r = await h.http('GET', `/qr/${poster.id}/poster.png?size=A6&dpi=150`, { token: vendorOf(s) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const img = PNG.sync.read(r.bytes);
    expect(img.width).toBe(Math.round((297.64 / 72) * 150));
    const code = jsQR(new Uint8ClampedArray(img.data), img.width, img.height);
    expect(code?.data).toBe(poster.payload);
    // A photo of the poster, handed to the genuine check: this poster is the real one.
    expect((await upload(r.bytes, 'image/png')).body.verdict).toBe('GENUINE');
  });

  test('SVG images; a dynamic QR has no poster', async () => {
    const svg = await h.http('GET', `/qr/${poster.id}/image.svg`, { token: vendorOf(s) });
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.bytes.toString()).toContain('<svg');
    const dyn = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 9_000 },
    });
    const r = await h.http('GET', `/qr/${dyn.body.qr.id}/poster.pdf`, { token: vendorOf(s) });
    expect([r.status, r.body.error.code]).toEqual([409, 'QR.NOT_STATIC']);
  });
});
