import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AppError } from '@marketqr/service-kit';
import { readQrPixels } from './qr-reader';

export type ImageKind = 'png' | 'jpeg';

export function sniffImage(bytes: Buffer): ImageKind | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

const tooLarge = (max: number, pixels?: number) =>
  new AppError('QR.IMAGE_TOO_LARGE', `the image has ${pixels ?? 'too many'} pixels; at most ${max} are read`, 413, {
    maxPixels: max,
  });
const unreadable = (why: string) => new AppError('QR.IMAGE_UNREADABLE', `the image cannot be read: ${why}`, 400);

interface Rgba {
  data: Uint8Array | Uint8ClampedArray | Buffer;
  width: number;
  height: number;
}

function decodePng(bytes: Buffer, maxPixels: number): Rgba {
  // The size is in the header: refuse a decompression bomb before inflating it.
  if (bytes.length < 24 || bytes.toString('ascii', 12, 16) !== 'IHDR') throw unreadable('no PNG header');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width * height > maxPixels) throw tooLarge(maxPixels, width * height);
  try {
    const png = PNG.sync.read(bytes);
    return { data: png.data, width: png.width, height: png.height };
  } catch (e) {
    throw unreadable((e as Error).message);
  }
}

function decodeJpeg(bytes: Buffer, maxPixels: number): Rgba {
  try {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: maxPixels / 1_000_000,
      maxMemoryUsageInMB: Math.ceil((maxPixels * 4 * 2) / 1_000_000) + 64,
    });
    return { data: img.data, width: img.width, height: img.height };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/maxResolutionInMP|maxMemoryUsage/i.test(message)) throw tooLarge(maxPixels);
    throw unreadable(message);
  }
}

/**
 * Halves the image (2×2 box average) until its long side is at most `maxSide`. A QR photographed by a phone still
 * spans hundreds of pixels after that, and the reader's time grows with the pixel count (a 12 MP photo would take
 * seconds; bench/results/photos.md has the times).
 */
export function shrink(img: Rgba, maxSide: number): Rgba {
  let { data, width, height } = img;
  while (Math.max(width, height) > maxSide) {
    const w = width >> 1;
    const h = height >> 1;
    const out = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 4; c++) {
          const i = (2 * y * width + 2 * x) * 4 + c;
          out[(y * w + x) * 4 + c] = (data[i]! + data[i + 4]! + data[i + width * 4]! + data[i + width * 4 + 4]!) >> 2;
        }
      }
    }
    data = out;
    width = w;
    height = h;
  }
  return { data, width, height };
}

/** RGBA pixels of a PNG or JPEG, refused with a stable 4xx code when it is not one, too large, or corrupt. */
export function decodeImage(bytes: Buffer, maxPixels: number): Rgba {
  const kind = sniffImage(bytes);
  if (!kind) throw new AppError('QR.UNSUPPORTED_IMAGE', 'only PNG and JPEG images are read', 415);
  return kind === 'png' ? decodePng(bytes, maxPixels) : decodeJpeg(bytes, maxPixels);
}

/** Long side, in pixels, a photo is shrunk to before reading: a QR filling a tenth of a 12 MP frame keeps ~3 px/module. */
export const READ_MAX_SIDE = 2_000;

/** The text of the one QR in a PNG or JPEG image. Throws a 4xx AppError with a stable code when there is none. */
export async function readQrFromImage(bytes: Buffer, maxPixels: number): Promise<string> {
  const img = shrink(decodeImage(bytes, maxPixels), READ_MAX_SIDE);
  const read = await readQrPixels({ data: img.data, width: img.width, height: img.height });
  if (!read) throw new AppError('QR.NO_QR_IN_IMAGE', 'no QR code was found in the image', 422);
  return read.text;
}
