/**
 * A QR symbol's modules drawn as an SVG document: one path of horizontal runs, one unit per module, so it scales to
 * any size without blur.
 *
 * Plain code with no import: the browser bundle takes this one file (`@marketqr/vietqr/dist/svg`), so the vendor's
 * phone draws the dynamic QR it asked for from the payload in the answer, and the server renders no image for it.
 * `render.ts` draws with it too, so a QR looks the same whoever drew it.
 */

/** What qrcode's `create()` returns as `modules`: `size × size` cells, row by row, truthy = dark. */
export interface QrModules {
  size: number;
  data: ArrayLike<number | boolean>;
}

export interface SvgStyle {
  /** Quiet zone in modules (ISO/IEC 18004 asks for 4). */
  margin: number;
  /** Display width and height (the viewBox is in modules). */
  size: number;
  /** SVG paint attributes of the background and of the dark modules, e.g. `fill="#ffffff"`. */
  lightFill: string;
  darkFill: string;
}

export function svgOfModules(modules: QrModules, style: SvgStyle): string {
  const { margin } = style;
  const n = modules.size + 2 * margin;
  let d = '';
  for (let r = 0; r < modules.size; r++) {
    for (let c = 0; c < modules.size;) {
      if (!modules.data[r * modules.size + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < modules.size && modules.data[r * modules.size + c]) c++;
      d += `M${start + margin} ${r + margin}h${c - start}v1H${start + margin}z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" width="${style.size}" height="${style.size}" ` +
    `shape-rendering="crispEdges"><path ${style.lightFill} d="M0 0h${n}v${n}H0z"/>` +
    `<path ${style.darkFill} d="${d}"/></svg>\n`
  );
}
