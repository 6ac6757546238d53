import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import type { ResourceInterpreterCustomization } from '../apis/interpreter-types.js';
import { divideJobCompletions, pruneGeneratedJobSelector } from './builtin-replicas.js';
import { FieldPathSyntaxError, InterpreterRuleError } from './interpreter-errors.js';
import { ResourceInterpreter, type ClusterShare } from './replica-interpreter.js';

const obj = (apiVersion: string, kind: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns' },
  spec,
});

function customization(
  customizations: ResourceInterpreterCustomization['spec']['customizations'],
  name = 'widgets',
): ResourceInterpreterCustomization {
  return {
    apiVersion: 'config.karmada.io/v1alpha1',
    kind: 'ResourceInterpreterCustomization',
    metadata: { name },
    spec: { target: { apiVersion: 'example.io/v1', kind: 'Widget' }, customizations },
  };
}

/** A Widget keeps its replicas in `.spec.scale.pods` and divides its `.spec.shards` too. */
const WIDGET_RULES: ResourceInterpreterCustomization['spec']['customizations'] = {
  replicaResource: {
    replicas: '.spec.scale.pods',
    requests: ".spec.containers[*].resources['requests']",
  },
  replicaRevision: { replicas: '.spec.scale.pods', proportional: ['.spec.shards'] },
};

const interp = (list: ResourceInterpreterCustomization[] = []): ResourceInterpreter =>
  new ResourceInterpreter({ customizations: () => list });

/** The copies of `o` for clusters a and b given replicas 3 and 1. */
const split = (i: ResourceInterpreter, o: KubeObject): Map<string, KubeObject> => {
  const clusters: ClusterShare[] = [
    { name: 'a', replicas: 3 },
    { name: 'b', replicas: 1 },
    { name: 'unplaced' },
  ];
  return i.reviseReplicas(o, clusters);
};
const revise = (i: ResourceInterpreter, o: KubeObject, n: number): KubeObject => {
  const out = i.reviseReplicas(o, [{ name: 'only', replicas: n }]).get('only');
  if (!out) throw new Error('no revised copy');
  return out;
};

