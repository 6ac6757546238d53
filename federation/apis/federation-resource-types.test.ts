import { describe, expect, it } from 'vitest';
import type { PropagationPolicy, SpreadConstraint } from './federation-types.js';
import { propagationPolicyType } from './federation-resource-types.js';

const pp = (spread: unknown, extra: Record<string, unknown> = {}): PropagationPolicy => ({
  apiVersion: 'policy.flotilla.io/v1alpha1',
  kind: 'PropagationPolicy',
  metadata: { name: 'p', namespace: 'default' },
  spec: {
    resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
    placement: { spreadConstraints: spread as SpreadConstraint[] },
    ...extra,
  },
});

const fields = (p: PropagationPolicy): string[] =>
  (propagationPolicyType.validate?.(p, undefined) ?? []).map((c) => c.field ?? '');

describe('PropagationPolicy spreadConstraints and propagateDeps validation', () => {
  it('accepts Karmada-shaped constraints', () => {
    expect(
      fields(
        pp(
          [
            { spreadByField: 'region', minGroups: 2, maxGroups: 2 },
            { spreadByField: 'cluster', maxGroups: 3 },
          ],
          {
            propagateDeps: true,
          },
        ),
      ),
    ).toEqual([]);
    expect(fields(pp([{ spreadByLabel: 'rack', minGroups: 1 }]))).toEqual([]);
  });

  it('names each bad field', () => {
    expect(
      fields(
        pp(
          [
            { spreadByField: 'region', minGroups: 3, maxGroups: 1 },
            { spreadByField: 'galaxy' },
            { spreadByField: 'zone', spreadByLabel: 'x' },
            { minGroups: -1 },
          ],
          { propagateDeps: 'yes' },
        ),
      ),
    ).toEqual([
      'spec.placement.spreadConstraints[0].maxGroups',
      'spec.placement.spreadConstraints[1].spreadByField',
      'spec.placement.spreadConstraints[1]',
      'spec.placement.spreadConstraints[2]',
      'spec.placement.spreadConstraints[2]',
      'spec.placement.spreadConstraints[3].spreadByField',
      'spec.placement.spreadConstraints[3].minGroups',
      'spec.placement.spreadConstraints[3]',
      'spec.propagateDeps',
    ]);
  });
});
