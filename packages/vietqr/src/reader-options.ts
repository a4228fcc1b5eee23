/**
 * How MarketQR asks ZXing-C++ (npm `zxing-wasm`) to read a QR in a picture, the same everywhere a QR is read from
 * pixels: on the shopper's phone (apps/web's `qr-scan.ts`, camera frames and picked images) and in qr-generation's
 * genuine check (`genuine-check/qr-reader.ts`, uploaded photos). QR only: the other formats cost time and a market
 * photo has nothing else worth reading. tryHarder, rotations and inverted codes stay on (ZXing's defaults);
 * tryDownscale for large photos; tryDenoise closes the gaps low light and JPEG blocks open in the modules. One code is
 * enough.
 *
 * Plain data with no import, not even zxing-wasm's types (`QrReaderOptions` is the part of its `ReaderOptions` set
 * here, checked where the options are passed): the browser bundle takes this one file,
 * `@marketqr/vietqr/dist/reader-options`, and nothing else of the package.
 */
export interface QrReaderOptions {
  formats: ['QRCode'];
  tryHarder: boolean;
  tryRotate: boolean;
  tryInvert: boolean;
  tryDownscale: boolean;
  tryDenoise: boolean;
  maxNumberOfSymbols: number;
  textMode: 'Plain';
}

export const QR_READER_OPTIONS: Readonly<QrReaderOptions> = {
  formats: ['QRCode'],
  tryHarder: true,
  tryRotate: true,
  tryInvert: true,
  tryDownscale: true,
  tryDenoise: true,
  maxNumberOfSymbols: 1,
  textMode: 'Plain',
};