/** The error `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('built-in rules', () => {
  it('counts spec.replicas of Deployment, ReplicaSet and StatefulSet (default 1)', () => {
    const i = interp();
    expect(i.getReplicas(obj('apps/v1', 'Deployment', { replicas: 5 }))).toBe(5);
    expect(i.getReplicas(obj('apps/v1', 'ReplicaSet', { replicas: 0 }))).toBe(0);
    expect(i.getReplicas(obj('apps/v1', 'StatefulSet', {}))).toBe(1);
    const sts = obj('apps/v1', 'StatefulSet', { replicas: 4, serviceName: 's' });
    expect(revise(i, sts, 3).spec).toEqual({ replicas: 3, serviceName: 's' });
    expect(sts.spec).toEqual({ replicas: 4, serviceName: 's' });
  });

  it('counts a Job by parallelism and revises parallelism only', () => {
    const job = obj('batch/v1', 'Job', { parallelism: 2, completions: 6 });
    expect(interp().getReplicas(job)).toBe(2);
    expect(revise(interp(), job, 1).spec).toEqual({ parallelism: 1, completions: 6 });
  });

  it('has no replicas for kinds without a rule (ConfigMap, a custom kind)', () => {
    expect(interp().getReplicas(obj('v1', 'ConfigMap', {}))).toBeUndefined();
    expect(interp().getReplicas(obj('example.io/v1', 'Widget', { size: 3 }))).toBeUndefined();
  });

  it('divides a Job’s completions in proportion to each cluster’s parallelism', () => {
    const job = obj('batch/v1', 'Job', { parallelism: 4, completions: 6 });
    const split = divideJobCompletions(job, [
      { name: 'a', replicas: 3 },
      { name: 'b', replicas: 1 },
    ]);
    // 6 × 3/4 = 4.5 → 5 (largest remainder, larger weight first), 6 × 1/4 = 1.5 → 1
    expect(Object.fromEntries(split ?? [])).toEqual({ a: 5, b: 1 });
    const even = divideJobCompletions(obj('batch/v1', 'Job', { parallelism: 2, completions: 6 }), [
      { name: 'a', replicas: 1 },
      { name: 'b', replicas: 1 },
    ]);
    expect(Object.fromEntries(even ?? [])).toEqual({ a: 3, b: 3 });
    expect(divideJobCompletions(obj('batch/v1', 'Job', { parallelism: 2 }), [])).toBeUndefined();
  });

  it('prunes a Job’s generated selector and pod labels, keeping a manual one', () => {
    const spec = {
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
      template: {
        metadata: { labels: { app: 'j', 'controller-uid': 'u1', 'job-name': 'x' } },
      },
    };
    const job = obj('batch/v1', 'Job', structuredClone(spec));
    pruneGeneratedJobSelector(job);
    expect(job.spec).toEqual({ template: { metadata: { labels: { app: 'j' } } } });
    const manual = obj('batch/v1', 'Job', { ...structuredClone(spec), manualSelector: true });
    pruneGeneratedJobSelector(manual);
    expect(manual.spec).toMatchObject({ selector: spec.selector });
  });
});

describe('declarative customizations', () => {
  it('reads and revises a custom kind’s replicas at its paths, dividing proportional fields', () => {
    const i = interp([customization(WIDGET_RULES)]);
    const w = obj('example.io/v1', 'Widget', { scale: { pods: 4 }, shards: 8, tags: ['a'] });
    expect(i.getReplicas(w)).toBe(4);
    const out = split(i, w);
    expect([...out.keys()]).toEqual(['a', 'b']);
    expect(out.get('a')).toEqual({
      apiVersion: 'example.io/v1',
      kind: 'Widget',
      metadata: { name: 'x', namespace: 'ns' },
      spec: { scale: { pods: 3 }, shards: 6, tags: ['a'] },
    });
    expect(out.get('b')?.spec).toEqual({ scale: { pods: 1 }, shards: 2, tags: ['a'] });
    // the template is untouched; an unset proportional field stays unset
    expect(w.spec).toEqual({ scale: { pods: 4 }, shards: 8, tags: ['a'] });
    const noShards = split(i, obj('example.io/v1', 'Widget', { scale: { pods: 4 } }));
    expect(noShards.get('b')?.spec).toEqual({ scale: { pods: 1 } });
  });

  it('overrides a built-in rule for the same apiVersion and kind', () => {
    const c = customization({
      replicaResource: { replicas: ".metadata.annotations['example.io/size']" },
      replicaRevision: { replicas: '.spec.template.metadata.annotations.share' },
    });
    c.spec.target = { apiVersion: 'apps/v1', kind: 'Deployment' };
    const d = obj('apps/v1', 'Deployment', { replicas: 2 });
    d.metadata.annotations = { 'example.io/size': 42 as unknown as string };
    expect(interp([c]).getReplicas(d)).toBe(42);
    expect(revise(interp([c]), d, 7).spec).toEqual({
      replicas: 2,
      template: { metadata: { annotations: { share: 7 } } },
    });
    // without the customization, the built-in rule
    expect(interp().getReplicas(d)).toBe(2);
  });

  it('keeps the copy’s identity whatever a revision path points at', () => {
    const c = customization({ replicaRevision: { replicas: '.kind' } });
    const out = revise(interp([c]), obj('example.io/v1', 'Widget', {}), 3);
    expect(out.kind).toBe('Widget');
  });

  it('aggregates member statuses by sum, max and copy', () => {
    const c = customization({
      statusAggregation: {
        sum: ['.status.readyReplicas', '.status.shards[0].done'],
        max: ['.status.observedGeneration', '.status.nowhere'],
        copy: ['.status.phase'],
      },
    });
    const i = interp([c]);
    const w = obj('example.io/v1', 'Widget', {});
    expect(i.aggregatesStatus(w)).toBe(true);
    expect(interp().aggregatesStatus(w)).toBe(false);
    expect(
      i.aggregateStatus(w, [
        { clusterName: 'b', status: { readyReplicas: 1, observedGeneration: 3 }, applied: true },
        {
          clusterName: 'a',
          status: {
            readyReplicas: 3,
            observedGeneration: 2,
            phase: 'Running',
            shards: [{ done: 4 }],
          },
          applied: true,
        },
        { clusterName: 'c', status: undefined, applied: true },
      ]),
    ).toEqual({ readyReplicas: 4, shards: [{ done: 4 }], observedGeneration: 3, phase: 'Running' });
  });

  it('fails with a non-retryable InterpreterRuleError naming the customization and path', () => {
    const i = interp([customization(WIDGET_RULES)]);
    const e = thrown(() =>
      i.getReplicas(obj('example.io/v1', 'Widget', { scale: { pods: 'three' } })),
    );
    expect(e).toBeInstanceOf(InterpreterRuleError);
    const err = e as InterpreterRuleError;
    expect(err.retryable).toBe(false);
    expect(err.customization).toBe('widgets');
    expect(err.operation).toBe('InterpretReplica');
    expect(err.message).toBe(
      'ResourceInterpreterCustomization widgets: InterpretReplica failed: .spec.scale.pods holds "three", not a non-negative integer',
    );
    expect(() => i.getReplicas(obj('example.io/v1', 'Widget', {}))).toThrow(/holds nothing/);
    expect(() => i.getReplicas(obj('example.io/v1', 'Widget', { scale: { pods: -1 } }))).toThrow(
      InterpreterRuleError,
    );
    const w = obj('example.io/v1', 'Widget', { scale: { pods: 4 }, shards: 2.5 });
    expect(() => split(i, w)).toThrow(/ReviseReplica failed: .spec.shards holds 2.5/);
  });

  it('fails when a revision path runs into a value of another shape', () => {
    const c = customization({ replicaRevision: { replicas: '.spec.scale.pods' } });
    const w = obj('example.io/v1', 'Widget', { scale: 'big' });
    expect(() => revise(interp([c]), w, 2)).toThrow(/cannot be written/);
  });

  it('fails when a summed status field is not a number', () => {
    const c = customization({ statusAggregation: { sum: ['.status.ready'] } });
    const e = thrown(() =>
      interp([c]).aggregateStatus(obj('example.io/v1', 'Widget', {}), [
        { clusterName: 'a', status: { ready: 'yes' }, applied: true },
      ]),
    );
    expect(e).toBeInstanceOf(InterpreterRuleError);
    expect((e as InterpreterRuleError).operation).toBe('AggregateStatus');
  });

  it('turns a malformed path stored before validation into an InterpreterRuleError', () => {
    const c = customization({ replicaResource: { replicas: 'spec.replicas' } });
    const e = thrown(() => interp([c]).getReplicas(obj('example.io/v1', 'Widget', {})));
    expect(e).toBeInstanceOf(InterpreterRuleError);
    expect((e as InterpreterRuleError).cause).toBeInstanceOf(FieldPathSyntaxError);
  });
});
