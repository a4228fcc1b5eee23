import jsQR from 'jsqr';

/** QR decoding in the browser with jsQR: from camera frames and from a picked image. */
export function decodeImageData(img: ImageData): string | null {
  const found = jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  return found?.data ? found.data : null;
}

/** Reads a QR from an image file (a photo of a poster, a screenshot of a dynamic QR). */
export async function decodeFile(file: Blob): Promise<string | null> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    // Large photos are scaled down: jsQR is quick on ~1000 px and a phone photo is 4000.
    const scale = Math.min(1, 1200 / Math.max(img.naturalWidth, img.naturalHeight));
    const w = Math.max(1, Math.round(img.naturalWidth * scale));
    const hgt = Math.max(1, Math.round(img.naturalHeight * scale));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = hgt;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, hgt);
    ctx.drawImage(img, 0, 0, w, hgt);
    return decodeImageData(ctx.getImageData(0, 0, w, hgt));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Scans camera frames until a QR is read or `stop()` is called. */
export class CameraScanner {
  private stream: MediaStream | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly canvas = document.createElement('canvas');

  constructor(private readonly video: HTMLVideoElement) {}

  async start(onFound: (payload: string) => void): Promise<void> {
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    this.video.srcObject = this.stream;
    this.video.setAttribute('playsinline', '');
    await this.video.play();
    const tick = () => {
      if (!this.stream) return;
      const { videoWidth: w, videoHeight: hgt } = this.video;
      if (w && hgt) {
        this.canvas.width = w;
        this.canvas.height = hgt;
        const ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(this.video, 0, 0, w, hgt);
        const payload = decodeImageData(ctx.getImageData(0, 0, w, hgt));
        if (payload) {
          this.stop();
          onFound(payload);
          return;
        }
      }
      this.timer = setTimeout(tick, 200);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
