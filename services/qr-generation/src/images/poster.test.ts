import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { PosterText } from '../domain/model';
import { staticPayload } from '../domain/payload';
import { textWidth } from '@marketqr/pdf';
import { buildPosterLayout, POSTER_SIZES, type PosterSize } from './poster-layout';
import { renderPosterPng, renderPosterSvg } from './poster-svg';

const text: PosterText = {
  vendorName: 'Nguyễn Thị Hoa',
  stallCode: 'BT-A012',
  marketName: 'Chợ Bến Thành',
  zone: 'Khu A – Rau củ',
  bankShortName: 'Vietcombank',
  holderName: 'NGUYEN THI HOA',
  accountNumber: '9001234567012',
  city: 'Hồ Chí Minh',
};
const posterSerial = 'PS7K3M9QX2';
const payload = staticPayload({
  merchant: text,
  account: { bin: '970436', accountNumber: text.accountNumber },
  city: text.city,
  posterSerial,
});

function scan(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data;
}

describe.each(['A6', 'A5'] as PosterSize[])('%s poster layout', (size) => {
  const layout = buildPosterLayout({ ...text, payload, posterSerial }, size);

  test('everything is drawn inside the page, text included', () => {
    const { width, height } = POSTER_SIZES[size];
    for (const op of layout.ops) {
      expect(op.x).toBeGreaterThanOrEqual(0);
      expect(op.y).toBeGreaterThanOrEqual(0);
      if (op.t === 'rect') {
        expect(op.x + op.w).toBeLessThanOrEqual(width);
        expect(op.y + op.h).toBeLessThanOrEqual(height);
      }
      if (op.t === 'text') {
        // Inside the frame, not merely the page: the frame is 5 pt in on A6.
        expect(op.x).toBeGreaterThan(5);
        expect(op.x + textWidth(op.text, op.weight, op.size)).toBeLessThan(width - 5);
        expect(op.y).toBeLessThan(height - 5);
      }
    }
  });

  test('the QR modules are big enough to scan from arm’s length (≥ 0.9 mm)', () => {
    const qr = layout.ops.find((o) => o.t === 'qr');
    expect(qr?.t).toBe('qr');
    if (qr?.t !== 'qr') return;
    const moduleMm = (qr.size / qr.matrix.size) * (25.4 / 72);
    expect(moduleMm).toBeGreaterThanOrEqual(0.9);
  });

  test('it says what a poster must say', () => {
    expect(layout.texts).toEqual(
      expect.arrayContaining([
        'Quét mã để thanh toán',
        'Nguyễn Thị Hoa',
        'Sạp BT-A012',
        'Chợ Bến Thành · Khu A – Rau củ',
        'Vietcombank',
        'NGUYEN THI HOA',
      ]),
    );
  });
});

test('a long name goes on two lines, never cut, and stays inside the page', () => {
  const long = 'Tôn Nữ Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc';
  const layout = buildPosterLayout({ ...text, vendorName: long, payload, posterSerial }, 'A6');
  const lines = layout.texts.filter((t) => long.includes(t) && t.length > 3);
  expect(lines.join(' ')).toBe(long);
  expect(lines.length).toBe(2);
});

test('the PNG poster scans back to its payload; SVG escapes text', () => {
  const layout = buildPosterLayout({ ...text, marketName: 'Chợ <Lớn> & Co', payload, posterSerial }, 'A6');
  expect(renderPosterSvg(layout)).toContain('Chợ &lt;Lớn&gt; &amp; Co');
  const png = renderPosterPng(buildPosterLayout({ ...text, payload, posterSerial }, 'A6'), 150);
  expect(scan(png)).toBe(payload);
  // `QR_WRITE_SAMPLE=1 pnpm exec jest services/qr-generation/src/images` refreshes the README's sample.
  if (process.env.QR_WRITE_SAMPLE === '1') {
    const docs = join(__dirname, '..', '..', 'docs');
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'poster-sample.png'), png);
  }
});
