import jsQR from 'jsqr';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
// One file of the package, plain data: the rest of @marketqr/vietqr stays out of the browser bundle.
import { QR_READER_OPTIONS } from '@marketqr/vietqr/dist/reader-options';

/**
 * QR reading in the browser with ZXing-C++ compiled to WebAssembly (zxing-wasm), from camera frames and from a picked
 * image. It reads the blurred, tilted, dim, glared and small codes jsQR missed (bench/results/photos.md); jsQR stays
 * as a second try on a picked photo, where it still read a few ZXing did not (a label over a corner of the code).
 */

let prepared = false;

/**
 * Points the library at the .wasm this web app serves (`<body data-zxing-wasm>`, a versioned URL): by default it would
 * fetch it from a CDN, which the Content-Security-Policy forbids and a market's phone may not reach.
 */
function prepare(): void {
  if (prepared) return;
  prepared = true;
  const url = document.body.dataset.zxingWasm || '/zxing_reader.wasm';
  prepareZXingModule({
    overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? url : prefix + path) },
  });
}

export async function decodeImageData(img: ImageData): Promise<string | null> {
  prepare();
  const results = await readBarcodes(img, QR_READER_OPTIONS);
  const hit = results.find((r) => r.isValid);
  if (!hit) return null;
  // Byte-mode content is UTF-8 (template 64 carries diacritics).
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(hit.bytes);
  } catch {
    return hit.text || null;
  }
}

function jsqrText(img: ImageData): string | null {
  const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  if (!code) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(code.binaryData));
  } catch {
    return code.data || null;
  }
}

/** Draws `source` at most `maxSide` pixels on its long side and returns its pixels. */
function pixels(
  canvas: HTMLCanvasElement,
  source: CanvasImageSource,
  width: number,
  height: number,
  maxSide: number,
): ImageData {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const hgt = Math.max(1, Math.round(height * scale));
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, hgt);
  ctx.drawImage(source, 0, 0, w, hgt);
  return ctx.getImageData(0, 0, w, hgt);
}

/** Reads a QR from an image file (a photo of a poster, a screenshot of a dynamic QR). */
export async function decodeFile(file: Blob): Promise<string | null> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    // A 12 MP phone photo is shrunk to 2000 px, as the server does: the code still has pixels enough, in a tenth of
    // the time.
    const data = pixels(document.createElement('canvas'), img, img.naturalWidth, img.naturalHeight, 2000);
    // Not on camera frames: jsQR takes seconds on a frame with no code in it, and the next frame is another chance.
    return (await decodeImageData(data)) ?? jsqrText(data);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A camera track's torch, which Chrome on Android exposes as a capability and a constraint (not in TS's DOM types). */
type TorchCapabilities = MediaTrackCapabilities & { torch?: boolean };

/**
 * Scans camera frames one after another until a QR is read or `stop()` is called. Each frame is read as soon as the
 * previous one is done (a short pause between them leaves the phone's UI responsive), so a code that comes into focus
 * or out of a glare is caught on the next frame.
 */
export class CameraScanner {
  private stream: MediaStream | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private slowTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly canvas = document.createElement('canvas');
  private torchOn = false;

  constructor(private readonly video: HTMLVideoElement) {}

  /**
   * `onSlow` is called once when nothing was read for `slowMs`: the page then tells the shopper how to hold the phone.
   */
  async start(onFound: (payload: string) => void, opts: { onSlow?: () => void; slowMs?: number } = {}): Promise<void> {
    prepare();
    this.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
    this.video.srcObject = this.stream;
    this.video.setAttribute('playsinline', '');
    await this.video.play();
    const stream = this.stream;
    if (opts.onSlow) this.slowTimer = setTimeout(() => this.stream === stream && opts.onSlow?.(), opts.slowMs ?? 4000);
    const tick = async () => {
      if (this.stream !== stream) return;
      const { videoWidth: w, videoHeight: hgt } = this.video;
      if (w && hgt) {
        const payload = await decodeImageData(pixels(this.canvas, this.video, w, hgt, 1280)).catch(() => null);
        if (this.stream !== stream) return;
        if (payload) {
          this.stop();
          onFound(payload);
          return;
        }
      }
      this.timer = setTimeout(() => void tick(), 50);
    };
    void tick();
  }

  private track(): MediaStreamTrack | undefined {
    return this.stream?.getVideoTracks()[0];
  }

  /** True where the camera has a torch the page can switch (Chrome on most Android phones; not iOS Safari). */
  get hasTorch(): boolean {
    const track = this.track();
    if (!track || typeof track.getCapabilities !== 'function') return false;
    return (track.getCapabilities() as TorchCapabilities).torch === true;
  }

  get torch(): boolean {
    return this.torchOn;
  }

  /** Switches the torch; false when the camera refused. */
  async setTorch(on: boolean): Promise<boolean> {
    const track = this.track();
    if (!track || !this.hasTorch) return false;
    try {
      await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
      this.torchOn = on;
      return true;
    } catch {
      return false;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.slowTimer);
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.torchOn = false;
    this.video.srcObject = null;
  }
}
