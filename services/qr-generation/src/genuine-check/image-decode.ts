import sharp from 'sharp';
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

export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Long side, in pixels, a photo is shrunk to before reading. 1,500 keeps a 12 MP photo under 100 ms on this project's
 * 2-core machine (2,000 took ~190 ms: bench/results/photos.md), and a code a shopper aimed at (a quarter of the frame
 * or more) keeps ~8 px a module; a code under ~240 px across in a 4,000 px photo drops below the ~60 px ZXing reads.
 */
export const READ_MAX_SIDE = 1_500;

/**
 * RGBA pixels of a PNG or JPEG, no larger than `maxSide` on its long side, refused with a stable 4xx code when it is
 * not one, too large, or corrupt. libvips (sharp) decodes: a JPEG is shrunk while it is decoded (DCT scaling); jpeg-js
 * took seconds on a 12 MP photo (bench/results/photos.md has the times).
 */
export async function decodeForReading(bytes: Buffer, maxPixels: number, maxSide = READ_MAX_SIDE): Promise<Rgba> {
  const kind = sniffImage(bytes);
  if (!kind) throw new AppError('QR.UNSUPPORTED_IMAGE', 'only PNG and JPEG images are read', 415);
  if (kind === 'png') {
    // The size is in the header: refuse a decompression bomb before anything inflates it.
    if (bytes.length < 24 || bytes.toString('ascii', 12, 16) !== 'IHDR') throw unreadable('no PNG header');
    const pixels = bytes.readUInt32BE(16) * bytes.readUInt32BE(20);
    if (pixels > maxPixels) throw tooLarge(maxPixels, pixels);
  }
  try {
    // limitInputPixels: libvips reads the size from the header and refuses before decoding (JPEG bombs too).
    // failOn 'error': a phone's slightly truncated JPEG is still read; only what cannot be decoded is refused.
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/pixel limit/i.test(message)) throw tooLarge(maxPixels);
    throw unreadable(message);
  }
}

/** The text of the one QR in a PNG or JPEG image. Throws a 4xx AppError with a stable code when there is none. */
export async function readQrFromImage(bytes: Buffer, maxPixels: number): Promise<string> {
  const read = await readQrPixels(await decodeForReading(bytes, maxPixels));
  if (!read) throw new AppError('QR.NO_QR_IN_IMAGE', 'no QR code was found in the image', 422);
  return read.text;
}
