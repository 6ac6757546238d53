import { describe, expect, it } from 'vitest';
import { quantityValue } from './quantity.js';

describe('quantityValue', () => {
  it('reads decimal, binary, exponent and small suffixes', () => {
    expect(quantityValue('500m')).toBeCloseTo(0.5);
    expect(quantityValue('2')).toBe(2);
    expect(quantityValue('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('12345n')).toBeCloseTo(0.000012345);
    expect(quantityValue('4k')).toBe(4000);
    expect(quantityValue(3)).toBe(3);
  });

  it('is undefined for what is not a quantity', () => {
    for (const q of ['', 'abc', '1.2.3', '5X', undefined, null, {}, Number.NaN]) {
      expect(quantityValue(q), JSON.stringify(q)).toBeUndefined();
    }
  });
});
