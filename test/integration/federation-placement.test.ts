// Placement against a real FederationControlPlane on real etcd with three hollow MemberClusters
// labelled with two regions (pa, pb in eu; pc in us): spreadConstraints by region (minGroups 2
// reaches both regions, minGroups 3 is unschedulable with a Scheduled=False condition), policy
// validation of the spread fields (422 with field paths), and propagateDeps: a Deployment's
// ConfigMap (envFrom, created after it) and Secret (volume) follow it to its clusters, and a
// dropped reference takes the ConfigMap out of the members.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../federation/apis/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { InvalidError } from '../../machinery/errors/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES, SECRETS, type Deployment } from '../../api/index.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';
import { startHollowFederation, type HollowFederation } from '../support/hollow-federation.js';

const REGION = 'topology.kubernetes.io/region';
const REGIONS: Record<string, string> = { pa: 'eu', pb: 'eu', pc: 'us' };
let f: HollowFederation;
let api: RestClient;
let members: Map<string, MemberCluster>;

/** Joins a member the way `flotilla join` does, with its region as a topology label. */
async function join(m: MemberCluster): Promise<void> {
  await f.join(m, { labels: { [REGION]: REGIONS[m.opts.name] ?? '' } });
}

async function namespace(): Promise<string> {
  const ns = `t-${randomUUID().slice(0, 8)}`;
  await api
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return ns;
}

function deployment(name: string, replicas: number, pod: Record<string, unknown> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'hollow:1' }], ...pod },
      },
    },
  };
}

function policy(name: string, spec: Partial<PropagationPolicy['spec']>): PropagationPolicy {
  return {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name },
    spec: {
      resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment', name }],
      placement: {},
      ...spec,
    },
  };
}

/** Which members have the object (by name), sorted. */
async function holders(gvr: typeof CONFIGMAPS, ns: string, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const [n, m] of members) {
    const o = await m
      .client()
      .resource(gvr, ns)
      .get(name)
      .catch(() => undefined);
    if (o && !o.metadata.deletionTimestamp) out.push(n);
  }
  return out.sort();
}

/** Each member's replicas of a Deployment (members without it left out). */
async function replicasIn(ns: string, name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [n, m] of members) {
    const d = await m
      .client()
      .resource<Deployment>(DEPLOYMENTS, ns)
      .get(name)
      .catch(() => undefined);
    if (d) out[n] = d.spec?.replicas ?? 0;
  }
  return out;
}

beforeAll(async () => {
  f = await startHollowFederation(Object.keys(REGIONS));
  ({ api, members } = f);
});

afterAll(async () => {
  await f?.stop();
});

