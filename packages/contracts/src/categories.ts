/**
 * Goods categories: the closed list a stall's `category` is one of (merchant-onboarding refuses others), so statistics
 * group cleanly, and the names people read for each code. The web pages and every export say the same name.
 */
export const CATEGORIES = [
  'vegetables',
  'fruit',
  'meat',
  'fish',
  'dry_goods',
  'clothing',
  'food_stall',
  'household',
  'flowers',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_NAMES: Readonly<Record<Category, { vi: string; en: string }>> = {
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

/** The name of a category code in a language; a code outside the list (an older event) as it is. */
export function categoryName(code: string, lang: 'vi' | 'en' = 'vi'): string {
  return (CATEGORY_NAMES as Record<string, { vi: string; en: string }>)[code]?.[lang] ?? code;
}
