import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.js';
import { ForbiddenError, NotFoundError } from '../errors/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import {
  NAMESPACE_TERMINATING_CAUSE,
  NamespaceLifecycle,
  namespaceCreateDecision,
  namespaceDeleteDecision,
} from './namespace-lifecycle.js';

const rt = (plural: string, namespaced: boolean, group = ''): ResourceType => ({
  group,
  version: 'v1',
  kind: plural,
  plural,
  singular: plural,
  namespaced,
});
const configmaps = rt('configmaps', true);
const namespaces = rt('namespaces', false);
const ns = (name: string, terminating = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  status: { phase: terminating ? 'Terminating' : 'Active' },
});

describe('namespaceCreateDecision', () => {
  it('refuses a create in a missing namespace with 404 namespaces "x" not found', () => {
    const err = namespaceCreateDecision(configmaps, 'nope', undefined, 'x');
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err?.toStatus()).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "nope" not found',
      details: { name: 'nope', kind: 'namespaces' },
    });
  });

  it('refuses a create in a terminating namespace with 403 and a NamespaceTerminating cause', () => {
    const err = namespaceCreateDecision(configmaps, 'team-a', ns('team-a', true), 'x');
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.toStatus()).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message:
        'configmaps "x" is forbidden: unable to create new content in namespace team-a because it is being terminated',
      details: { causes: [{ reason: NAMESPACE_TERMINATING_CAUSE, field: 'metadata.namespace' }] },
    });
  });

  it('admits creates in active namespaces, cluster-scoped objects and reviews', () => {
    expect(namespaceCreateDecision(configmaps, 'team-a', ns('team-a'))).toBeUndefined();
    expect(namespaceCreateDecision(namespaces, undefined, undefined)).toBeUndefined();
    const review = rt('localsubjectaccessreviews', true, 'authorization.k8s.io');
    expect(namespaceCreateDecision(review, 'nope', undefined)).toBeUndefined();
    expect(namespaceCreateDecision(review, 'gone', ns('gone', true))).toBeUndefined();
  });
});

describe('namespaceDeleteDecision', () => {
  it('refuses deleting the immortal namespaces only', () => {
    for (const n of ['default', 'kube-system', 'kube-public']) {
      expect(namespaceDeleteDecision(n)?.toStatus()).toMatchObject({
        code: 403,
        message: `namespaces "${n}" is forbidden: this namespace may not be deleted`,
      });
    }
    expect(namespaceDeleteDecision('team-a')).toBeUndefined();
  });
});

describe('NamespaceLifecycle', () => {
  const stored = new Map([
    ['team-a', ns('team-a')],
    ['old', ns('old', true)],
  ]);
  /** What the watch cache holds (it may lag storage). */
  const cached = new Map<string, KubeObject>();
  const reads: string[] = [];
  const registry = {
    get: (_rt: ResourceType, _ns: string | undefined, name: string) => {
      reads.push(name);
      const o = stored.get(name);
      return o ? Promise.resolve(o) : Promise.reject(new NotFoundError(`"${name}" not found`));
    },
    cached: (_rt: ResourceType, _ns: string | undefined, name: string) => cached.get(name),
  } as unknown as GenericRegistry;
  const admission = new NamespaceLifecycle({ registry, namespaceType: namespaces });
  const body = { metadata: { name: 'x' } };

  it('admits a create in a namespace the watch cache holds as active without reading storage', async () => {
    cached.set('cached-a', ns('cached-a'));
    reads.length = 0;
    await expect(admission.admitCreate(configmaps, 'cached-a', body)).resolves.toBeUndefined();
    expect(reads).toEqual([]);
    cached.clear();
  });

  it('reads storage when the cache holds the namespace as terminating (it may be made anew)', async () => {
    cached.set('team-a', ns('team-a', true));
    reads.length = 0;
    await expect(admission.admitCreate(configmaps, 'team-a', body)).resolves.toBeUndefined();
    expect(reads).toEqual(['team-a']);
    cached.clear();
  });

  it('reads the stored namespace for each create', async () => {
    await expect(admission.admitCreate(configmaps, 'team-a', body)).resolves.toBeUndefined();
    await expect(admission.admitCreate(configmaps, 'nope', body)).rejects.toThrow(
      'namespaces "nope" not found',
    );
    await expect(admission.admitCreate(configmaps, 'old', body)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('never checks the Namespace type itself', async () => {
    await expect(admission.admitCreate(namespaces, undefined, body)).resolves.toBeUndefined();
    expect(() => {
      admission.admitDelete(namespaces, 'kube-system');
    }).toThrow(ForbiddenError);
    expect(() => {
      admission.admitDelete(configmaps, 'kube-system');
    }).not.toThrow();
  });
});
