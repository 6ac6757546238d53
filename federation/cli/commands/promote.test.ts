import { describe, expect, it } from 'vitest';
import { CONFIGMAPS, DEPLOYMENTS } from '../../../api/index.js';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import {
  ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION,
  conflictResolutionOf,
} from '../../controllers/propagation/member-writer.js';
import { PROPAGATED_TYPES } from '../../controllermanager/federation-controllers.js';
import type { RestClientOptions } from '../../../machinery/client/rest-client.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { CommandContext } from '../cli-context.js';
import { parseCliArgs } from '../run-cli.js';
import { NAMESPACES, SECRETS } from './core-resources.js';
import { objectPath, promote, PROMOTABLE_KINDS, templateFrom } from './promote.js';
import { FakeApi, type FakeResource } from './testing/fake-cli.js';

const RESOURCES: FakeResource[] = [
  { gvr: DEPLOYMENTS, kind: 'Deployment', namespaced: true },
  { gvr: CONFIGMAPS, kind: 'ConfigMap', namespaced: true },
  { gvr: NAMESPACES, kind: 'Namespace', namespaced: false },
  { gvr: SECRETS, kind: 'Secret', namespaced: true },
  { gvr: CLUSTERS, kind: 'Cluster', namespaced: false },
  { gvr: PROPAGATION_POLICIES, kind: 'PropagationPolicy', namespaced: true },
];

const memberDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'member-uid',
    resourceVersion: '77',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'kubectl' }],
    ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u' }],
    labels: { app: 'web' },
    annotations: { 'deployment.kubernetes.io/revision': '3', team: 'a' },
  },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
  status: { readyReplicas: 2 },
};

function setup(): { fed: FakeApi; member: FakeApi; seen: RestClientOptions[] } {
  const fed = new FakeApi(RESOURCES);
  const c: Cluster = {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'member1' },
    spec: {
      apiEndpoint: 'https://127.0.0.1:7443',
      secretRef: { namespace: 'flotilla-system', name: 'cluster-member1' },
    },
  };
  fed.seed(CLUSTERS, c);
  fed.seed(SECRETS, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cluster-member1', namespace: 'flotilla-system' },
    data: { token: Buffer.from('member-token').toString('base64') },
  });
  const member = new FakeApi();
  member.paths.set(objectPath(DEPLOYMENTS, 'shop', 'web'), memberDeployment);
  return { fed, member, seen: [] };
}

async function run(
  s: { fed: FakeApi; member: FakeApi; seen: RestClientOptions[] },
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const p = parseCliArgs(['promote', ...argv]);
  const ctx: CommandContext = {
    args: p.args,
    flags: p.flags,
    global: p.global,
    io: { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x), env: {} },
    client: () => s.fed.client(),
    namespace: p.global.namespace ?? 'default',
  };
  try {
    const code = await promote(ctx, {
      memberClient: (o) => {
        s.seen.push(o);
        return s.member.client();
      },
    });
    return { code, stdout, stderr };
  } catch (err) {
    return {
      code: err instanceof Error && err.name === 'UsageError' ? 2 : 1,
      stdout,
      stderr: String(err),
    };
  }
}

describe('templateFrom', () => {
  it('strips what the member set', () => {
    expect(templateFrom(memberDeployment)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'shop',
        labels: { app: 'web' },
        annotations: { team: 'a' },
      },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
    });
  });
  it('promotes exactly the kinds the federation propagates', () => {
    expect([...PROMOTABLE_KINDS].sort()).toEqual(PROPAGATED_TYPES.map((t) => t.kind).sort());
  });
});

