import { CATEGORY_NAMES as CONTRACT_NAMES } from '../../../../packages/contracts/src/categories';
import { CATEGORY_NAMES, labelOf } from './labels';

describe('names people read', () => {
  it('the pages name every goods category as the CSV exports do (the contracts’ list)', () => {
    expect(CATEGORY_NAMES).toEqual(CONTRACT_NAMES);
  });

  it('a zone code reads "Khu A"; a zone stored with its name stays as it is', () => {
    expect(labelOf('zone', 'A')).toBe('Khu A');
    expect(labelOf('zone', 'Khu B – Thịt cá')).toBe('Khu B – Thịt cá');
    expect(labelOf('category', 'meat')).toBe('Thịt');
  });
});
