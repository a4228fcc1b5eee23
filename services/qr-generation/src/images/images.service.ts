import { renderPng, renderSvg } from '@marketqr/vietqr';
import type { QrRecord } from '../domain/model';
import type { QrMetrics } from '../metrics';
import { buildPosterLayout, type PosterSize } from './poster-layout';
import { renderPosterPdf } from './poster-pdf';
import { renderPosterPng, renderPosterSvg } from './poster-svg';

/** Images of issued QRs: the bare code (PNG, SVG) for screens, and the printable poster of a static QR. */
export class ImageService {
  constructor(private readonly metrics: QrMetrics) {}

  private timed<T>(format: string, work: () => T): T {
    const end = this.metrics.m.renders.startTimer({ format });
    try {
      return work();
    } finally {
      end();
    }
  }

  qrPng(qr: QrRecord, scale: number): Buffer {
    return this.timed('png', () => renderPng(qr.payload, { scale }));
  }

  qrSvg(qr: QrRecord): string {
    return this.timed('svg', () => renderSvg(qr.payload));
  }

  qrPngDataUrl(qr: QrRecord): string {
    return `data:image/png;base64,${this.qrPng(qr, 8).toString('base64')}`;
  }

  private layout(qr: QrRecord, size: PosterSize) {
    return buildPosterLayout({ ...qr.poster, payload: qr.payload, posterSerial: qr.posterSerial ?? qr.code }, size);
  }

  async posterPdf(qr: QrRecord, size: PosterSize): Promise<Buffer> {
    const end = this.metrics.m.renders.startTimer({ format: 'poster_pdf' });
    try {
      return await renderPosterPdf(this.layout(qr, size), {
        title: `VietQR ${qr.poster.stallCode} – ${qr.poster.vendorName}`,
        subject: `${qr.poster.marketName} · poster ${qr.posterSerial ?? qr.code}`,
      });
    } finally {
      end();
    }
  }

  posterPng(qr: QrRecord, size: PosterSize, dpi: number): Buffer {
    return this.timed('poster_png', () => renderPosterPng(this.layout(qr, size), dpi));
  }

  posterSvg(qr: QrRecord, size: PosterSize): string {
    return this.timed('poster_svg', () => renderPosterSvg(this.layout(qr, size)));
  }
}
