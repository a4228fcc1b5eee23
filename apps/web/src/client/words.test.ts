import { announcementFor, discrepancyOf, numberToVietnamese, paymentAnnouncement, vndToWords } from './words';

describe('vndToWords', () => {
  test.each([
    [0, 'không đồng'],
    [1, 'một đồng'],
    [5, 'năm đồng'],
    [10, 'mười đồng'],
    [11, 'mười một đồng'],
    [14, 'mười bốn đồng'],
    [15, 'mười lăm đồng'],
    [20, 'hai mươi đồng'],
    [21, 'hai mươi mốt đồng'],
    [24, 'hai mươi tư đồng'],
    [25, 'hai mươi lăm đồng'],
    [55, 'năm mươi lăm đồng'],
    [100, 'một trăm đồng'],
    [101, 'một trăm linh một đồng'],
    [104, 'một trăm linh bốn đồng'],
    [105, 'một trăm linh năm đồng'],
    [110, 'một trăm mười đồng'],
    [115, 'một trăm mười lăm đồng'],
    [999, 'chín trăm chín mươi chín đồng'],
    [1_000, 'một nghìn đồng'],
    [1_001, 'một nghìn không trăm linh một đồng'],
    [1_010, 'một nghìn không trăm mười đồng'],
    [1_100, 'một nghìn một trăm đồng'],
    [2_500, 'hai nghìn năm trăm đồng'],
    [10_000, 'mười nghìn đồng'],
    [15_000, 'mười lăm nghìn đồng'],
    [21_000, 'hai mươi mốt nghìn đồng'],
    [25_000, 'hai mươi lăm nghìn đồng'],
    [50_000, 'năm mươi nghìn đồng'],
    [99_000, 'chín mươi chín nghìn đồng'],
    [105_000, 'một trăm linh năm nghìn đồng'],
    [250_500, 'hai trăm năm mươi nghìn năm trăm đồng'],
    [1_000_000, 'một triệu đồng'],
    [1_000_005, 'một triệu không trăm linh năm đồng'],
    [1_005_000, 'một triệu không trăm linh năm nghìn đồng'],
    [1_050_000, 'một triệu không trăm năm mươi nghìn đồng'],
    [1_500_000, 'một triệu năm trăm nghìn đồng'],
    [2_021_000, 'hai triệu không trăm hai mươi mốt nghìn đồng'],
    [10_000_000, 'mười triệu đồng'],
    [15_250_000, 'mười lăm triệu hai trăm năm mươi nghìn đồng'],
    [499_999_999, 'bốn trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng'],
    [1_000_000_000, 'một tỷ đồng'],
    [1_000_000_001, 'một tỷ không trăm linh một đồng'],
    [1_200_000_000, 'một tỷ hai trăm triệu đồng'],
    [2_000_050_000, 'hai tỷ không trăm năm mươi nghìn đồng'],
    [1_000_000_000_000, 'một nghìn tỷ đồng'],
    [21_000_000_000, 'hai mươi mốt tỷ đồng'],
  ])('%d → %s', (amount, words) => {
    expect(vndToWords(amount)).toBe(words);
  });

  test('is NFC (precomposed diacritics), so speech and comparisons see one spelling', () => {
    for (const n of [1, 4, 5, 15, 21, 24, 105_000, 1_000_005, 7_777_777]) {
      const w = vndToWords(n);
      expect(w).toBe(w.normalize('NFC'));
    }
  });

  test('mốt, tư and lăm appear only after a tens word; linh only after trăm', () => {
    for (let n = 0; n < 100_000; n += 37) {
      const words = vndToWords(n).split(' ');
      words.forEach((w, i) => {
        if (w === 'mốt' || w === 'tư') expect(words[i - 1]).toBe('mươi');
        if (w === 'lăm') expect(['mươi', 'mười']).toContain(words[i - 1]);
        if (w === 'linh') expect(words[i - 1]).toBe('trăm');
      });
    }
  });

  test('rejects what is not a whole number of đồng', () => {
    expect(() => numberToVietnamese(-1)).toThrow(RangeError);
    expect(() => numberToVietnamese(1.5)).toThrow(RangeError);
    expect(() => numberToVietnamese(Number.NaN)).toThrow(RangeError);
  });

  test('announcement', () => {
    expect(paymentAnnouncement(50_000)).toBe('Đã nhận năm mươi nghìn đồng');
  });
});

describe('announcementFor', () => {
  test('an ordinary payment is announced as before', () => {
    expect(announcementFor({ amount: 45_000, outcome: 'paid', expectedAmount: 45_000 })).toBe(
      'Đã nhận bốn mươi lăm nghìn đồng',
    );
  });
  test('an underpayment says so before the amount (200 đồng on a 200.000 đồng bill)', () => {
    const said = announcementFor({ amount: 200, outcome: 'underpaid', expectedAmount: 200_000 });
    expect(said).toBe('Khách trả thiếu: đã nhận hai trăm đồng, còn thiếu một trăm chín mươi chín nghìn tám trăm đồng');
    expect(said.startsWith('Khách trả thiếu')).toBe(true);
  });
  test('an overpayment, and a second payment of the same code', () => {
    expect(announcementFor({ amount: 60_000, outcome: 'overpaid', expectedAmount: 50_000 })).toBe(
      'Khách trả dư: đã nhận sáu mươi nghìn đồng, dư mười nghìn đồng',
    );
    expect(announcementFor({ amount: 50_000, outcome: 'overpaid', expectedAmount: 50_000 })).toMatch(
      /^Khách có thể đã trả hai lần: đã nhận năm mươi nghìn đồng/,
    );
  });
  test('late, another stall’s code and unknown outcomes lead with their reason', () => {
    expect(announcementFor({ amount: 1_000, outcome: 'late', expectedAmount: 1_000 })).toMatch(/^Khách trả sau khi/);
    expect(announcementFor({ amount: 1_000, outcome: 'order_code_of_other_stall', expectedAmount: null })).toMatch(
      /^Khách dùng mã của sạp khác/,
    );
    expect(announcementFor({ amount: 1_000, outcome: 'something_new', expectedAmount: null })).toMatch(/^Cần kiểm tra/);
    expect(discrepancyOf({ amount: 1_000, outcome: 'underpaid', expectedAmount: null })).toEqual({ kind: 'check' });
  });
});
