import { renderPng, renderSvg } from '@marketqr/vietqr';
import type { QrRecord } from '../domain/model';
import type { QrMetrics } from '../metrics';
import { buildPosterLayout, type PosterSize } from './poster-layout';
import { renderPosterPdf } from './poster-pdf';
import { renderPosterPng, renderPosterSvg } from './poster-svg';

/** How many rendered QR PNGs are kept: a dynamic QR's PNG is asked for a few times while it is shown, then never. */
const PNG_CACHE_ENTRIES = 2_000;

/**
 * Images of issued QRs: the bare code (SVG, PNG) for screens, and the printable poster of a static QR.
 *
 * Issuing a dynamic QR answers with an SVG (a string built from the QR matrix: a fraction of a millisecond), not a
 * PNG: compressing a PNG is what capped issuing at about 136 QRs per second per core. A PNG is rendered only when its
 * link is fetched, and kept in a small cache, since the same QR's PNG is fetched again on a reload.
 */
export class ImageService {
  private readonly pngs = new Map<string, Buffer>();

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
    // Keyed by the payload too: a QR's payload never changes, but the key must name what was rendered.
    const key = `${qr._id}:${scale}:${qr.payloadHash}`;
    const cached = this.pngs.get(key);
    if (cached) {
      // Most recently used last: Map keeps insertion order, so the first key is the least recently used.
      this.pngs.delete(key);
      this.pngs.set(key, cached);
      return cached;
    }
    const png = this.timed('png', () => renderPng(qr.payload, { scale }));
    this.pngs.set(key, png);
    if (this.pngs.size > PNG_CACHE_ENTRIES) this.pngs.delete(this.pngs.keys().next().value!);
    return png;
  }

  qrSvg(qr: QrRecord): string {
    return this.timed('svg', () => renderSvg(qr.payload));
  }

  /** The QR as an SVG data URL, for the answer that issues it: shown at once, no second request, no PNG work. */
  qrSvgDataUrl(qr: QrRecord): string {
    return `data:image/svg+xml;base64,${Buffer.from(this.qrSvg(qr), 'utf8').toString('base64')}`;
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
