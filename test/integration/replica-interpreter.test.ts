// The resource interpreter against a real FederationControlPlane on real etcd with two hollow
// MemberClusters (m1, m2) and a policy dividing by static weights 3:1: a custom kind (a CRD with
// .spec.replicas) is placed Divided 3:1 once a ResourceInterpreterCustomization tells the
// federation, by declarative field paths, where its replicas are (replicaResource /
// replicaRevision) and how its status adds up (statusAggregation, summed over the members' copies,
// whose status the test writes as a member controller would); a StatefulSet of 4 is Divided 3:1
// by the built-in rule; a Job with parallelism 2 / completions 6, weights 1:1, becomes two member
// Jobs of parallelism 1 and completions 3 whose pods (hollow containers exiting 0) complete, and
// the federated Job reports succeeded 6 and Complete; a customization whose path holds a
// non-integer leaves the binding Scheduled=False with reason InterpreterFailed; a malformed path is
// refused at the API (422 naming the field).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOM_RESOURCE_DEFINITIONS,
  JOBS,
  NAMESPACES,
  STATEFULSETS,
  type CustomResourceDefinition,
  type Job,
  type StatefulSet,
} from '../../api/index.js';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
  type ResourceInterpreterCustomization,
} from '../../federation/apis/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { InvalidError } from '../../machinery/errors/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import { startHollowFederation, type HollowFederation } from '../support/hollow-federation.js';

const GADGETS: GroupVersionResource = { group: 'example.io', version: 'v1', resource: 'gadgets' };
const POLL = { timeout: 30_000, interval: 200 };
let f: HollowFederation;
let api: RestClient;

async function namespace(): Promise<string> {
  const ns = `t-${randomUUID().slice(0, 8)}`;
  await api
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return ns;
}

/** A policy dividing `kind` objects by static weights m1:m2. */
function divided(
  name: string,
  apiVersion: string,
  kind: string,
  weights: [number, number],
): PropagationPolicy {
  return {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name },
    spec: {
      resourceSelectors: [{ apiVersion, kind }],
      placement: {
        clusterAffinity: { clusterNames: ['m1', 'm2'] },
        replicaScheduling: {
          replicaSchedulingType: 'Divided',
          weightPreference: {
            staticWeightList: [
              { targetCluster: { clusterNames: ['m1'] }, weight: weights[0] },
              { targetCluster: { clusterNames: ['m2'] }, weight: weights[1] },
            ],
          },
        },
      },
    },
  };
}

/** A field of each member's copy (members without one left out). */
async function inMembers<T extends KubeObject>(
  gvr: GroupVersionResource,
  ns: string,
  name: string,
  pick: (o: T) => unknown,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [n, m] of f.members) {
    const o = await m
      .client()
      .resource<T>(gvr, ns)
      .get(name)
      .catch(() => undefined);
    if (o) out[n] = pick(o);
  }
  return out;
}

async function scheduled(ns: string, binding: string): Promise<string | undefined> {
  const b = await api
    .resource<ResourceBinding>(RESOURCE_BINDINGS, ns)
    .get(binding)
    .catch(() => undefined);
  const c = b?.status?.conditions?.find((x) => x.type === 'Scheduled');
  return c && `${c.status} ${c.reason ?? ''} ${c.message ?? ''}`;
}

