import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../machinery/errors/index.js';
import { clusterType } from './federation-resource-types.js';
import type { Cluster } from './federation-types.js';
import { admitClusterCreate, workType } from './work-resource-types.js';
import type { Work } from './work-types.js';
import { clusterOfAgent, clusterOfExecutionNamespace, workName } from './work-types.js';

const pull = (name: string, extra: Partial<Cluster['spec']> = {}): Cluster => ({
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name },
  spec: { syncMode: 'Pull', apiEndpoint: 'https://127.0.0.1:6443', ...extra },
});
const work = (ns: string, manifests: Work['spec']['workload']['manifests']): Work => ({
  apiVersion: 'work.flotilla.io/v1alpha1',
  kind: 'Work',
  metadata: { name: 'deployment.ns.web', namespace: ns, generation: 1 },
  spec: { workload: { manifests } },
});
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };

describe('pull-mode names', () => {
  it('maps users, namespaces and templates', () => {
    expect(clusterOfAgent('system:flotilla:agent:p1')).toBe('p1');
    expect(clusterOfAgent('system:flotilla:agent:')).toBeUndefined();
    expect(clusterOfAgent('admin')).toBeUndefined();
    expect(clusterOfExecutionNamespace('fed-es-p1')).toBe('p1');
    expect(clusterOfExecutionNamespace('default')).toBeUndefined();
    expect(workName('Deployment', 'ns', 'web')).toBe('deployment.ns.web');
    expect(workName('Namespace', undefined, 'ns')).toBe('namespace.ns');
  });
});

describe('Cluster syncMode', () => {
  it('defaults to Push, which needs a secretRef', () => {
    const c = pull('p1');
    delete c.spec.syncMode;
    clusterType.defaults?.(c);
    expect(c.spec.syncMode).toBe('Push');
    expect(clusterType.validate?.(c, undefined).map((x) => x.field)).toEqual(['spec.secretRef']);
  });

  it('forbids credentials and DNS on a Pull cluster, and unknown modes', () => {
    const c = pull('p1', {
      secretRef: { namespace: 'flotilla-system', name: 's' },
      dns: { zone: 'p1.local', server: '127.0.0.1:53' },
    });
    expect(clusterType.validate?.(c, undefined).map((x) => x.field)).toEqual([
      'spec.secretRef',
      'spec.dns',
    ]);
    const odd = pull('p1', { syncMode: 'Sideways' as 'Pull' });
    expect(clusterType.validate?.(odd, undefined).map((x) => x.field)).toContain('spec.syncMode');
    expect(clusterType.validate?.(pull('p1'), undefined)).toEqual([]);
  });

  it('lets an agent create only its own Pull cluster without credentials', () => {
    const agent = { user: 'system:flotilla:agent:p1' };
    expect(() => {
      admitClusterCreate(pull('p1'), agent);
    }).not.toThrow();
    expect(() => {
      admitClusterCreate(pull('p2'), agent);
    }).toThrow(ForbiddenError);
    const push = pull('p1', { syncMode: 'Push' });
    expect(() => {
      admitClusterCreate(push, agent);
    }).toThrow(ForbiddenError);
    const creds = pull('p1', { secretRef: { namespace: 'flotilla-system', name: 's' } });
    expect(() => {
      admitClusterCreate(creds, agent);
    }).toThrow(ForbiddenError);
    expect(() => {
      admitClusterCreate(pull('p2'), { user: 'admin' });
    }).not.toThrow();
  });

  it('lets an agent write only the status of its own Cluster', () => {
    const upd = clusterType.admitUpdate;
    const c = pull('p1');
    expect(() =>
      upd?.(c, c, { operation: 'UPDATE', user: 'system:flotilla:agent:p1', subresource: 'status' }),
    ).not.toThrow();
    expect(() =>
      upd?.(c, c, {
        operation: 'UPDATE',
        user: 'system:flotilla:agent:p1',
        subresource: undefined,
      }),
    ).toThrow(ForbiddenError);
    expect(() =>
      upd?.(c, c, { operation: 'UPDATE', user: 'system:flotilla:agent:p2', subresource: 'status' }),
    ).toThrow(ForbiddenError);
  });
});

describe('Work', () => {
  it('validates manifests', () => {
    expect(workType.validate?.(work('fed-es-p1', [cm]), undefined)).toEqual([]);
    const bad = work('fed-es-p1', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }]);
    expect(workType.validate?.(bad, undefined).map((x) => x.field)).toEqual([
      'spec.workload.manifests[0]',
    ]);
  });

  it('lets an agent change only finalizers and status, in its own namespace', () => {
    const admit = workType.admitUpdate;
    const ctx = {
      operation: 'UPDATE' as const,
      user: 'system:flotilla:agent:p1',
      subresource: undefined,
    };
    const old = work('fed-es-p1', [cm]);
    const fin = { ...old, metadata: { ...old.metadata, finalizers: ['x'] } };
    expect(() => admit?.(fin, old, ctx)).not.toThrow();
    const changed = work('fed-es-p1', [{ ...cm, data: { a: 'b' } }]);
    expect(() => admit?.(changed, old, ctx)).toThrow(ForbiddenError);
    const other = work('fed-es-p2', [cm]);
    expect(() => admit?.(other, other, { ...ctx, subresource: 'status' })).toThrow(ForbiddenError);
    // the federation's own writers are not restricted here
    expect(() =>
      admit?.(changed, old, { ...ctx, user: 'system:flotilla:federation-controller-manager' }),
    ).not.toThrow();
  });
});