describe('flotilla promote', () => {
  it('creates the template and an Overwrite policy for that cluster only', async () => {
    const s = setup();
    const r = await run(s, ['deployment', 'web', '-n', 'shop', '-C', 'member1']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'deployment/web promoted from cluster member1 (propagationpolicy/web-promoted, conflictResolution Overwrite)\n',
      stderr: '',
    });
    expect(s.seen[0]).toMatchObject({ server: 'https://127.0.0.1:7443', token: 'member-token' });
    expect(s.fed.find(DEPLOYMENTS, 'shop', 'web')).toMatchObject({
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 2 },
    });
    expect(s.fed.find(DEPLOYMENTS, 'shop', 'web')?.metadata.uid).not.toBe('member-uid');
    const pp = s.fed.find(PROPAGATION_POLICIES, 'shop', 'web-promoted') as PropagationPolicy;
    expect(pp.spec).toEqual({
      resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }],
      placement: { clusterAffinity: { clusterNames: ['member1'] } },
      conflictResolution: 'Overwrite',
    });
    expect(s.fed.find(NAMESPACES, undefined, 'shop')).toBeDefined();
    expect(s.fed.actions.map((a) => `${a.verb} ${a.resource}`)).toEqual([
      'create /namespaces',
      'create policy.flotilla.io/propagationpolicies',
      'create apps/deployments',
    ]);
  });

  it('reads through the cluster proxy when the federation serves one', async () => {
    const s = setup();
    s.fed.paths.set('/apis/cluster.flotilla.io/v1alpha1', {
      resources: [
        { name: 'clusters', kind: 'Cluster', namespaced: false },
        { name: 'clusters/proxy', kind: 'Cluster', namespaced: false },
      ],
    });
    s.fed.paths.set(
      `/apis/cluster.flotilla.io/v1alpha1/clusters/member1/proxy${objectPath(DEPLOYMENTS, 'shop', 'web')}`,
      memberDeployment,
    );
    const r = await run(s, [
      'deployments',
      'web',
      '-n',
      'shop',
      '--cluster',
      'member1',
      '-o',
      'name',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment/web\npropagationpolicy/web-promoted\n');
    expect(s.seen).toEqual([]);
  });

  it('fails without changes when it exists at the federation or not in the member', async () => {
    const s = setup();
    s.fed.seed(DEPLOYMENTS, templateFrom(memberDeployment));
    const dup = await run(s, ['deployment', 'web', '-n', 'shop', '-C', 'member1']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/deployment shop\/web already exists in the federation/);
    const missing = await run(s, ['configmap', 'cfg', '-n', 'shop', '-C', 'member1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/configmap shop\/cfg not found in cluster member1/);
    const noCluster = await run(s, ['configmap', 'cfg', '-n', 'shop', '-C', 'nope']);
    expect(noCluster.stderr).toMatch(/cluster "nope" not found/);
    expect(s.fed.actions).toEqual([]);
  });

  it('adopts the member object of a template placed there whose policy refused it (Abort)', async () => {
    const s = setup();
    s.fed.seed(DEPLOYMENTS, templateFrom(memberDeployment));
    const binding: ResourceBinding = {
      apiVersion: 'work.flotilla.io/v1alpha1',
      kind: 'ResourceBinding',
      metadata: { name: 'web-deployment', namespace: 'shop' },
      spec: {
        resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
        clusters: [{ name: 'member2' }],
      },
    };
    s.fed.seed(RESOURCE_BINDINGS, binding);
    const elsewhere = await run(s, ['deployment', 'web', '-n', 'shop', '-C', 'member1']);
    expect(elsewhere.stderr).toMatch(
      /already exists in the federation and is not placed in cluster member1/,
    );
    s.fed.seed(RESOURCE_BINDINGS, {
      ...binding,
      spec: { ...binding.spec, clusters: [{ name: 'member1' }] },
    });
    const r = await run(s, ['deployment', 'web', '-n', 'shop', '-C', 'member1']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'deployment/web adopted in cluster member1 (work.flotilla.io/conflict-resolution: Overwrite on the template)\n',
      stderr: '',
    });
    expect(s.fed.find(DEPLOYMENTS, 'shop', 'web')?.metadata.annotations).toEqual({
      team: 'a',
      [ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION]: 'Overwrite',
    });
    expect(s.fed.actions.map((a) => `${a.verb} ${a.resource}`)).toEqual([
      'update apps/deployments',
    ]);
    // the annotation wins over the policy, in either case (Karmada writes `overwrite`)
    const tmpl = s.fed.find(DEPLOYMENTS, 'shop', 'web') ?? memberDeployment;
    expect(conflictResolutionOf(tmpl, 'Abort')).toBe('Overwrite');
    const lower = {
      ...tmpl,
      metadata: { annotations: { [ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION]: 'abort' } },
    };
    expect(conflictResolutionOf(lower, 'Overwrite')).toBe('Abort');
    expect(conflictResolutionOf(memberDeployment, undefined)).toBeUndefined();
  });

  it('refuses cluster-scoped and unpropagated kinds, and bad usage', async () => {
    const s = setup();
    expect((await run(s, ['namespace', 'shop', '-C', 'member1'])).stderr).toMatch(/cluster-scoped/);
    expect((await run(s, ['deployment', 'web'])).code).toBe(2);
    expect((await run(s, ['deployment', '-C', 'member1'])).code).toBe(2);
    const managed = setup();
    managed.member.paths.set(objectPath(DEPLOYMENTS, 'shop', 'web'), {
      ...memberDeployment,
      metadata: {
        ...memberDeployment.metadata,
        labels: { 'federation.flotilla.io/managed-by': 'flotilla-federation' },
      },
    });
    expect(
      (await run(managed, ['deployment', 'web', '-n', 'shop', '-C', 'member1'])).stderr,
    ).toMatch(/already managed by the federation/);
  });
});
