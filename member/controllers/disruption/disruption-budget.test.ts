import { describe, expect, it } from 'vitest';
import { disruptionCounts, scaledValue } from './disruption-budget.js';

describe('disruption arithmetic', () => {
  it('scales percentages rounding up', () => {
    expect(scaledValue(2, 10)).toBe(2);
    expect(scaledValue('50%', 3)).toBe(2);
    expect(scaledValue('10%', 1)).toBe(1);
    expect(scaledValue('0%', 5)).toBe(0);
    expect(scaledValue('100%', 4)).toBe(4);
  });

  it('minAvailable int: desired is the int', () => {
    expect(disruptionCounts({ minAvailable: 2 }, 3, 3)).toEqual({
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
    expect(disruptionCounts({ minAvailable: 2 }, 3, 2).disruptionsAllowed).toBe(0);
    expect(disruptionCounts({ minAvailable: 5 }, 3, 3).disruptionsAllowed).toBe(0);
  });

  it('minAvailable percent rounds up', () => {
    expect(disruptionCounts({ minAvailable: '50%' }, 3, 3)).toMatchObject({
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
  });

  it('maxUnavailable: desired is expected minus the (rounded up) budget, never negative', () => {
    expect(disruptionCounts({ maxUnavailable: 1 }, 3, 3)).toMatchObject({
      desiredHealthy: 2,
      disruptionsAllowed: 1,
    });
    expect(disruptionCounts({ maxUnavailable: '50%' }, 3, 3)).toMatchObject({
      desiredHealthy: 1,
      disruptionsAllowed: 2,
    });
    expect(disruptionCounts({ maxUnavailable: 5 }, 3, 1)).toMatchObject({
      desiredHealthy: 0,
      disruptionsAllowed: 1,
    });
  });

  it('no pods: nothing allowed with minAvailable', () => {
    expect(disruptionCounts({ minAvailable: 1 }, 0, 0)).toMatchObject({
      desiredHealthy: 1,
      disruptionsAllowed: 0,
    });
  });
});
