import { Resvg } from '@resvg/resvg-js';
import { fontPath, FONT_FAMILY, WEIGHTS } from '@marketqr/pdf';
import { moduleRuns } from './poster-pdf';
import type { Op, PosterLayout } from './poster-layout';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number) => Number(v.toFixed(3));

function svgOf(op: Op): string {
  switch (op.t) {
    case 'rect': {
      const paint = `fill="${op.fill ?? 'none'}"${op.stroke ? ` stroke="${op.stroke}" stroke-width="${n(op.lw ?? 1)}"` : ''}`;
      const r = op.r ? ` rx="${n(op.r)}"` : '';
      return `<rect x="${n(op.x)}" y="${n(op.y)}" width="${n(op.w)}" height="${n(op.h)}"${r} ${paint}/>`;
    }
    case 'text':
      return `<text x="${n(op.x)}" y="${n(op.y)}" font-family="${FONT_FAMILY}" font-weight="${op.weight}" font-size="${n(op.size)}" fill="${op.color}">${esc(op.text)}</text>`;
    case 'qr': {
      const unit = op.size / op.matrix.size;
      const d = moduleRuns(op.matrix)
        .map(
          (r) =>
            `M${n(op.x + r.col * unit)} ${n(op.y + r.row * unit)}h${n(r.len * unit)}v${n(unit)}h${n(-r.len * unit)}z`,
        )
        .join('');
      return `<path d="${d}" fill="${op.color}" shape-rendering="crispEdges"/>`;
    }
  }
}

/** The poster as an SVG document, sized in points (the same coordinates as the PDF). */
export function renderPosterSvg(layout: PosterLayout): string {
  const body = layout.ops.map(svgOf).join('\n');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(layout.width)}pt" height="${n(layout.height)}pt" ` +
    `viewBox="0 0 ${n(layout.width)} ${n(layout.height)}">\n` +
    `<rect width="100%" height="100%" fill="#FFFFFF"/>\n${body}\n</svg>\n`
  );
}

/**
 * The poster as a PNG at `dpi`. resvg gets the bundled font files and no system fonts: the image is the same on a
 * developer's laptop, in CI and in the container.
 */
export function renderPosterPng(layout: PosterLayout, dpi: number): Buffer {
  const resvg = new Resvg(renderPosterSvg(layout), {
    fitTo: { mode: 'width', value: Math.round((layout.width / 72) * dpi) },
    background: '#FFFFFF',
    font: { fontFiles: WEIGHTS.map(fontPath), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}