describe('spread constraints', () => {
  it('joins three members labelled with two regions, all Ready', async () => {
    for (const m of members.values()) await join(m);
    await expect
      .poll(
        async () =>
          (await api.resource<Cluster>(CLUSTERS).list()).items.filter((c) =>
            c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
          ).length,
        { timeout: 30_000, interval: 250 },
      )
      .toBe(3);
  });

  it('spreadByField region minGroups 2 places replicas in both regions', async () => {
    const ns = await namespace();
    await api.resource(PROPAGATION_POLICIES, ns).create(
      policy('web', {
        placement: {
          spreadConstraints: [{ spreadByField: 'region', minGroups: 2, maxGroups: 2 }],
          replicaScheduling: { replicaSchedulingType: 'Divided' },
        },
      }),
    );
    await api.resource(DEPLOYMENTS, ns).create(deployment('web', 6));
    await expect
      .poll(() => replicasIn(ns, 'web'), { timeout: 30_000, interval: 250 })
      .toEqual({ pa: 2, pb: 2, pc: 2 });
    const regions = new Set(Object.keys(await replicasIn(ns, 'web')).map((n) => REGIONS[n]));
    expect([...regions].sort()).toEqual(['eu', 'us']);
  });

  it('minGroups 3 with two regions is unschedulable: Scheduled=False naming the constraint', async () => {
    const ns = await namespace();
    await api.resource(PROPAGATION_POLICIES, ns).create(
      policy('wide', {
        placement: { spreadConstraints: [{ spreadByField: 'region', minGroups: 3 }] },
      }),
    );
    await api.resource(DEPLOYMENTS, ns).create(deployment('wide', 1));
    await expect
      .poll(
        async () => {
          const b = await api
            .resource<ResourceBinding>(RESOURCE_BINDINGS, ns)
            .get('wide-deployment')
            .catch(() => undefined);
          const c = b?.status?.conditions?.find((x) => x.type === 'Scheduled');
          return c && `${c.status} ${c.reason ?? ''} ${c.message ?? ''}`;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toMatch(
        /^False NoClusterFit spread constraint \(spreadByField region, minGroups 3\) cannot be met: 2 group\(s\) available \(eu, us\), 3 required/,
      );
    expect(await replicasIn(ns, 'wide')).toEqual({});
  });

  it('refuses minGroups > maxGroups and an unknown spreadByField with field paths (422)', async () => {
    const ns = await namespace();
    const err = await api
      .resource(PROPAGATION_POLICIES, ns)
      .create(
        policy('bad', {
          placement: {
            spreadConstraints: [
              { spreadByField: 'region', minGroups: 3, maxGroups: 1 },
              { spreadByField: 'galaxy' as 'zone' },
            ],
          },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect(String(err)).toContain('spec.placement.spreadConstraints[0].maxGroups');
    expect(String(err)).toContain('spec.placement.spreadConstraints[1].spreadByField');
  });
});

describe('propagateDeps', () => {
  it("takes a Deployment's ConfigMap and Secret to its clusters, and drops an unreferenced one", async () => {
    const ns = await namespace();
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-secret' },
      data: { key: Buffer.from('s3cret').toString('base64') },
    };
    await api.resource(SECRETS, ns).create(secret);
    await api.resource(PROPAGATION_POLICIES, ns).create(
      policy('app', {
        propagateDeps: true,
        placement: { clusterAffinity: { labelSelector: { matchLabels: { [REGION]: 'eu' } } } },
      }),
    );
    const pod = {
      containers: [
        { name: 'c', image: 'hollow:1', envFrom: [{ configMapRef: { name: 'app-config' } }] },
      ],
      volumes: [{ name: 's', secret: { secretName: 'app-secret' } }],
    };
    await api.resource(DEPLOYMENTS, ns).create(deployment('app', 1, pod));
    await expect
      .poll(() => holders(SECRETS, ns, 'app-secret'), { timeout: 30_000, interval: 250 })
      .toEqual(['pa', 'pb']);
    // a dependency created after the workload is written once it exists
    await api.resource(CONFIGMAPS, ns).create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config' },
      data: { mode: 'eu' },
    });
    await expect
      .poll(() => holders(CONFIGMAPS, ns, 'app-config'), { timeout: 30_000, interval: 250 })
      .toEqual(['pa', 'pb']);
    const cmBinding = await api
      .resource<ResourceBinding>(RESOURCE_BINDINGS, ns)
      .get('app-config-configmap');
    expect(cmBinding.spec.clusters.map((c) => c.name).sort()).toEqual(['pa', 'pb']);

    // drop the envFrom: the ConfigMap leaves the members, the Secret stays
    const d = await api.resource<Deployment>(DEPLOYMENTS, ns).get('app');
    const updated = structuredClone(d);
    const c0 = updated.spec?.template.spec?.containers[0] as { envFrom?: unknown } | undefined;
    if (c0) delete c0.envFrom;
    await api.resource<Deployment>(DEPLOYMENTS, ns).update(updated);
    await expect
      .poll(() => holders(CONFIGMAPS, ns, 'app-config'), { timeout: 30_000, interval: 250 })
      .toEqual([]);
    expect(await holders(SECRETS, ns, 'app-secret')).toEqual(['pa', 'pb']);
  });
});
