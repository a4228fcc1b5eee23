import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { PosterText } from '../domain/model';
import { staticPayload } from '../domain/payload';
import { ascent, descent, textWidth } from '@marketqr/pdf';
import {
  buildPosterLayout,
  CHECK_NAME_TEXT,
  MM,
  POSTER_SIZES,
  SAFE_MARGIN_MM,
  type Op,
  type PosterLayout,
  type PosterSize,
} from './poster-layout';
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

/** Where an operation puts ink on the page, in points: a stroke reaches half its width outside the path. */
function inkBox(op: Op): { left: number; top: number; right: number; bottom: number } {
  switch (op.t) {
    case 'rect': {
      const half = op.stroke ? (op.lw ?? 1) / 2 : 0;
      return { left: op.x - half, top: op.y - half, right: op.x + op.w + half, bottom: op.y + op.h + half };
    }
    case 'text':
      return {
        left: op.x,
        top: op.y - ascent(op.weight, op.size),
        right: op.x + textWidth(op.text, op.weight, op.size),
        bottom: op.y + descent(op.weight, op.size),
      };
    case 'qr':
      return { left: op.x, top: op.y, right: op.x + op.size, bottom: op.y + op.size };
  }
}

const what = (op: Op) => (op.t === 'text' ? `text "${op.text}"` : op.t);

function moduleMm(layout: PosterLayout): number {
  const qr = layout.ops.find((o) => o.t === 'qr');
  if (qr?.t !== 'qr') throw new Error('no QR drawn');
  return qr.size / qr.matrix.size / MM;
}

function scan(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data;
}

describe.each(['A6', 'A5'] as PosterSize[])('%s poster layout', (size) => {
  const layout = buildPosterLayout({ ...text, payload, posterSerial }, size);

  test('nothing is printed within 5 mm of the page edge (home printers leave that margin blank)', () => {
    const { width, height } = POSTER_SIZES[size];
    const safe = SAFE_MARGIN_MM * MM;
    // Each operation whose ink comes closer than 5 mm to an edge, by name: the list must be empty.
    const tooClose = layout.ops.flatMap((op) => {
      const box = inkBox(op);
      const near = box.left < safe || box.top < safe || box.right > width - safe || box.bottom > height - safe;
      return near ? [{ op: what(op), box }] : [];
    });
    expect(tooClose).toEqual([]);
  });

  test('"Kiểm tra tên người nhận" is printed at 10 pt or more, on a line of its own', () => {
    const line = layout.ops.find((o) => o.t === 'text' && o.text.startsWith('Kiểm tra tên người nhận'));
    expect(line?.t === 'text' && line.text).toBe(CHECK_NAME_TEXT);
    // Layout units are printed points: the PDF page is the paper size, and the PNG is drawn at dpi / 72 per point.
    expect(line?.t === 'text' && line.size).toBeGreaterThanOrEqual(10);
  });

  test('the QR keeps its 4-module quiet zone: a white card around it, nothing else drawn over the card', () => {
    const qr = layout.ops.find((o) => o.t === 'qr');
    if (qr?.t !== 'qr') throw new Error('no QR drawn');
    const unit = qr.size / qr.matrix.size;
    const card = layout.ops.find(
      (o) => o.t === 'rect' && o.fill === '#FFFFFF' && o.x < qr.x && o.y < qr.y && o.x + o.w > qr.x + qr.size,
    );
    if (card?.t !== 'rect') throw new Error('no card under the QR');
    for (const gap of [
      qr.x - card.x,
      qr.y - card.y,
      card.x + card.w - (qr.x + qr.size),
      card.y + card.h - (qr.y + qr.size),
    ]) {
      expect(gap / unit).toBeGreaterThanOrEqual(4 - 1e-9);
    }
    const cardBox = inkBox({ ...card, lw: 0 });
    for (const op of layout.ops) {
      if (op === card || op === qr) continue;
      const b = inkBox(op);
      const overlaps =
        b.left < cardBox.right && b.right > cardBox.left && b.top < cardBox.bottom && b.bottom > cardBox.top;
      // The frame surrounds everything; its stroke is what must stay clear of the card, not its inside.
      if (op.t === 'rect' && !op.fill) {
        expect(b.left < cardBox.left && b.right > cardBox.right && b.top < cardBox.top).toBe(true);
        continue;
      }
      expect({ op: what(op), overlaps }).toEqual({ op: what(op), overlaps: false });
    }
  });
  test('the QR modules are big enough to scan from arm’s length (≥ 0.9 mm)', () => {
    expect(moduleMm(layout)).toBeGreaterThanOrEqual(0.9);
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

test('a long name goes on two lines, never cut; the QR gives up the room but keeps ≥ 0.9 mm modules', () => {
  const long = 'Tôn Nữ Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc';
  const longPayload = staticPayload({
    merchant: { ...text, vendorName: long },
    account: { bin: '970436', accountNumber: text.accountNumber },
    city: text.city,
    posterSerial,
  });
  const layout = buildPosterLayout({ ...text, vendorName: long, payload: longPayload, posterSerial }, 'A6');
  const lines = layout.texts.filter((t) => long.includes(t) && t.length > 3);
  expect(lines.join(' ')).toBe(long);
  expect(lines.length).toBe(2);
  expect(moduleMm(layout)).toBeGreaterThanOrEqual(0.9);
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
