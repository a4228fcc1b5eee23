import { reconDifferences, reconProblem } from '.';

const item = (over: Record<string, unknown>) => ({
  category: 'matched',
  kind: 'credit',
  ourAmount: null,
  bankAmount: null,
  stallCode: null,
  vendorName: null,
  ...over,
});

describe('reconciliation differences, as the manager reads them in "Cần xử lý"', () => {
  it('keeps the differences only, the largest gap first', () => {
    const report = {
      items: [
        item({ category: 'matched', ourAmount: 9_000_000, bankAmount: 9_000_000 }),
        item({ category: 'amount_differs', ourAmount: 85_000, bankAmount: 80_000 }),
        item({ category: 'missing_ours', bankAmount: 1_000_000_000_000 }),
        item({ category: 'missing_at_bank', kind: 'payout', ourAmount: 60_000 }),
      ],
    };
    expect(reconDifferences(report).map((i) => i.category)).toEqual([
      'missing_ours',
      'missing_at_bank',
      'amount_differs',
    ]);
    expect(reconDifferences(null)).toEqual([]);
  });

  it.each([
    [
      { category: 'missing_ours', bankAmount: 777_000 },
      'Ngân hàng nhận 777.000 ₫ vào tài khoản chợ nhưng hệ thống không có khoản này',
    ],
    [
      { category: 'missing_at_bank', ourAmount: 60_000, stallCode: 'A-01', vendorName: 'Nguyễn Thị Hoa' },
      'Hệ thống ghi 60.000 ₫ cho sạp A-01 (Nguyễn Thị Hoa) nhưng sao kê ngân hàng không có khoản này',
    ],
    [
      {
        category: 'amount_differs',
        ourAmount: 85_000,
        bankAmount: 80_000,
        stallCode: 'B-02',
        vendorName: 'Trần Văn An',
      },
      'Tiền vào của sạp B-02 (Trần Văn An): hệ thống ghi 85.000 ₫, ngân hàng ghi 80.000 ₫',
    ],
    [
      { category: 'missing_ours', kind: 'payout', bankAmount: 7_000 },
      'Ngân hàng chi 7.000 ₫ từ tài khoản chợ mà hệ thống không có lệnh chi này',
    ],
    [
      { category: 'missing_at_bank', kind: 'payout', ourAmount: 199_000 },
      'Hệ thống ghi đã chi 199.000 ₫ cho một sạp chưa rõ nhưng sao kê ngân hàng không có',
    ],
    [
      {
        category: 'amount_differs',
        kind: 'payout',
        ourAmount: 199_000,
        bankAmount: 190_000,
        stallCode: 'C-03',
        vendorName: 'Lê Thị Mận',
      },
      'Chi trả cho sạp C-03 (Lê Thị Mận): hệ thống ghi 199.000 ₫, ngân hàng ghi 190.000 ₫',
    ],
  ])('says what is wrong in plain Vietnamese (%o)', (over, text) => {
    const [one] = reconDifferences({ items: [item(over)] });
    expect(reconProblem(one!).replace(/\u00a0/g, ' ')).toBe(text);
  });
});
