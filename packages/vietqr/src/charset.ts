/**
 * Character sets and lengths as EMVCo and NAPAS define them.
 *
 * Lengths count Unicode code points, not UTF-16 code units and not bytes: the 64 template carries Vietnamese, and
 * "Lê Thị Hoa" is 10 characters to a person, to NAPAS and to every bank app, whatever its UTF-8 byte count (13).
 * An astral character (an emoji) is one code point but two UTF-16 units, so String#length would be wrong for it.
 * Text is NFC-normalised before it is measured on the way out, so a decomposed "ệ" (e + two marks) counts as one.
 */

/** Number of Unicode code points; a lone surrogate counts as one. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** N: digits only. */
export function isNumeric(s: string): boolean {
  return /^[0-9]*$/.test(s);
}

/** ans: printable ASCII, 0x20–0x7E. */
export function isAns(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

/**
 * S: any Unicode a person can read. Controls and lone surrogates are refused because they cannot be printed on a
 * poster, and a lone surrogate has no UTF-8 form, so its CRC would depend on how a scanner repairs it.
 */
export function isUnicodeText(s: string): boolean {
  return !/[\p{Cc}\p{Cs}]/u.test(s);
}

/**
 * Letters that Unicode does not decompose into a base letter plus marks, so NFKD leaves them alone. đ/Đ are the ones
 * that matter for Vietnamese; the rest cover names a stall holder might type from a foreign keyboard.
 */
const SPECIAL: Record<string, string> = {
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
  ŧ: 't',
  Ŧ: 'T',
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u3000': ' ',
  '\u200b': '',
  '\u200c': '',
  '\u200d': '',
  '\u2060': '',
  '\ufeff': '',
};

function mapSpecial(s: string): string {
  let out = '';
  for (const ch of s) {
    const m = SPECIAL[ch];
    // U+2000–U+200A are the typographic spaces (en, em, thin, hair...).
    out += m ?? (ch >= '\u2000' && ch <= '\u200a' ? ' ' : ch);
  }
  return out;
}

/**
 * Folds text towards ASCII for the ans fields (59, 60, 61, 62.xx): "Lê Thị Hoa" → "Le Thi Hoa", "Đỗ" → "Do",
 * "Ｃafé" → "Cafe", curly quotes → straight ones. NFKD splits a letter from its diacritics (and maps full-width and
 * ligature forms to plain letters), the marks are dropped, and the few letters NFKD keeps whole are mapped by hand.
 * What still is not ASCII afterwards (Chinese, emoji, controls) is left in place for the caller to refuse: dropping
 * it silently would change a name without anyone noticing.
 */
export function foldToAscii(text: string): string {
  if (isAns(text)) return text;
  return mapSpecial(text.normalize('NFKD').replace(/\p{M}/gu, '')).normalize('NFC');
}

/** First character outside printable ASCII, for error messages. */
export function firstNonAns(s: string): string | undefined {
  const m = /[^\x20-\x7e]/u.exec(s);
  return m?.[0];
}

/** Describes a character for a message: `"é" (U+00E9)`. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0) && !(cp >= 0xd800 && cp <= 0xdfff);
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return printable ? `"${ch}" (${hex})` : hex;
}
