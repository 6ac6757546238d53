import { describe, expect, it } from 'vitest';
import type { CustomResourceDefinition } from '../../../api/index.js';
import type { PropagationPolicy, ResourceBinding } from '../../apis/index.js';
import type { InformerHandlers } from '../../../machinery/informer/index.js';
import {
  crdDependents,
  CustomResourceKinds,
  customResourceTemplateType,
  dependencyPolicy,
  withoutReplicaInterpreter,
} from './custom-resource-kinds.js';
import type { TemplateType } from './template-type.js';

function crd(established: boolean, status = true, version = 'v1'): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        { name: 'v1alpha1', served: true, storage: false },
        {
          name: version,
          served: true,
          storage: true,
          ...(status ? { subresources: { status: {} } } : {}),
        },
      ],
    },
    status: {
      conditions: [{ type: 'Established', status: established ? 'True' : 'False' }],
    },
  };
}

const WIDGET: TemplateType = {
  gvr: { group: 'example.com', version: 'v1', resource: 'widgets' },
  kind: 'Widget',
  apiVersion: 'example.com/v1',
  status: true,
  crd: 'widgets.example.com',
};

function binding(name: string, kind: string, clusters: string[]): ResourceBinding {
  return {
    apiVersion: 'work.flotilla.io/v1alpha1',
    kind: 'ResourceBinding',
    metadata: { name, namespace: 'shop' },
    spec: {
      resource: { apiVersion: 'example.com/v1', kind, name },
      policy: { namespace: 'shop', name: 'widgets' },
      clusters: clusters.map((c) => ({ name: c })),
    },
  };
}

describe('customResourceTemplateType', () => {
  it('is the storage version of an Established CRD, with its status subresource', () => {
    expect(customResourceTemplateType(crd(true))).toEqual(WIDGET);
    expect(customResourceTemplateType(crd(true, false))?.status).toBe(false);
    expect(customResourceTemplateType(crd(false))).toBeUndefined();
  });
});

describe('CustomResourceKinds', () => {
  it('adds a kind once its CRD is Established and removes it when the CRD is gone', () => {
    let h: InformerHandlers<CustomResourceDefinition> = {};
    const log: string[] = [];
    const kinds = new CustomResourceKinds({
      crds: {
        addEventHandler: (x) => {
          h = x;
        },
      },
      added: (t) => log.push(`+${t.apiVersion}`),
      removed: (t) => log.push(`-${t.apiVersion}`),
    });
    h.onAdd?.(crd(false));
    expect(kinds.list()).toEqual([]);
    h.onUpdate?.(crd(false), crd(true));
    h.onUpdate?.(crd(true), crd(true, false)); // same kind: no restart
    expect(kinds.ofCrd('widgets.example.com')?.status).toBe(false);
    expect(kinds.byKind('example.com/v1', 'Widget')?.crd).toBe('widgets.example.com');
    h.onUpdate?.(crd(true), crd(true, true, 'v2')); // another storage version: another informer
    h.onDelete?.(crd(true, true, 'v2'));
    expect(log).toEqual([
      '+example.com/v1',
      '-example.com/v1',
      '+example.com/v2',
      '-example.com/v2',
    ]);
    expect(kinds.list()).toEqual([]);
  });
});

describe('CRD dependencies', () => {
  it('places a CRD in every cluster its custom resources are bound to', () => {
    const deps = crdDependents(WIDGET, [
      binding('b', 'Widget', ['m2', 'm1']),
      binding('a', 'Widget', ['m3']),
      binding('c', 'Gadget', ['m4']),
    ]);
    expect(deps).toEqual({
      clusters: ['m1', 'm2', 'm3'],
      policy: { namespace: 'shop', name: 'widgets' },
    });
    const pp = {
      metadata: { name: 'widgets', namespace: 'shop' },
      spec: { conflictResolution: 'Overwrite' },
    } as PropagationPolicy;
    const policy = dependencyPolicy(deps, { get: (k) => (k === 'shop/widgets' ? pp : undefined) });
    expect(policy.spec.placement).toEqual({
      clusterAffinity: { clusterNames: ['m1', 'm2', 'm3'] },
    });
    expect(policy.spec.conflictResolution).toBe('Overwrite');
  });

  it('says that Divided is placed Duplicated for a kind without a replicas interpreter', () => {
    const pp = {
      metadata: { name: 'widgets', namespace: 'shop' },
      spec: {
        resourceSelectors: [],
        placement: { replicaScheduling: { replicaSchedulingType: 'Divided' } },
      },
    } as unknown as PropagationPolicy;
    const ok = { ok: true, reason: 'Success', message: 'placed in m1, m2' } as const;
    expect(withoutReplicaInterpreter(WIDGET, pp, ok)).toEqual({
      ok: true,
      reason: 'NoReplicaInterpreter',
      message:
        'placed in m1, m2; Widget has no replicas interpreter: replicaSchedulingType Divided is not supported for it, placed Duplicated',
    });
    const { crd: _crd, ...builtIn } = WIDGET;
    expect(withoutReplicaInterpreter(builtIn, pp, ok)).toBe(ok);
    // a built-in workload without replicas says so too (a ConfigMap is placed Duplicated silently)
    const daemonSet = { ...builtIn, kind: 'DaemonSet', apiVersion: 'apps/v1' };
    expect(withoutReplicaInterpreter(daemonSet, pp, ok).reason).toBe('NoReplicaInterpreter');
  });
});
