import QRCode from 'qrcode';
import type { PosterText } from '../domain/model';
import { textWidth, type Weight } from '@marketqr/pdf';

/**
 * The poster is laid out once, as a list of drawing operations in points, and drawn by two backends (PDF with
 * pdfkit, SVG → PNG with resvg), so the printed PDF and the PNG preview are the same poster.
 */
export type PosterSize = 'A6' | 'A5';
export const POSTER_SIZES: Record<PosterSize, { width: number; height: number }> = {
  // ISO 216 in points (1 mm = 72 / 25.4 pt).
  A6: { width: 297.64, height: 419.53 },
  A5: { width: 419.53, height: 595.28 },
};

/** Points per millimetre (1 pt = 1/72 inch). */
export const MM = 72 / 25.4;
/**
 * Home inkjet and laser printers leave 3–5 mm at every edge of the sheet unprinted (or print it smeared): nothing of
 * the poster is drawn within this distance of the page's edge.
 */
export const SAFE_MARGIN_MM = 5;
/** The anti-fraud line, and its printed size in points on A6 (√2 larger on A5): about 6.5 pt was too small to read. */
export const CHECK_NAME_TEXT = 'Kiểm tra tên người nhận trước khi chuyển tiền';
export const CHECK_NAME_PT = 10;

export interface QrMatrix {
  size: number;
  dark: (row: number, col: number) => boolean;
}

export type Op =
  | { t: 'rect'; x: number; y: number; w: number; h: number; r?: number; fill?: string; stroke?: string; lw?: number }
  | {
      t: 'text';
      text: string;
      /** Left edge of the text (already anchored with the shared measurement). */
      x: number;
      /** Baseline. */
      y: number;
      size: number;
      weight: Weight;
      color: string;
    }
  /** The symbol only; the quiet zone is the white card around it. */
  | { t: 'qr'; x: number; y: number; size: number; matrix: QrMatrix; color: string };

export interface PosterLayout {
  width: number;
  height: number;
  ops: Op[];
  /** Every text drawn, in reading order: what a text extraction of the PDF must give back. */
  texts: string[];
}

export const COLORS = {
  navy: '#0B3A82',
  red: '#D7262E',
  ink: '#1B2430',
  muted: '#55606E',
  panel: '#EEF3FA',
  line: '#C9D5E6',
  white: '#FFFFFF',
};

/** Level M, as @marketqr/vietqr renders: enough for a scuffed laminated sign, and a less dense symbol than Q or H. */
export function qrMatrix(payload: string): QrMatrix {
  const code = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const m = code.modules;
  return { size: m.size, dark: (r, c) => Boolean(m.get(r, c)) };
}

/** The largest size from `max` down to `min` at which `text` fits `width`, in steps of a quarter point. */
function fitSize(text: string, weight: Weight, max: number, min: number, width: number): number {
  let size = max;
  while (size > min && textWidth(text, weight, size) > width) size -= 0.25;
  return size;
}

/**
 * Splits a text that does not fit one line into two at the space nearest its middle. A name is never cut: a shopper
 * compares it with what the bank app shows.
 */
function splitInTwo(text: string): [string, string] | null {
  const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
  if (spaces.length === 0) return null;
  const mid = text.length / 2;
  const at = spaces.reduce((best, i) => (Math.abs(i - mid) < Math.abs(best - mid) ? i : best));
  return [text.slice(0, at), text.slice(at + 1)];
}

