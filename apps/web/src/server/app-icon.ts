import { crc32, deflateSync } from 'node:zlib';

/**
 * The installed app's icon, drawn once from one description: a full-bleed green square (Android crops icons to a
 * circle or a squircle: everything that matters lies in the middle 80 %, so the same file serves as "maskable"), a white
 * card, and a QR motif (three finder patterns and a few modules) in dark green. The SVG and the PNGs (192 and 512 px,
 * what Chrome asks for to offer installing) are made from it at start, so there is no binary file to keep in step.
 *
 * Coordinates are on a 64-unit grid: 192 and 512 px are 3 and 8 pixels a unit, so every square edge falls on a pixel
 * and the PNGs are sharp without anti-aliasing; only the card's rounded corners are smoothed.
 */
const GRID = 64;
const GREEN = '#0b6e4f';
const DARK = '#07523a';
const WHITE = '#ffffff';
const CARD = { x: 13, y: 13, size: 38, r: 6 };
/** One QR module is 2 units; the motif's 16 × 16 modules start 3 units inside the card. */
const MODULE = 2;
const ORIGIN = 16;

type Square = [col: number, row: number, size: number, color: string];

function motif(): Square[] {
  const out: Square[] = [];
  // Finder patterns: a 7-module dark square, a 5-module white one inside it, a 3-module dark core.
  for (const [c, r] of [
    [0, 0],
    [9, 0],
    [0, 9],
  ] as const) {
    out.push([c, r, 7, DARK], [c + 1, r + 1, 5, WHITE], [c + 2, r + 2, 3, DARK]);
  }
  // Data modules: a fixed scatter in the free quarter and the gaps, enough to read as "a QR" at a glance.
  // None touches a finder: a finder's edge must stay clean to read as one.
  // prettier-ignore
  const data = [
    [8, 8], [10, 8], [14, 8], [9, 9], [12, 9], [8, 10], [15, 10], [9, 11], [11, 11], [13, 11],
    [8, 12], [12, 12], [15, 12], [10, 13], [14, 13], [9, 14], [15, 14], [8, 15], [11, 15], [13, 15],
  ] as const;
  for (const [c, r] of data) out.push([c, r, 1, DARK]);
  return out;
}

/** The icon as SVG: the favicon of the installed app and the "any size" icon of the manifest. */
export function iconSvg(): string {
  const squares = motif()
    .map(
      ([c, r, size, color]) =>
        `<rect x="${ORIGIN + c * MODULE}" y="${ORIGIN + r * MODULE}" width="${size * MODULE}" height="${size * MODULE}" fill="${color}"/>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${GRID} ${GRID}">` +
    `<rect width="${GRID}" height="${GRID}" fill="${GREEN}"/>` +
    `<rect x="${CARD.x}" y="${CARD.y}" width="${CARD.size}" height="${CARD.size}" rx="${CARD.r}" fill="${WHITE}"/>` +
    `${squares}</svg>\n`
  );
}

const rgb = (hex: string): [number, number, number] => [
  parseInt(hex.slice(1, 3), 16),
  parseInt(hex.slice(3, 5), 16),
  parseInt(hex.slice(5, 7), 16),
];

/** How much of pixel (px, py) the rounded card covers, 0..1, at `scale` pixels a unit. */
function cardCoverage(px: number, py: number, scale: number): number {
  const x = (px + 0.5) / scale;
  const y = (py + 0.5) / scale;
  const { x: cx, y: cy, size, r } = CARD;
  if (x < cx || y < cy || x > cx + size || y > cy + size) return 0;
  // Distance into a corner's quarter circle, if the point is in a corner square.
  const dx = x < cx + r ? cx + r - x : x > cx + size - r ? x - (cx + size - r) : 0;
  const dy = y < cy + r ? cy + r - y : y > cy + size - r ? y - (cy + size - r) : 0;
  if (dx === 0 || dy === 0) return 1;
  const outside = (Math.hypot(dx, dy) - r) * scale; // in pixels: > 0 outside the arc
  return Math.min(1, Math.max(0, 0.5 - outside));
}

/** The icon as a PNG of `size` × `size` pixels (size a multiple of 64 / 8 = 8 keeps the squares on whole pixels). */
export function iconPng(size: number): Buffer {
  const scale = size / GRID;
  const px = Buffer.alloc(size * size * 3);
  const [gr, gg, gb] = rgb(GREEN);
  const [wr, wg, wb] = rgb(WHITE);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = cardCoverage(x, y, scale);
      const i = (y * size + x) * 3;
      px[i] = Math.round(gr + (wr - gr) * a);
      px[i + 1] = Math.round(gg + (wg - gg) * a);
      px[i + 2] = Math.round(gb + (wb - gb) * a);
    }
  }
  for (const [c, r, n, color] of motif()) {
    const [cr, cg, cb] = rgb(color);
    const x0 = Math.round((ORIGIN + c * MODULE) * scale);
    const y0 = Math.round((ORIGIN + r * MODULE) * scale);
    const x1 = Math.round((ORIGIN + (c + n) * MODULE) * scale);
    const y1 = Math.round((ORIGIN + (r + n) * MODULE) * scale);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = (y * size + x) * 3;
        px[i] = cr;
        px[i + 1] = cg;
        px[i + 2] = cb;
      }
    }
  }
  return encodePng(size, size, px);
}

/** A minimal PNG writer (8-bit RGB, no filtering): signature, IHDR, one IDAT, IEND (ISO/IEC 15948). */
function encodePng(width: number, height: number, rgbPixels: Buffer): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 3 + 1)] = 0; // filter type: none
    rgbPixels.copy(rows, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
