import { createPdf, fontName, type PdfDocument } from '@marketqr/pdf';
import type { Op, PosterLayout, QrMatrix } from './poster-layout';

/** Dark modules as horizontal runs: one rectangle per run instead of one per module keeps the PDF small. */
export function moduleRuns(m: QrMatrix): { row: number; col: number; len: number }[] {
  const runs: { row: number; col: number; len: number }[] = [];
  for (let row = 0; row < m.size; row++) {
    for (let col = 0; col < m.size;) {
      if (!m.dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < m.size && m.dark(row, col)) col++;
      runs.push({ row, col: start, len: col - start });
    }
  }
  return runs;
}

function draw(doc: PdfDocument, op: Op): void {
  switch (op.t) {
    case 'rect': {
      if (op.r) doc.roundedRect(op.x, op.y, op.w, op.h, op.r);
      else doc.rect(op.x, op.y, op.w, op.h);
      if (op.fill && op.stroke) doc.lineWidth(op.lw ?? 1).fillAndStroke(op.fill, op.stroke);
      else if (op.fill) doc.fill(op.fill);
      else if (op.stroke) doc.lineWidth(op.lw ?? 1).stroke(op.stroke);
      return;
    }
    case 'text':
      doc
        .font(fontName(op.weight))
        .fontSize(op.size)
        .fillColor(op.color)
        .text(op.text, op.x, op.y, { lineBreak: false, baseline: 'alphabetic' });
      return;
    case 'qr': {
      const unit = op.size / op.matrix.size;
      // A hair of overlap so that viewers' anti-aliasing draws no white seams between touching runs.
      const bleed = unit * 0.02;
      for (const r of moduleRuns(op.matrix)) {
        doc.rect(op.x + r.col * unit, op.y + r.row * unit, r.len * unit + bleed, unit + bleed);
      }
      doc.fill(op.color);
      return;
    }
  }
}

/** A one-page PDF of the poster, fonts embedded (subset), text extractable with its diacritics. */
export function renderPosterPdf(layout: PosterLayout, meta: { title: string; subject: string }): Promise<Buffer> {
  const { doc, bytes } = createPdf({
    size: [layout.width, layout.height],
    title: meta.title,
    subject: meta.subject,
    creator: 'MarketQR qr-generation',
  });
  for (const op of layout.ops) draw(doc, op);
  doc.end();
  return bytes;
}
