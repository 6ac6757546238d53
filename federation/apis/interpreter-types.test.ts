import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../../machinery/meta.js';
import {
  resourceInterpreterCustomizationType,
  type ResourceInterpreterCustomization,
} from './interpreter-types.js';

const ric = (customizations: unknown, target: unknown = { apiVersion: 'x/v1', kind: 'W' }) =>
  ({
    apiVersion: 'config.karmada.io/v1alpha1',
    kind: 'ResourceInterpreterCustomization',
    metadata: { name: 'w' },
    spec: { target, customizations },
  }) as ResourceInterpreterCustomization;

const causes = (o: ResourceInterpreterCustomization): StatusCause[] =>
  resourceInterpreterCustomizationType.validate?.(o, undefined) ?? [];
const fields = (o: ResourceInterpreterCustomization): string[] =>
  causes(o).map((c) => c.field ?? '');

describe('ResourceInterpreterCustomization validation', () => {
  it('accepts every rule with well-formed paths', () => {
    expect(
      causes(
        ric({
          replicaResource: {
            replicas: '.spec.replicas',
            requests: '.spec.template.spec.containers[*].resources.requests',
          },
          replicaRevision: { replicas: '.spec.replicas', proportional: ['.spec.completions'] },
          statusAggregation: {
            sum: ['.status.readyReplicas'],
            max: ['.status.observedGeneration'],
            copy: [".status.conditions[0]['type']"],
          },
        }),
      ),
    ).toEqual([]);
  });

  it('names every malformed, missing or unsupported field at once', () => {
    expect(
      fields(
        ric({
          replicaResource: { replicas: 'spec.replicas', script: 'return obj.spec.replicas' },
          replicaRevision: { proportional: ['.spec.a', '.spec.b[*]'] },
          statusAggregation: { sum: '.status.x', copy: ['.spec.replicas'] },
          healthInterpretation: {},
        }),
      ),
    ).toEqual([
      'spec.customizations.replicaResource.script',
      'spec.customizations.replicaResource.replicas',
      'spec.customizations.replicaRevision.replicas',
      'spec.customizations.replicaRevision.proportional[1]',
      'spec.customizations.statusAggregation.sum',
      'spec.customizations.statusAggregation.copy[0]',
      'spec.customizations.healthInterpretation',
    ]);
  });

  it('says why a path is refused', () => {
    const [c] = causes(ric({ replicaResource: { replicas: '.spec[x]' } }));
    expect(c).toMatchObject({
      reason: 'FieldValueInvalid',
      field: 'spec.customizations.replicaResource.replicas',
    });
    expect(c?.message).toMatch(/^Invalid value: invalid path ".spec\[x\]" at 5/);
  });

  it('requires the target and the customizations', () => {
    expect(fields(ric(undefined, {}))).toEqual([
      'spec.target.apiVersion',
      'spec.target.kind',
      'spec.customizations',
    ]);
  });

  it('documents every rule field in the OpenAPI schema', () => {
    const s = JSON.stringify(resourceInterpreterCustomizationType.openApiSchema);
    for (const f of ['replicaResource', 'proportional', 'statusAggregation', 'requests']) {
      expect(s).toContain(`"${f}"`);
    }
    expect(s).toContain('summed over the members');
  });
});
