import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { encodeVietQr } from './encode';
import { renderPng, renderSvg, type ErrorCorrectionLevel } from './render';

const SMALL = { scale: 3 };

const payload = encodeVietQr({
  bin: '970436',
  accountNumber: '0123456789',
  amount: 150000,
  purpose: 'SAP12 DON4521',
  merchantName: 'Le Thi Hoa',
  alternateLanguage: { name: 'Lê Thị Hoa', city: 'Hà Nội' },
});

/** Reads a PNG back through an independent QR reader; null when nothing readable is in it. */
function readPng(png: Buffer): { text: string; bytes: number[]; version: number; image: PNG } | null {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height, { inversionAttempts: 'dontInvert' });
  return code && { text: code.data, bytes: code.binaryData, version: code.version, image };
}

/** Rasterises the SVG the renderer writes: one `M x y h w v1 H x z` rectangle per horizontal run of dark modules. */
function rasteriseSvg(svg: string, pixelsPerModule = 4): { data: Uint8ClampedArray; size: number } {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const d = /<path fill="#000000" d="([^"]*)"/.exec(svg)?.[1] ?? '';
  const dark: boolean[][] = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  const runs = [...d.matchAll(/M(\d+) (\d+)h(\d+)v1H\1z/g)];
  expect(runs.map((m) => m[0]).join('')).toBe(d);
  for (const [, x, y, w] of runs)
    for (let k = 0; k < Number(w); k++) (dark[Number(y)] as boolean[])[Number(x) + k] = true;
  const px = size * pixelsPerModule;
  const data = new Uint8ClampedArray(px * px * 4).fill(255);
  for (let r = 0; r < px; r++)
    for (let c = 0; c < px; c++)
      if (dark[Math.floor(r / pixelsPerModule)]?.[Math.floor(c / pixelsPerModule)]) {
        const o = (r * px + c) * 4;
        data[o] = data[o + 1] = data[o + 2] = 0;
      }
  return { data, size: px };
}

describe('renderPng', () => {
  it('renders an image that a QR reader decodes back to the exact payload bytes', () => {
    const read = readPng(renderPng(payload, SMALL));
    expect(read?.text).toBe(payload);
    // Byte for byte: the 64 template's Vietnamese travels as UTF-8 in byte mode.
    expect(Buffer.from(read?.bytes ?? [])).toEqual(Buffer.from(payload, 'utf8'));
  });

  it('uses error-correction level M by default', () => {
    const read = readPng(renderPng(payload, SMALL));
    const versionAt = (l: ErrorCorrectionLevel) => QRCode.create(payload, { errorCorrectionLevel: l }).version;
    expect(versionAt('M')).not.toBe(versionAt('H'));
    expect(read?.version).toBe(versionAt('M'));
  });

  it.each<ErrorCorrectionLevel>(['L', 'M', 'Q', 'H'])('renders at level %s on request', (level) => {
    const read = readPng(renderPng(payload, { ...SMALL, errorCorrectionLevel: level }));
    expect(read?.text).toBe(payload);
    expect(read?.version).toBe(QRCode.create(payload, { errorCorrectionLevel: level }).version);
  });

  it('keeps a quiet zone of exactly 4 modules', () => {
    const scale = 3;
    const png = PNG.sync.read(renderPng(payload, { scale }));
    const modules = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules.size;
    expect(png.width).toBe((modules + 8) * scale);
    const dark = (x: number, y: number) => (png.data[(y * png.width + x) * 4] as number) < 128;
    const q = 4 * scale;
    for (let i = 0; i < png.width; i++)
      for (let j = 0; j < q; j++) {
        expect(dark(i, j)).toBe(false);
        expect(dark(j, i)).toBe(false);
        expect(dark(i, png.height - 1 - j)).toBe(false);
        expect(dark(png.width - 1 - j, i)).toBe(false);
      }
    // The finder pattern starts right after the quiet zone.
    expect(dark(q, q)).toBe(true);
  });

  it('would notice a wrong image: another payload does not read back as ours', () => {
    const other = encodeVietQr({ bin: '970436', accountNumber: '0123456789', amount: 150001 });
    expect(readPng(renderPng(other, SMALL))?.text).not.toBe(payload);
  });

  it('refuses an invalid payload unless told not to validate', () => {
    const broken = payload.slice(0, -4) + '0000';
    expect(() => renderPng(broken)).toThrow(expect.objectContaining({ code: 'QR.INVALID_PAYLOAD', path: '63' }));
    expect(readPng(renderPng('hello', { ...SMALL, validate: false }))?.text).toBe('hello');
  });

  it('refuses a quiet zone under 4 modules and an unknown level', () => {
    const invalidOption = expect.objectContaining({ code: 'QR.INVALID_OPTION' });
    expect(() => renderPng(payload, { margin: 2 })).toThrow(invalidOption);
    expect(() => renderSvg(payload, { errorCorrectionLevel: 'X' as ErrorCorrectionLevel })).toThrow(invalidOption);
    expect(() => renderPng(payload, { dark: 'black' })).toThrow(invalidOption);
  });
});

describe('renderPng: the file', () => {
  it('is a 1-bit, 2-colour palette PNG, a few kilobytes at the default scale', () => {
    const png = renderPng(payload);
    const image = PNG.sync.read(png); // pngjs checks every chunk CRC
    expect(png.readUInt8(24)).toBe(1); // bit depth
    expect(png.readUInt8(25)).toBe(3); // colour type: palette
    expect(png.length).toBeLessThan(3000);
    const modules = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules.size;
    expect(image.width).toBe((modules + 8) * 8);
  });

  it('draws in the colours asked for, with transparency', () => {
    const image = PNG.sync.read(renderPng(payload, { ...SMALL, dark: '#1a2b3c', light: '#ffffff00' }));
    const pixel = (x: number, y: number) => [
      ...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4),
    ];
    expect(pixel(0, 0)).toEqual([255, 255, 255, 0]);
    expect(pixel(12, 12)).toEqual([0x1a, 0x2b, 0x3c, 255]);
  });

  it('fits whole pixels per module into a requested width', () => {
    const modules = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules.size + 8;
    const image = PNG.sync.read(renderPng(payload, { width: modules * 5 + 3 }));
    expect(image.width).toBe(modules * 5);
    expect(PNG.sync.read(renderPng(payload, { width: 10 })).width).toBe(modules);
  });
});

describe('renderSvg', () => {
  it('renders an SVG that decodes back to the payload, with the quiet zone in its viewBox', () => {
    const svg = renderSvg(payload);
    expect(svg.startsWith('<svg')).toBe(true);
    const modules = QRCode.create(payload, { errorCorrectionLevel: 'M' }).modules.size;
    expect(svg).toContain(`viewBox="0 0 ${modules + 8} ${modules + 8}"`);
    const { data, size } = rasteriseSvg(svg);
    expect(jsQR(data, size, size)?.data).toBe(payload);
  });
});
