import { crc16, formatCrc, withCrc } from './crc';

describe('CRC-16/CCITT-FALSE', () => {
  it('has the catalogue check value 29B1 for "123456789"', () => {
    expect(crc16('123456789')).toBe(0x29b1);
    expect(formatCrc(crc16('123456789'))).toBe('29B1');
  });

  it('starts from 0xFFFF (empty input) and does not reflect or xor out', () => {
    expect(crc16('')).toBe(0xffff);
    // A reflected variant (KERMIT) gives 0x2189 and XMODEM (init 0) 0x31C3 for the same input.
    expect(crc16('123456789')).not.toBe(0x2189);
    expect(crc16('123456789')).not.toBe(0x31c3);
  });

  it('writes 4 uppercase hex digits, zero-padded', () => {
    expect(formatCrc(0x0283)).toBe('0283');
    expect(formatCrc(0x000a)).toBe('000A');
    expect(formatCrc(0xabcd)).toBe('ABCD');
    expect(formatCrc(0)).toBe('0000');
  });

  it('is computed over UTF-8 bytes, not UTF-16 units', () => {
    const text = 'Lê Thị Hoa 😀';
    const bytes = Buffer.from(text, 'utf8');
    // Reference: byte-at-a-time over the UTF-8 encoding.
    let crc = 0xffff;
    for (const b of bytes) {
      crc ^= b << 8;
      for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    expect(crc16(text)).toBe(crc);
  });

  it('treats a lone surrogate as U+FFFD, as TextEncoder does', () => {
    expect(crc16('a\ud800b')).toBe(crc16('a\ufffdb'));
    expect(crc16('a\udc00')).toBe(crc16('a\ufffd'));
  });

  it('covers a sub-range of the string', () => {
    expect(crc16('xx123456789yy', 2, 11)).toBe(0x29b1);
  });

  it('withCrc appends 6304 and the CRC of everything up to and including it', () => {
    const head = '000201010211';
    expect(withCrc(head)).toBe(head + '6304' + formatCrc(crc16(head + '6304')));
  });
});
