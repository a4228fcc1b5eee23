import { readFileSync } from 'node:fs';
import jsQR from 'jsqr';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { QR_READER_OPTIONS } from '@marketqr/vietqr';

export { ZXING_WASM_VERSION } from 'zxing-wasm/reader';

/** RGBA pixels, 4 bytes a pixel, row by row (what pngjs, jpeg-js and a canvas give). */
export interface Pixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export interface QrRead {
  text: string;
  /** Which reader found it: ZXing-C++ (compiled to WebAssembly) first, jsQR only for what ZXing missed. */
  reader: 'zxing' | 'jsqr';
}

let ready: Promise<unknown> | null = null;

/**
 * Loads ZXing-C++'s WebAssembly from the zxing-wasm package's own file. Left to itself the library fetches the .wasm
 * from a CDN, which a production server must never depend on (and cannot reach here): the bytes are handed over.
 */
export function loadZxing(): Promise<unknown> {
  ready ??= prepareZXingModule({
    overrides: {
      wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')).buffer as ArrayBuffer,
    },
    fireImmediately: true,
  });
  return ready;
}

/** Byte-mode content is UTF-8 (template 64 carries diacritics); anything else falls back to the reader's own text. */
function utf8(bytes: Uint8Array, fallback: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fallback;
  }
}

export async function readWithZxing(img: Pixels): Promise<string | null> {
  await loadZxing();
  const results = await readBarcodes(
    { data: img.data, width: img.width, height: img.height } as unknown as Parameters<typeof readBarcodes>[0],
    QR_READER_OPTIONS,
  );
  const hit = results.find((r) => r.isValid);
  return hit ? utf8(hit.bytes, hit.text) : null;
}

export function readWithJsqr(img: Pixels): string | null {
  const rgba =
    img.data instanceof Uint8ClampedArray
      ? img.data
      : new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length);
  const code = jsQR(rgba, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  return code ? utf8(Uint8Array.from(code.binaryData), code.data) : null;
}

/**
 * The text of the QR in the pixels, or null. ZXing-C++ first; jsQR only on what it missed: on the project's photo set
 * (bench/results/photos.md) jsQR read 3 of 240 photos ZXing did not (labels over part of the code, a 60–70 px code).
 * The fallback costs time only when ZXing found nothing (jsQR can take seconds on a photo with no readable code).
 */
export async function readQrPixels(img: Pixels): Promise<QrRead | null> {
  const z = await readWithZxing(img);
  if (z !== null) return { text: z, reader: 'zxing' };
  const j = readWithJsqr(img);
  return j === null ? null : { text: j, reader: 'jsqr' };
}
