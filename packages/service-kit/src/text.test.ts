import { storableText, csvCell, neutraliseText, toCsvDocument } from './text';

describe('text from outside, as people read it', () => {
  it('removes bidirectional controls and neutralises control characters; Vietnamese is untouched', () => {
    expect(neutraliseText('A-01\u202E000.005 nhận')).toBe('A-01000.005 nhận');
    expect(neutraliseText('a\u0000b\u001bc\u0085d')).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(neutraliseText('dòng 1\r\ndòng 2\tcột')).toBe('dòng 1  dòng 2 cột');
    expect(neutraliseText('\u2067x\u2069 \u200Fy\u200E')).toBe('x y');
    expect(neutraliseText('Nguyễn Thị Hoa – Chợ Nếnh')).toBe('Nguyễn Thị Hoa – Chợ Nếnh');
  });

  it('CSV cells: no formulas, no controls, quoted per RFC 4180', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('a\u202Eb,c')).toBe('"ab,c"');
    expect(csvCell(null)).toBe('');
    expect(toCsvDocument(['a', 'b'], [{ a: 'x\u0000', b: 2 }])).toBe('\uFEFFa,b\r\nx\uFFFD,2\r\n');
  });

  it('CSV headers for people: the keys pick the values, the header row says what they are', () => {
    expect(toCsvDocument(['day', 'n'], [{ day: '2026-12-07', n: 3 }], ['Ngày', 'Số giao dịch, QR'])).toBe(
      '\uFEFFNgày,"Số giao dịch, QR"\r\n2026-12-07,3\r\n',
    );
    expect(() => toCsvDocument(['a', 'b'], [], ['A'])).toThrow();
  });
});

test('storable text: NUL (which PostgreSQL JSONB cannot hold) becomes U+FFFD, everything else stays as given', () => {
  expect(storableText('a\u0000b\u0001 Chợ Bến Thành\u202e')).toBe('a\uFFFDb\u0001 Chợ Bến Thành\u202e');
  expect(storableText('plain')).toBe('plain');
});
