import { createHash } from 'node:crypto';

/**
 * Deterministic Vietnamese holder names: the same BIN and account always give the same person, across runs and seeds,
 * so a test or a demo can rely on "970436 / 0011004455667 is Trần Thị Thu Hương" without registering anything.
 * Family names are weighted roughly as in the population (Nguyễn alone is about four in ten).
 */
const FAMILY: [string, number][] = [
  ['Nguyễn', 38],
  ['Trần', 11],
  ['Lê', 9],
  ['Phạm', 7],
  ['Hoàng', 4],
  ['Huỳnh', 4],
  ['Phan', 4],
  ['Vũ', 3],
  ['Võ', 3],
  ['Đặng', 2],
  ['Bùi', 2],
  ['Đỗ', 2],
  ['Hồ', 1],
  ['Ngô', 1],
  ['Dương', 1],
  ['Lý', 1],
  ['Trương', 1],
  ['Đinh', 1],
  ['Lâm', 1],
  ['Mai', 1],
];
// Repeats weight the common middle names; '_' joins a two-word one ('Thị Thu').
const words = (s: string) => s.split(' ').map((w) => w.replace('_', ' '));
const MIDDLE_MALE = words('Văn Văn Văn Hữu Đức Minh Quốc Thành Công Xuân Hoàng Thanh');
const MIDDLE_FEMALE = words('Thị Thị Thị Thị Ngọc Thu Thanh Kim Mỹ Bích Hồng Thị_Thu');
const GIVEN_MALE = words(
  'An Bảo Bình Cường Dũng Đạt Hải Hiếu Hùng Huy Khang Khoa Lâm Long Lộc Minh Nam Nghĩa Phong Phúc Quang Quân Sơn Tài Thắng Thành Tiến Toàn Trung Tuấn Việt Vinh',
);
const GIVEN_FEMALE = words(
  'Anh Châu Chi Diệp Dung Giang Hà Hạnh Hằng Hoa Hương Huyền Lan Liên Linh Loan Mai My Nga Ngân Nhung Oanh Phương Quyên Tâm Thảo Thủy Trang Trinh Tuyết Vân Vy Xuân Yến',
);
const FAMILY_TOTAL = FAMILY.reduce((s, [, w]) => s + w, 0);

export function holderNameFor(bin: string, accountNumber: string): string {
  const h = createHash('sha256').update(`${bin}:${accountNumber}`).digest();
  let pick = h.readUInt16BE(0) % FAMILY_TOTAL;
  let family = FAMILY[0]![0];
  for (const [name, weight] of FAMILY) {
    if (pick < weight) {
      family = name;
      break;
    }
    pick -= weight;
  }
  const female = h[2]! % 2 === 0;
  const middle = female ? MIDDLE_FEMALE : MIDDLE_MALE;
  const given = female ? GIVEN_FEMALE : GIVEN_MALE;
  return `${family} ${middle[h.readUInt16BE(3) % middle.length]} ${given[h.readUInt16BE(5) % given.length]}`;
}

/** The form NAPAS shows in bank apps: upper case, no diacritics ("NGUYỄN THỊ LAN" → "NGUYEN THI LAN"). */
export function toAsciiUpper(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .trim();
}
