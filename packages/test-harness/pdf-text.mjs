// Prints the text of a PDF read from stdin as JSON: {"pages": [["item", ...], ...], "sizes": [[w, h], ...]} (points).
// A child process because pdfjs-dist is ESM-only and jest runs the tests as CommonJS.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const data = new Uint8Array(Buffer.concat(chunks));
const doc = await getDocument({
  data,
  isEvalSupported: false,
  useSystemFonts: false,
  disableFontFace: true,
  verbosity: 0,
}).promise;
const pages = [];
const sizes = [];
for (let i = 1; i <= doc.numPages; i++) {
  const page = await doc.getPage(i);
  const [x0, y0, x1, y1] = page.view;
  sizes.push([x1 - x0, y1 - y0]);
  const content = await page.getTextContent();
  pages.push(content.items.filter((item) => 'str' in item).map((item) => item.str));
}
process.stdout.write(JSON.stringify({ pages, sizes }));
await doc.destroy();
