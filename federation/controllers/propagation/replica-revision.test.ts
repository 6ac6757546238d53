import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../machinery/meta.js';
import type { ResourceInterpreterCustomization } from '../../apis/index.js';
import type { InterpreterRuleError } from '../../interpreter/interpreter-errors.js';
import { ResourceInterpreter } from '../../interpreter/replica-interpreter.js';
import { customResourceStatus } from './custom-resource-status.js';
import { revisedTemplates, statusAggregator, templateReplicas } from './replica-revision.js';
import type { ApplyResult } from './template-type.js';

const job: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'ns', generation: 2 },
  spec: { parallelism: 4, completions: 6, template: {} },
};
const widget: KubeObject = {
  apiVersion: 'example.io/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns' },
  spec: { replicas: 2 },
  status: { ready: 0 },
};

function ric(
  customizations: ResourceInterpreterCustomization['spec']['customizations'],
): ResourceInterpreterCustomization {
  return {
    apiVersion: 'config.karmada.io/v1alpha1',
    kind: 'ResourceInterpreterCustomization',
    metadata: { name: 'widgets' },
    spec: { target: { apiVersion: 'example.io/v1', kind: 'Widget' }, customizations },
  };
}
const interp = (list: ResourceInterpreterCustomization[] = []): ResourceInterpreter =>
  new ResourceInterpreter({ customizations: () => list });

const applied = (cluster: string, status: Record<string, unknown>): ApplyResult => ({
  cluster,
  applied: true,
  object: { ...widget, status },
});

describe('revisedTemplates', () => {
  it('gives each cluster of a Divided Job its parallelism and share of the completions', () => {
    const r = revisedTemplates(
      interp(),
      job,
      [
        { name: 'a', replicas: 3 },
        { name: 'b', replicas: 1 },
      ],
      true,
    );
    if (!r.ok) throw r.error;
    expect(r.value.get('a')?.spec).toMatchObject({ parallelism: 3, completions: 5 });
    expect(r.value.get('b')?.spec).toMatchObject({ parallelism: 1, completions: 1 });
    expect(r.value.get('a')?.metadata).toBe(job.metadata);
    expect(job.spec).toMatchObject({ parallelism: 4, completions: 6 });
  });

  it('leaves a Duplicated template unrevised in every cluster', () => {
    const r = revisedTemplates(interp(), job, [{ name: 'a', replicas: 4 }], false);
    expect(r.ok && r.value.get('a')).toBe(job);
  });

  it('gives a custom kind’s clusters their share by its customization', () => {
    const r = revisedTemplates(
      interp([ric({ replicaRevision: { replicas: '.spec.replicas' } })]),
      widget,
      [
        { name: 'a', replicas: 3 },
        { name: 'b', replicas: 1 },
      ],
      true,
    );
    if (!r.ok) throw r.error;
    expect([r.value.get('a')?.spec, r.value.get('b')?.spec]).toEqual([
      { replicas: 3 },
      { replicas: 1 },
    ]);
  });

  it('returns a failing rule as a non-retryable error instead of throwing', () => {
    const broken = interp([ric({ replicaResource: { replicas: '.spec.boom' } })]);
    const r = templateReplicas(broken, widget);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.retryable).toBe(false);
      expect(r.error.message).toBe(
        'ResourceInterpreterCustomization widgets: InterpretReplica failed: .spec.boom holds nothing, not a non-negative integer',
      );
    }
  });
});

describe('custom resource status', () => {
  const sum = ric({ statusAggregation: { sum: ['.status.ready'] } });

  it('aggregates several members with the customization, copies a single one without', () => {
    const failed: InterpreterRuleError[] = [];
    const results = [applied('a', { ready: 2 }), applied('b', { ready: 1 })];
    expect(customResourceStatus(widget, results, statusAggregator(interp([sum]), failed))).toEqual({
      ready: 3,
    });
    expect(customResourceStatus(widget, results, statusAggregator(interp(), failed))).toBe(
      undefined,
    );
    expect(
      customResourceStatus(
        widget,
        [applied('a', { ready: 5 })],
        statusAggregator(interp(), failed),
      ),
    ).toEqual({ ready: 5 });
    expect(failed).toEqual([]);
  });

  it('leaves the status alone and reports the error when the rule fails', () => {
    const failed: InterpreterRuleError[] = [];
    const agg = statusAggregator(interp([sum]), failed);
    expect(customResourceStatus(widget, [applied('a', { ready: 'five' })], agg)).toBeUndefined();
    expect(failed.map((e) => e.operation)).toEqual(['AggregateStatus']);
  });
});
