import { lang } from './i18n';

/**
 * Names people read for the services' codes: goods categories, zone codes. The categories are also in
 * @marketqr/contracts (categories.ts), which the services' CSV exports use: labels.test.ts keeps the two the same.
 */
export const CATEGORY_NAMES: Record<string, { vi: string; en: string }> = {
  vegetables: { vi: 'Rau củ', en: 'Vegetables' },
  fruit: { vi: 'Trái cây', en: 'Fruit' },
  meat: { vi: 'Thịt', en: 'Meat' },
  fish: { vi: 'Cá, hải sản', en: 'Fish' },
  dry_goods: { vi: 'Hàng khô', en: 'Dry goods' },
  clothing: { vi: 'Quần áo', en: 'Clothing' },
  food_stall: { vi: 'Ăn uống', en: 'Food stalls' },
  household: { vi: 'Đồ gia dụng', en: 'Household' },
  flowers: { vi: 'Hoa', en: 'Flowers' },
  other: { vi: 'Khác', en: 'Other' },
};

export function labelOf(key: string, value: string): string {
  if (key === 'category') return CATEGORY_NAMES[value]?.[lang()] ?? value;
  if (key === 'zone' && /^[A-Z0-9-]{1,4}$/.test(value)) return `${lang() === 'vi' ? 'Khu' : 'Zone'} ${value}`;
  return value;
}

export function categoryName(c: string): string {
  return labelOf('category', c);
}

export function zoneName(z: string): string {
  return labelOf('zone', z);
}
