/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) over the UTF-8 bytes of a string.
 * The UTF-8 encoding is done inline rather than through TextEncoder: payloads are short and mostly ASCII, and not
 * allocating a byte array per call roughly doubles decode throughput.
 */
const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[n] = c;
  }
  return t;
})();

function step(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ (TABLE[((crc >>> 8) ^ byte) & 0xff] as number);
}

/** CRC of `text` from code unit `start` to `end` (exclusive). Lone surrogates count as U+FFFD, as TextEncoder does. */
export function crc16(text: string, start = 0, end = text.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      crc = step(crc, cp);
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < end) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else cp = 0xfffd;
    } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) {
      crc = step(crc, 0xc0 | (cp >> 6));
    } else if (cp < 0x10000) {
      crc = step(crc, 0xe0 | (cp >> 12));
      crc = step(crc, 0x80 | ((cp >> 6) & 0x3f));
    } else {
      crc = step(crc, 0xf0 | (cp >> 18));
      crc = step(crc, 0x80 | ((cp >> 12) & 0x3f));
      crc = step(crc, 0x80 | ((cp >> 6) & 0x3f));
    }
    crc = step(crc, 0x80 | (cp & 0x3f));
  }
  return crc;
}

/** The form tag 63 carries: 4 uppercase hex digits, zero-padded (0x0283 → "0283"). */
export function formatCrc(crc: number): string {
  return (crc & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

/** Appends `6304` and the CRC of everything before it, including the `6304`. */
export function withCrc(payloadWithoutCrc: string): string {
  const head = payloadWithoutCrc + '6304';
  return head + formatCrc(crc16(head));
}
