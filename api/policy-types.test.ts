import { describe, expect, it } from 'vitest';
import { podDisruptionBudgetType, type PodDisruptionBudget } from './policy-types.js';

const pdb = (spec: Record<string, unknown>): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'p', namespace: 'default' },
  spec,
});
const fields = (spec: Record<string, unknown>): (string | undefined)[] =>
  (podDisruptionBudgetType.validate?.(pdb(spec), undefined) ?? []).map((c) => c.field);
const sel = { matchLabels: { app: 'web' } };

describe('PodDisruptionBudget validation', () => {
  it('accepts one of minAvailable/maxUnavailable as an int or a percentage, with a selector', () => {
    expect(fields({ minAvailable: 2, selector: sel })).toEqual([]);
    expect(fields({ minAvailable: '50%', selector: sel })).toEqual([]);
    expect(fields({ maxUnavailable: 1, selector: {} })).toEqual([]);
    expect(fields({ maxUnavailable: '100%', selector: sel })).toEqual([]);
  });

  it('refuses both, neither, bad values and a missing selector', () => {
    expect(fields({ minAvailable: 1, maxUnavailable: 1, selector: sel })).toEqual(['spec']);
    expect(fields({ selector: sel })).toEqual(['spec.minAvailable']);
    expect(fields({ minAvailable: -1, selector: sel })).toEqual(['spec.minAvailable']);
    expect(fields({ minAvailable: 'half', selector: sel })).toEqual(['spec.minAvailable']);
    expect(fields({ maxUnavailable: '150%', selector: sel })).toEqual(['spec.maxUnavailable']);
    expect(fields({ minAvailable: 1.5, selector: sel })).toEqual(['spec.minAvailable']);
    expect(fields({ minAvailable: 1 })).toEqual(['spec.selector']);
  });

  it('prints MIN AVAILABLE, MAX UNAVAILABLE and ALLOWED DISRUPTIONS', () => {
    const p = pdb({ minAvailable: 2, selector: sel });
    p.status = { disruptionsAllowed: 1 };
    expect(podDisruptionBudgetType.printerColumns?.map((c) => [c.name, c.value(p)])).toEqual([
      ['Min Available', '2'],
      ['Max Unavailable', 'N/A'],
      ['Allowed Disruptions', 1],
    ]);
  });
});
