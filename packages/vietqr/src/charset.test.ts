import { codePointLength, foldToAscii, isAns, isNumeric, isUnicodeText } from './charset';

describe('foldToAscii', () => {
  it.each([
    ['Lê Thị Hoa', 'Le Thi Hoa'],
    ['Đỗ Văn Đức', 'Do Van Duc'],
    ['đường', 'duong'],
    ['Nguyễn Thị Thanh Hương', 'Nguyen Thi Thanh Huong'],
    ['Chợ Bến Thành', 'Cho Ben Thanh'],
    ['Hồ Chí Minh', 'Ho Chi Minh'],
    ['Phở Ơi Ưng', 'Pho Oi Ung'],
    ['Thanh toán đơn 123', 'Thanh toan don 123'],
    ['Ỷ Ỹ Ỵ ỳ', 'Y Y Y y'],
  ])('folds Vietnamese %j to %j', (input, expected) => {
    expect(foldToAscii(input)).toBe(expected);
  });

  it('folds text written in decomposed form (NFD) the same way', () => {
    expect(foldToAscii('Lê Thị Hoa'.normalize('NFD'))).toBe('Le Thi Hoa');
  });

  it.each([
    ['Straße', 'Strasse'],
    ['Øster Łódź', 'Oster Lodz'],
    ['Café “Phố” – 24/7', 'Cafe "Pho" - 24/7'],
    ['Ｃａｆｅ', 'Cafe'],
    ['a\u00a0b', 'a b'],
    ['zero\u200bwidth', 'zerowidth'],
  ])('folds other Latin and typographic forms: %j → %j', (input, expected) => {
    expect(foldToAscii(input)).toBe(expected);
  });

  it('leaves what has no ASCII form for the caller to refuse', () => {
    expect(isAns(foldToAscii('张三'))).toBe(false);
    expect(isAns(foldToAscii('Hoa 😀'))).toBe(false);
    expect(isAns(foldToAscii('tab\there'))).toBe(false);
  });

  it('returns ASCII input unchanged', () => {
    expect(foldToAscii('Plain ASCII ~!@#')).toBe('Plain ASCII ~!@#');
  });
});

describe('character sets and lengths', () => {
  it('N is digits only', () => {
    expect(isNumeric('0123456789')).toBe(true);
    expect(isNumeric('12a')).toBe(false);
    expect(isNumeric('١٢')).toBe(false);
  });

  it('ans is 0x20–0x7E', () => {
    expect(isAns(' ~')).toBe(true);
    expect(isAns('\x7f')).toBe(false);
    expect(isAns('\x1f')).toBe(false);
    expect(isAns('é')).toBe(false);
  });

  it('S refuses controls and lone surrogates only', () => {
    expect(isUnicodeText('Lê Thị Hoa 😀')).toBe(true);
    expect(isUnicodeText('a\nb')).toBe(false);
    expect(isUnicodeText('a\ud800')).toBe(false);
  });

  it('counts code points, not bytes or UTF-16 units', () => {
    expect(codePointLength('Lê Thị Hoa')).toBe(10);
    expect(Buffer.byteLength('Lê Thị Hoa')).toBe(13);
    expect(codePointLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
    expect(codePointLength('\ud800x')).toBe(2);
  });
});