export function buildPosterLayout(p: PosterText & { payload: string; posterSerial: string }, size: PosterSize) {
  const { width, height } = POSTER_SIZES[size];
  // Designed on A6; A5 is the same poster √2 larger (ISO 216 keeps the proportions).
  const k = width / POSTER_SIZES.A6.width;
  const ops: Op[] = [];
  const texts: string[] = [];
  const cx = width / 2;

  const text = (
    s: string,
    o: { y: number; size: number; weight: Weight; color: string; x?: number; anchor?: 'start' | 'middle' | 'end' },
  ) => {
    const w = textWidth(s, o.weight, o.size);
    const anchor = o.anchor ?? 'middle';
    const x0 = o.x ?? cx;
    const x = anchor === 'middle' ? x0 - w / 2 : anchor === 'end' ? x0 - w : x0;
    ops.push({ t: 'text', text: s, x, y: o.y, size: o.size, weight: o.weight, color: o.color });
    texts.push(s);
    return w;
  };
  /** Centred text at the largest size that fits, on two lines when even the smallest size is too wide. */
  const fit = (s: string, o: { max: number; min: number; weight: Weight; width: number }) => {
    const size = fitSize(s, o.weight, o.max * k, o.min * k, o.width);
    const parts = textWidth(s, o.weight, size) > o.width ? splitInTwo(s) : null;
    if (!parts) return { lines: [s], size, lead: 0 };
    const two = Math.min(...parts.map((line) => fitSize(line, o.weight, o.max * k, o.min * k * 0.8, o.width)));
    return { lines: parts, size: two, lead: two * 1.15 };
  };
  /** Draws fitted lines from baseline `y`; returns the last baseline. */
  const draw = (f: ReturnType<typeof fit>, y: number, weight: Weight, color: string) => {
    f.lines.forEach((line, i) => text(line, { y: y + i * f.lead, size: f.size, weight, color }));
    return y + f.lead * (f.lines.length - 1);
  };

  // Home printers cannot print the last few millimetres of a sheet: the frame's outer edge sits on the 5 mm line (7 mm
  // on A5, which is the same poster √2 larger), and everything else is inside the frame.
  const lw = 1.2 * k;
  const frameIn = SAFE_MARGIN_MM * MM * k + lw; // the stroke's centre; its outer edge is half a line width inside the line
  const margin = frameIn + 7 * k;
  const inner = width - 2 * margin;

  // Frame: a thin navy border, like the laminated VietQR stands at market stalls.
  ops.push({
    t: 'rect',
    x: frameIn,
    y: frameIn,
    w: width - 2 * frameIn,
    h: height - 2 * frameIn,
    r: 10 * k,
    stroke: COLORS.navy,
    lw,
  });

  // Header: VietQR wordmark (red VIET, navy QR) on the left, NAPAS 247 on the right.
  const headY = frameIn + 22 * k;
  const vietW = text('VIET', {
    x: margin + 2 * k,
    y: headY,
    size: 18 * k,
    weight: 800,
    color: COLORS.red,
    anchor: 'start',
  });
  text('QR', { x: margin + 2 * k + vietW, y: headY, size: 18 * k, weight: 800, color: COLORS.navy, anchor: 'start' });
  const n247 = text('247', {
    x: width - margin - 2 * k,
    y: headY - 1 * k,
    size: 13 * k,
    weight: 800,
    color: COLORS.red,
    anchor: 'end',
  });
  text('napas', {
    x: width - margin - 2 * k - n247 - 2 * k,
    y: headY - 1 * k,
    size: 13 * k,
    weight: 800,
    color: COLORS.navy,
    anchor: 'end',
  });

  // Call to action band.
  const bandY = headY + 7 * k;
  const bandH = 24 * k;
  ops.push({ t: 'rect', x: margin, y: bandY, w: inner, h: bandH, r: 6 * k, fill: COLORS.navy });
  const ctaSize = fitSize('Quét mã để thanh toán', 700, 14 * k, 10 * k, inner - 16 * k);
  text('Quét mã để thanh toán', {
    y: bandY + bandH / 2 + ctaSize * 0.36,
    size: ctaSize,
    weight: 700,
    color: COLORS.white,
  });

  // The rest is laid out from the bottom up, and the QR takes whatever height is left between the band and the name.
  // Footer: the anti-fraud habit, large enough to read at arm's length, then the serial a manager can look up.
  const bottom = height - frameIn - lw / 2;
  const serialSize = 7 * k;
  const serialY = bottom - 5.5 * k;
  const checkSize = CHECK_NAME_PT * k;
  const checkY = serialY - serialSize - 3.5 * k;

  // Where the money goes: what the shopper's bank app will show before they confirm.
  const panelH = 38 * k;
  const panelY = checkY - checkSize * 0.75 - 5 * k - panelH;

  // Who is paid: vendor name, stall code on a red pill, market and zone. Long texts take a second line; the QR gives
  // up the room (it stays above the 0.9 mm module floor).
  const name = fit(p.vendorName, { max: 20, min: 12, weight: 700, width: inner - 8 * k });
  const place = fit(p.zone ? `${p.marketName} · ${p.zone}` : p.marketName, {
    max: 11,
    min: 7.5,
    weight: 600,
    width: inner,
  });
  const placeY = panelY - 8 * k - place.lead * (place.lines.length - 1);
  const pillH = 19 * k;
  const pillY = placeY - 13 * k - pillH;
  const nameY = pillY - 8 * k - name.lead * (name.lines.length - 1);

  // The QR on a white card whose padding is the 4-module quiet zone; red corner marks frame it, outside the card.
  const matrix = qrMatrix(p.payload);
  const cardY = bandY + bandH + 7 * k;
  const cardSize = Math.min(nameY - 21 * k - cardY, inner - 12 * k);
  const cardX = cx - cardSize / 2;
  const module = cardSize / (matrix.size + 8);
  ops.push({
    t: 'rect',
    x: cardX,
    y: cardY,
    w: cardSize,
    h: cardSize,
    r: 4 * k,
    fill: COLORS.white,
    stroke: COLORS.line,
    lw: 0.8 * k,
  });
  const tick = 16 * k;
  const tw = 2.4 * k;
  const o = 3 * k;
  for (const [x, y, dx, dy] of [
    [cardX - o, cardY - o, 1, 1],
    [cardX + cardSize + o, cardY - o, -1, 1],
    [cardX - o, cardY + cardSize + o, 1, -1],
    [cardX + cardSize + o, cardY + cardSize + o, -1, -1],
  ] as const) {
    ops.push({ t: 'rect', x: dx > 0 ? x : x - tick, y: dy > 0 ? y : y - tw, w: tick, h: tw, fill: COLORS.red });
    ops.push({ t: 'rect', x: dx > 0 ? x : x - tw, y: dy > 0 ? y : y - tick, w: tw, h: tick, fill: COLORS.red });
  }
  ops.push({
    t: 'qr',
    x: cardX + 4 * module,
    y: cardY + 4 * module,
    size: matrix.size * module,
    matrix,
    color: '#000000',
  });

  draw(name, nameY, 700, COLORS.ink);

  const pillText = `Sạp ${p.stallCode}`;
  const pillSize = 12.5 * k;
  const pillW = textWidth(pillText, 800, pillSize) + 20 * k;
  ops.push({ t: 'rect', x: cx - pillW / 2, y: pillY, w: pillW, h: pillH, r: pillH / 2, fill: COLORS.red });
  text(pillText, { y: pillY + pillH / 2 + pillSize * 0.36, size: pillSize, weight: 800, color: COLORS.white });

  draw(place, placeY, 600, COLORS.navy);

  ops.push({ t: 'rect', x: margin, y: panelY, w: inner, h: panelH, r: 6 * k, fill: COLORS.panel });
  const rows: [string, string][] = [
    ['Ngân hàng', p.bankShortName],
    ['Chủ tài khoản', p.holderName],
    ['Số tài khoản', p.accountNumber],
  ];
  const rowGap = panelH / (rows.length + 0.35);
  rows.forEach(([label, value], i) => {
    const by = panelY + rowGap * (i + 0.5) + 4 * k;
    const labelW = text(`${label}:`, {
      x: margin + 9 * k,
      y: by,
      size: 8.5 * k,
      weight: 400,
      color: COLORS.muted,
      anchor: 'start',
    });
    const room = inner - 18 * k - labelW - 5 * k;
    const size = fitSize(value, 700, 10 * k, 6 * k, room);
    text(value, { x: margin + inner - 9 * k, y: by, size, weight: 700, color: COLORS.ink, anchor: 'end' });
  });

  // The habit that defeats a sticker over the poster, in red and never below CHECK_NAME_PT; the serial under it.
  text(CHECK_NAME_TEXT, { y: checkY, size: checkSize, weight: 700, color: COLORS.red });
  text(`Mã poster ${p.posterSerial}`, { y: serialY, size: serialSize, weight: 400, color: COLORS.muted });

  return { width, height, ops, texts } satisfies PosterLayout;
}
