import PDFDocument from 'pdfkit';
import { font, WEIGHTS, type Weight } from './fonts';

export type PdfDocument = PDFKit.PDFDocument;

/** The name a weight of Be Vietnam Pro is registered under in every document `createPdf` makes. */
export const fontName = (w: Weight): string => `BeVietnamPro-${w}`;

export interface PdfOptions {
  /** Page size in points ([width, height]) or a pdfkit name ('A4'). */
  size: [number, number] | string;
  margin?: number;
  title: string;
  subject: string;
  /** The producing service, for the document's Creator field. */
  creator: string;
  /** Keep pages in memory so that footers ("Trang 1/3") can be written once the page count is known. */
  bufferPages?: boolean;
}

/**
 * A pdfkit document in Vietnamese (lang vi-VN) with every weight of Be Vietnam Pro registered (embedded as subsets, so
 * text stays extractable with its diacritics), and the promise of its bytes once `doc.end()` is called.
 */
export function createPdf(opts: PdfOptions): { doc: PdfDocument; bytes: Promise<Buffer> } {
  const doc = new PDFDocument({
    size: opts.size,
    margin: opts.margin ?? 0,
    autoFirstPage: true,
    bufferPages: opts.bufferPages ?? false,
    lang: 'vi-VN',
    displayTitle: true,
    info: { Title: opts.title, Subject: opts.subject, Creator: opts.creator, Producer: 'MarketQR' },
  });
  for (const w of WEIGHTS) doc.registerFont(fontName(w), font(w).bytes);
  const chunks: Buffer[] = [];
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, bytes };
}
