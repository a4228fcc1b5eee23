export { ascent, descent, font, FONT_FAMILY, fontPath, textWidth, WEIGHTS, type Weight } from './fonts';
export { createPdf, fontName, type PdfDocument, type PdfOptions } from './document';
