import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import type { AuthorizationAttributes } from '../../machinery/auth/authorizer.js';
import { ForbiddenError, NotFoundError } from '../../machinery/errors/index.js';
import { nodeType } from '../../api/index.js';
import { NodeRestriction, restrictKubeletCreates } from './node-restriction.js';

const kubelet = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const pods: Record<string, string> = { 'default/mine': 'n1', 'default/theirs': 'n2' };

// RBAC stand-in that allows everything: what is refused is refused by the restriction
const restriction = new NodeRestriction({
  inner: { authorize: () => Promise.resolve({ allowed: true }) },
  getPod: (ns, name) => {
    const node = pods[`${ns}/${name}`];
    if (node === undefined) return Promise.reject(new NotFoundError('no pod'));
    return Promise.resolve({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName: node },
    } as KubeObject);
  },
});

function attrs(over: Partial<AuthorizationAttributes>): AuthorizationAttributes {
  return {
    user: kubelet,
    verb: 'update',
    resourceRequest: true,
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'nodes',
    subresource: '',
    namespace: '',
    name: 'n1',
    path: '',
    ...over,
  };
}

const allowed = async (over: Partial<AuthorizationAttributes>): Promise<boolean> =>
  (await restriction.authorize(attrs(over))).allowed;

describe('NodeRestriction', () => {
  it('lets a kubelet modify only its own Node and Lease', async () => {
    expect(await allowed({})).toBe(true);
    expect(await allowed({ subresource: 'status' })).toBe(true);
    expect(await allowed({ name: 'n2' })).toBe(false);
    expect(await allowed({ name: 'n2', verb: 'delete' })).toBe(false);
    expect(await allowed({ name: 'n2', verb: 'get' })).toBe(true);
    const lease = { apiGroup: 'coordination.k8s.io', resource: 'leases' };
    expect(await allowed({ ...lease, namespace: 'kube-node-lease', verb: 'patch' })).toBe(true);
    expect(await allowed({ ...lease, namespace: 'kube-node-lease', name: 'n2' })).toBe(false);
  });

  it('lets a kubelet modify only pods bound to its node', async () => {
    const pod = { resource: 'pods', namespace: 'default' };
    expect(await allowed({ ...pod, name: 'mine', subresource: 'status' })).toBe(true);
    expect(await allowed({ ...pod, name: 'theirs', subresource: 'status' })).toBe(false);
    expect(await allowed({ ...pod, name: 'theirs', verb: 'delete' })).toBe(false);
    expect(await allowed({ ...pod, name: '', verb: 'create' })).toBe(false);
    expect(await allowed({ ...pod, name: 'gone', verb: 'patch' })).toBe(true); // 404 follows
  });

  it('leaves other users to the inner authorizer', async () => {
    const other = { name: 'system:node:n1', groups: ['system:authenticated'] };
    expect(await allowed({ user: other, name: 'n2' })).toBe(true);
  });

  it('refuses Node creates under another name at admission', () => {
    const rt = restrictKubeletCreates(nodeType);
    const node = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
    });
    const create = { user: 'system:node:n1', operation: 'CREATE' as const };
    expect(() => rt.admit?.(node('n1'), create)).not.toThrow();
    expect(() => rt.admit?.(node('n2'), create)).toThrow(ForbiddenError);
    expect(() => rt.admit?.(node('n2'), { ...create, user: 'admin' })).not.toThrow();
  });
});
