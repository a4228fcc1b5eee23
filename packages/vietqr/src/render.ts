import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { decodeQr } from './decode';
import { VietQrError } from './errors';
import { svgOfModules } from './svg';

export type ErrorCorrectionLevel = 'L' | 'M' | 'Q' | 'H';

export interface RenderOptions {
  /**
   * Default `M` (15 % of codewords recoverable), the level VietQR posters and bank apps use. A typical market
   * payload (110–150 characters) at M is a version 5–6 symbol of 37–41 modules, which a budget phone reads from
   * arm's length on an A6 sign. `H` pushes the same payload to version 8–9 (49–53 modules, so smaller ones on the same
   * paper) for damage a laminated stall poster rarely takes; `L` saves one version while a scratch or a fold
   * across the code can make it unreadable. Take `Q` or `H` for outdoor posters or a logo over the middle.
   */
  errorCorrectionLevel?: ErrorCorrectionLevel;
  /** Quiet zone in modules. ISO/IEC 18004 asks for 4; scanners miss codes printed close to other ink. At least 4. */
  margin?: number;
  /** PNG pixels per module (default 8). */
  scale?: number;
  /**
   * Target PNG width in pixels, instead of `scale`: each module gets the whole number of pixels that fits (at least
   * 1), so edges stay sharp and the image may come out a little narrower than asked.
   */
  width?: number;
  /** Module colour, `#RGB`, `#RGBA`, `#RRGGBB` or `#RRGGBBAA` (default black). */
  dark?: string;
  /** Background colour (default white). Keep it light: inverted codes fail on many phone scanners. */
  light?: string;
  /**
   * Refuse a payload that does not decode as valid (default true): printing a poster with a bad CRC or a missing
   * field costs a stall its sales until someone notices. Turn off to render arbitrary text.
   */
  validate?: boolean;
}

const LEVELS: readonly ErrorCorrectionLevel[] = ['L', 'M', 'Q', 'H'];

type Rgba = [number, number, number, number];

function parseColor(value: string, name: string): Rgba {
  const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(value);
  if (!m)
    throw new VietQrError('QR.INVALID_OPTION', '', `${name} ${JSON.stringify(value)} is not #RGB(A) or #RRGGBB(AA)`);
  let hex = m[1] as string;
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
  if (hex.length === 6) hex += 'ff';
  return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgba;
}

interface Prepared {
  modules: QRCode.BitMatrix;
  margin: number;
  dark: Rgba;
  light: Rgba;
}

function prepare(payload: string, opts: RenderOptions): Prepared {
  const level = opts.errorCorrectionLevel ?? 'M';
  if (!LEVELS.includes(level))
    throw new VietQrError('QR.INVALID_OPTION', '', `errorCorrectionLevel ${JSON.stringify(level)} is not L, M, Q or H`);
  const margin = opts.margin ?? 4;
  if (!Number.isInteger(margin) || margin < 4)
    throw new VietQrError(
      'QR.INVALID_OPTION',
      '',
      `margin ${margin} is under the 4-module quiet zone ISO 18004 asks for`,
    );
  const dark = parseColor(opts.dark ?? '#000000', 'dark');
  const light = parseColor(opts.light ?? '#ffffff', 'light');
  if (opts.validate !== false) {
    const first = decodeQr(payload).errors.find((e) => e.severity === 'error');
    if (first)
      throw new VietQrError(
        'QR.INVALID_PAYLOAD',
        first.path,
        `refusing to render an invalid payload: ${first.code}: ${first.message}`,
      );
  }
  // qrcode does the symbol (segment modes, Reed-Solomon, mask choice); the image writers below only draw it.
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: level });
  return { modules, margin, dark, light };
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Renders the payload as a PNG. The image is written here as a 2-colour palette PNG at 1 bit per pixel rather than
 * through qrcode's RGBA writer: a QR code has two colours, so the file is about a tenth of the size, and skipping
 * pngjs's per-pixel filter search makes rendering an order of magnitude faster (see the benchmark). Byte mode
 * carries UTF-8, so the 64 template's Vietnamese survives.
 */
export function renderPng(payload: string, opts: RenderOptions = {}): Buffer {
  const { modules, margin, dark, light } = prepare(payload, opts);
  const n = modules.size + 2 * margin;
  const requested = opts.width === undefined ? (opts.scale ?? 8) : Math.floor(opts.width / n);
  if (!Number.isFinite(requested))
    throw new VietQrError('QR.INVALID_OPTION', '', `scale/width must be numbers; got ${opts.scale ?? opts.width}`);
  const scale = Math.max(1, Math.floor(requested));
  const px = n * scale;
  const stride = Math.ceil(px / 8) + 1; // + the filter-type byte (0, none) that starts every row
  const raw = Buffer.alloc(stride * px); // all zero: palette index 0 is the light colour, so the quiet zone is free
  const line = Buffer.alloc(stride);
  for (let r = 0; r < modules.size; r++) {
    line.fill(0);
    for (let c = 0; c < modules.size; c++) {
      if (!modules.data[r * modules.size + c]) continue;
      for (let x = (c + margin) * scale, end = x + scale; x < end; x++) line[1 + (x >> 3)]! |= 0x80 >> (x & 7);
    }
    for (let k = 0; k < scale; k++) line.copy(raw, ((r + margin) * scale + k) * stride);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(px, 0);
  ihdr.writeUInt32BE(px, 4);
  ihdr.set([1, 3, 0, 0, 0], 8); // bit depth 1, colour type 3 (palette), deflate, filter method 0, no interlace
  const parts = [
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from([...light.slice(0, 3), ...dark.slice(0, 3)])),
  ];
  if (light[3] < 255 || dark[3] < 255) parts.push(chunk('tRNS', Buffer.from([light[3], dark[3]])));
  parts.push(chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

function svgColor([r, g, b, a]: Rgba, attr: 'fill'): string {
  const hex = '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return a === 255 ? `${attr}="${hex}"` : `${attr}="${hex}" ${attr}-opacity="${Math.round((a / 255) * 1000) / 1000}"`;
}

/** Renders the payload as a standalone SVG document. `scale`/`width` only set the default display size. */
export function renderSvg(payload: string, opts: RenderOptions = {}): string {
  const { modules, margin, dark, light } = prepare(payload, opts);
  const size = opts.width ?? (modules.size + 2 * margin) * (opts.scale ?? 8);
  return svgOfModules(modules, { margin, size, lightFill: svgColor(light, 'fill'), darkFill: svgColor(dark, 'fill') });
}
