// The demo market: Chợ Nếnh (Việt Yên, Bắc Giang), five zones, fifty stalls with the kind of names and goods a
// northern market has. Deterministic, so every `npm start` seeds the same market and the logins printed stay valid.
'use strict';

const MARKET = {
  id: 'cho-nenh',
  name: 'Chợ Nếnh',
  province: 'Bắc Giang',
  district: 'Việt Yên',
  address: 'Thị trấn Nếnh, huyện Việt Yên, tỉnh Bắc Giang',
  zones: [
    { code: 'A', name: 'Khu A – Rau củ' },
    { code: 'B', name: 'Khu B – Thịt cá' },
    { code: 'C', name: 'Khu C – Hàng khô' },
    { code: 'D', name: 'Khu D – Quần áo' },
    { code: 'E', name: 'Khu E – Ăn uống' },
  ],
  // BIDV, the simulator's partner bank: stalls' virtual accounts are issued under this collection account.
  collectionAccount: { bin: '970418', accountNumber: '2150008686' },
};

const MANAGER = { username: 'bql.nenh', fullName: 'Trần Thị Thu Hà', password: 'cho-nenh-2026' };

/** Every demo vendor logs in with this PIN (a demo: real vendors choose their own). */
const VENDOR_PIN = '246810';

// [stall code, category, vendor name]
const STALLS = [
  ['A-01', 'vegetables', 'Nguyễn Thị Hoa'],
  ['A-02', 'vegetables', 'Trần Văn Toàn'],
  ['A-03', 'vegetables', 'Lê Thị Mận'],
  ['A-04', 'fruit', 'Phạm Thị Lụa'],
  ['A-05', 'vegetables', 'Hoàng Văn Sáng'],
  ['A-06', 'fruit', 'Ngô Thị Thắm'],
  ['A-07', 'vegetables', 'Đỗ Thị Nụ'],
  ['A-08', 'flowers', 'Vũ Thị Hồng'],
  ['A-09', 'vegetables', 'Bùi Văn Khởi'],
  ['A-10', 'fruit', 'Đặng Thị Xuân'],
  ['A-11', 'vegetables', 'Dương Thị Yến'],
  ['A-12', 'vegetables', 'Lý Văn Thắng'],
  ['B-01', 'meat', 'Nguyễn Văn Hùng'],
  ['B-02', 'meat', 'Trần Thị Bích'],
  ['B-03', 'fish', 'Phạm Văn Đức'],
  ['B-04', 'meat', 'Lê Văn Lực'],
  ['B-05', 'fish', 'Nguyễn Thị Thủy'],
  ['B-06', 'meat', 'Đinh Văn Tuấn'],
  ['B-07', 'fish', 'Hà Thị Liên'],
  ['B-08', 'meat', 'Trịnh Văn Quý'],
  ['B-09', 'fish', 'Mai Thị Oanh'],
  ['B-10', 'meat', 'Cao Văn Phúc'],
  ['C-01', 'dry_goods', 'Nguyễn Thị Hằng'],
  ['C-02', 'dry_goods', 'Phan Văn Long'],
  ['C-03', 'household', 'Trần Thị Nga'],
  ['C-04', 'dry_goods', 'Lương Thị Hạnh'],
  ['C-05', 'household', 'Tạ Văn Minh'],
  ['C-06', 'dry_goods', 'Vương Thị Loan'],
  ['C-07', 'dry_goods', 'Nguyễn Thị Lan'],
  ['C-08', 'household', 'Đoàn Văn Chiến'],
  ['C-09', 'dry_goods', 'Kiều Thị Huệ'],
  ['C-10', 'other', 'Lại Văn Bình'],
  ['D-01', 'clothing', 'Nguyễn Thị Thu'],
  ['D-02', 'clothing', 'Hoàng Thị Mai'],
  ['D-03', 'clothing', 'Trần Văn Hải'],
  ['D-04', 'clothing', 'Chu Thị Ngọc'],
  ['D-05', 'clothing', 'Phùng Thị Dung'],
  ['D-06', 'clothing', 'Lê Thị Kim Anh'],
  ['D-07', 'clothing', 'Đỗ Văn Thành'],
  ['D-08', 'clothing', 'Nông Thị Phương'],
  ['D-09', 'clothing', 'Triệu Văn Sơn'],
  ['E-01', 'food_stall', 'Nguyễn Thị Tuyết'],
  ['E-02', 'food_stall', 'Trần Văn Nam'],
  ['E-03', 'food_stall', 'Phạm Thị Hương'],
  ['E-04', 'food_stall', 'Vũ Văn Hòa'],
  ['E-05', 'food_stall', 'Lê Thị Bình'],
  ['E-06', 'food_stall', 'Hoàng Thị Vân'],
  ['E-07', 'food_stall', 'Bùi Thị Gấm'],
  ['E-08', 'food_stall', 'Ngô Văn Tiến'],
  ['E-09', 'food_stall', 'Đào Thị Hiền'],
];

/** Left waiting for the manager's approval (verified, not yet active). */
const PENDING = new Set(['A-12', 'B-10', 'C-10', 'D-09', 'E-09']);
/** The bank knows this vendor under a fuller name: the name inquiry does not match, a manager must review. */
const NAME_MISMATCH = { 'C-07': 'Nguyễn Thị Lan Anh' };

const BINS = ['970436', '970415', '970418', '970405', '970407', '970422', '970416', '970432', '970423', '970403'];
const PHONE_PREFIXES = ['091', '098', '097', '086', '035', '036', '038', '070', '077', '081', '083', '094'];

/** One stall's registration, derived from its position so it is the same on every run. */
function stallOf(i) {
  const [stallCode, category, fullName] = STALLS[i];
  const prefix = PHONE_PREFIXES[i % PHONE_PREFIXES.length];
  const phone = `${prefix}${String(4_270_000 + i * 137).padStart(7, '0')}`;
  const bin = BINS[(i * 7) % BINS.length];
  const accountNumber = `${1000 + i * 31}${String(560_000 + i * 9_173).padStart(6, '0')}`.slice(0, 12);
  return {
    stallCode,
    zone: stallCode[0],
    category,
    vendor: { fullName, phone, pin: VENDOR_PIN },
    payoutAccount: { bin, accountNumber },
    bankName: NAME_MISMATCH[stallCode] ?? fullName,
    approve: !PENDING.has(stallCode),
  };
}

const DEMO_STALLS = STALLS.map((_, i) => stallOf(i));

/** A believable ticket for the goods, in whole thousands of đồng. */
function amountFor(category, rnd = Math.random) {
  const [lo, hi, step] = {
    vegetables: [8_000, 60_000, 1_000],
    fruit: [20_000, 150_000, 5_000],
    flowers: [20_000, 120_000, 5_000],
    meat: [50_000, 350_000, 5_000],
    fish: [40_000, 300_000, 5_000],
    dry_goods: [15_000, 250_000, 5_000],
    household: [20_000, 300_000, 5_000],
    clothing: [80_000, 450_000, 10_000],
    food_stall: [20_000, 70_000, 5_000],
    other: [10_000, 200_000, 5_000],
  }[category] ?? [10_000, 100_000, 5_000];
  return lo + Math.floor((rnd() * (hi - lo)) / step) * step;
}

module.exports = { MARKET, MANAGER, VENDOR_PIN, DEMO_STALLS, amountFor };