const GADGET_CRD: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.example.io' },
  spec: {
    group: 'example.io',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { replicas: { type: 'integer' }, mode: { type: 'string' } },
              },
              status: { type: 'object', properties: { readyReplicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

function customization(
  name: string,
  customizations: ResourceInterpreterCustomization['spec']['customizations'],
): ResourceInterpreterCustomization {
  return {
    apiVersion: 'config.karmada.io/v1alpha1',
    kind: 'ResourceInterpreterCustomization',
    metadata: { name },
    spec: { target: { apiVersion: 'example.io/v1', kind: 'Gadget' }, customizations },
  };
}

beforeAll(async () => {
  f = await startHollowFederation(['m1', 'm2'], { join: true });
  api = f.api;
  // both Ready before anything is placed (expect.poll is for tests only)
  for (let i = 0; ; i++) {
    const ready = (await api.resource<Cluster>(CLUSTERS).list()).items.filter((c) =>
      c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
    );
    if (ready.length === 2) break;
    if (i > 150) throw new Error('the members did not become Ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

afterAll(async () => {
  await f?.stop();
});

describe('resource interpreter', () => {
  it('divides a custom kind 3:1 by its ResourceInterpreterCustomization', async () => {
    const ns = await namespace();
    await api.resource(RESOURCE_INTERPRETER_CUSTOMIZATIONS).create(
      customization('gadgets', {
        replicaResource: { replicas: '.spec.replicas' },
        replicaRevision: { replicas: '.spec.replicas' },
        statusAggregation: { sum: ['.status.readyReplicas'] },
      }),
    );
    await api.resource(CUSTOM_RESOURCE_DEFINITIONS).create(GADGET_CRD);
    await api
      .resource(PROPAGATION_POLICIES, ns)
      .create(divided('gadgets', 'example.io/v1', 'Gadget', [3, 1]));
    // created once the federation serves the kind
    await expect
      .poll(
        () =>
          api
            .resource(GADGETS, ns)
            .create({
              apiVersion: 'example.io/v1',
              kind: 'Gadget',
              metadata: { name: 'g' },
              spec: { replicas: 8, mode: 'fast' },
            })
            .then(() => true)
            .catch(() => false),
        POLL,
      )
      .toBe(true);
    await expect
      .poll(() => inMembers(GADGETS, ns, 'g', (o) => o.spec), POLL)
      .toEqual({ m1: { replicas: 6, mode: 'fast' }, m2: { replicas: 2, mode: 'fast' } });
    const b = await api.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).get('g-gadget');
    expect(b.spec.replicas).toBe(8);
    // each member reports its ready replicas; the federated Gadget's status is their sum
    for (const [, m] of f.members) {
      const gadgets = m.client().resource<KubeObject>(GADGETS, ns);
      const o = await gadgets.get('g');
      const spec = o.spec as { replicas: number };
      await gadgets.updateStatus({ ...o, status: { readyReplicas: spec.replicas } });
    }
    await expect
      .poll(async () => (await api.resource(GADGETS, ns).get('g')).status, POLL)
      .toEqual({ readyReplicas: 8 });
  });

  it('divides a StatefulSet of 4 replicas 3:1', async () => {
    const ns = await namespace();
    await api
      .resource(PROPAGATION_POLICIES, ns)
      .create(divided('sts', 'apps/v1', 'StatefulSet', [3, 1]));
    await api.resource<StatefulSet>(STATEFULSETS, ns).create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 4,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
        },
      },
    });
    await expect
      .poll(() => inMembers<StatefulSet>(STATEFULSETS, ns, 'db', (o) => o.spec.replicas), POLL)
      .toEqual({ m1: 3, m2: 1 });
  });

  it('divides a Job’s parallelism and completions; the federated Job reports succeeded 6', async () => {
    const ns = await namespace();
    await api.resource(PROPAGATION_POLICIES, ns).create(divided('job', 'batch/v1', 'Job', [1, 1]));
    await api.resource<Job>(JOBS, ns).create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'batch' },
      spec: {
        parallelism: 2,
        completions: 6,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'c', image: 'hollow:1', command: ['sh', '-c', 'exit 0'] }],
          },
        },
      },
    });
    await expect
      .poll(
        () => inMembers<Job>(JOBS, ns, 'batch', (o) => [o.spec.parallelism, o.spec.completions]),
        POLL,
      )
      .toEqual({ m1: [1, 3], m2: [1, 3] });
    // each member generated its own selector (the federation's, on the template's uid, is pruned)
    const fedUid = (await api.resource<Job>(JOBS, ns).get('batch')).metadata.uid ?? '';
    const selectors = await inMembers<Job>(JOBS, ns, 'batch', (o) =>
      JSON.stringify(o.spec.selector),
    );
    for (const s of Object.values(selectors)) expect(s).not.toContain(fedUid);
    await expect
      .poll(
        async () => {
          const j = await api.resource<Job>(JOBS, ns).get('batch');
          const complete = j.status?.conditions?.find((c) => c.type === 'Complete')?.status;
          return [j.status?.succeeded, complete];
        },
        { timeout: 60_000, interval: 250 },
      )
      .toEqual([6, 'True']);
  });

  it('reports a path holding a non-integer on the binding (Scheduled=False, InterpreterFailed)', async () => {
    const ns = await namespace();
    const ric = await api
      .resource<ResourceInterpreterCustomization>(RESOURCE_INTERPRETER_CUSTOMIZATIONS)
      .get('gadgets');
    ric.spec.customizations.replicaResource = { replicas: '.spec.mode' };
    await api.resource(RESOURCE_INTERPRETER_CUSTOMIZATIONS).update(ric);
    await api
      .resource(PROPAGATION_POLICIES, ns)
      .create(divided('gadgets', 'example.io/v1', 'Gadget', [3, 1]));
    await api.resource(GADGETS, ns).create({
      apiVersion: 'example.io/v1',
      kind: 'Gadget',
      metadata: { name: 'broken' },
      spec: { replicas: 4, mode: 'slow' },
    });
    await expect
      .poll(() => scheduled(ns, 'broken-gadget'), POLL)
      .toMatch(
        /^False InterpreterFailed ResourceInterpreterCustomization gadgets: InterpretReplica failed: .spec.mode holds "slow", not a non-negative integer/,
      );
    expect(await inMembers(GADGETS, ns, 'broken', (o) => o.spec)).toEqual({});
  });

  it('refuses a customization with a malformed path (422 naming the field)', async () => {
    const err = await api
      .resource(RESOURCE_INTERPRETER_CUSTOMIZATIONS)
      .create(
        customization('bad', {
          replicaRevision: { replicas: '.spec.replicas', proportional: ['.spec[replicas]'] },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect(String(err)).toContain('spec.customizations.replicaRevision.proportional[0]');
    expect((err as InvalidError).code).toBe(422);
    expect((err as InvalidError).causes.map((c) => c.field)).toEqual([
      'spec.customizations.replicaRevision.proportional[0]',
    ]);
  });
});
