import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

/**
 * Be Vietnam Pro (SIL Open Font License 1.1), a typeface drawn for Vietnamese, from the npm package
 * @expo-google-fonts/be-vietnam-pro: posters and reports never depend on the fonts a machine happens to have, and every
 * stacked diacritic (ệ, ặ, ỡ) and the đồng sign (₫) is a designed glyph rather than marks piled up by the renderer.
 */
export type Weight = 400 | 600 | 700 | 800;
export const FONT_FAMILY = 'Be Vietnam Pro';

const FILES: Record<Weight, string> = {
  400: '400Regular/BeVietnamPro_400Regular.ttf',
  600: '600SemiBold/BeVietnamPro_600SemiBold.ttf',
  700: '700Bold/BeVietnamPro_700Bold.ttf',
  800: '800ExtraBold/BeVietnamPro_800ExtraBold.ttf',
};
export const WEIGHTS = Object.keys(FILES).map(Number) as Weight[];

const packageDir = dirname(require.resolve('@expo-google-fonts/be-vietnam-pro/package.json'));

export const fontPath = (w: Weight): string => join(packageDir, FILES[w]);

interface LoadedFont {
  bytes: Buffer;
  face: fontkit.Font;
}

const loaded = new Map<Weight, LoadedFont>();

/** Read once per process: documents are rendered on request, and the files do not change under a running service. */
export function font(w: Weight): LoadedFont {
  let f = loaded.get(w);
  if (!f) {
    const bytes = readFileSync(fontPath(w));
    f = { bytes, face: fontkit.create(bytes) as fontkit.Font };
    loaded.set(w, f);
  }
  return f;
}

/** Advance width of a line in points, shaped as PDF and SVG renderers shape it (kerning included). */
export function textWidth(text: string, w: Weight, size: number): number {
  const { face } = font(w);
  return (face.layout(text).advanceWidth / face.unitsPerEm) * size;
}

export function ascent(w: Weight, size: number): number {
  const { face } = font(w);
  return (face.ascent / face.unitsPerEm) * size;
}

/** How far below the baseline the font's glyphs may reach (positive), for keeping text off the page's printed edge. */
export function descent(w: Weight, size: number): number {
  const { face } = font(w);
  return (Math.abs(face.descent) / face.unitsPerEm) * size;
}
