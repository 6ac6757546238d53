// The resource interpreter against a real FederationControlPlane on real etcd with two hollow
// MemberClusters (m1, m2) and a policy dividing by static weights 3:1: a custom kind (a CRD with
// .spec.replicas) is placed Divided 3:1 once a ResourceInterpreterCustomization tells the
// federation, by declarative field paths, where its replicas are (replicaResource /
// replicaRevision) and how its status adds up (statusAggregation, summed over the members' copies,
// whose status the test writes as a member controller would); a StatefulSet of 4 is Divided 3:1
// by the built-in rule; a Job with parallelism 2 / completions 6, weights 1:1, becomes two member
// Jobs of parallelism 1 and completions 3 whose pods (hollow containers exiting 0) complete, and
// the federated Job reports succeeded 6 and Complete; a CronJob Duplicated into both members makes
// a Job in each (a start made due by the member's status, as after downtime) and the federated
// CronJob reports the latest start; a DaemonSet runs one pod per node in each member (m1 has two
// nodes) with the federated status summing theirs (3 desired, 3 ready), and a Divided policy places
// it Duplicated (Scheduled=True, NoReplicaInterpreter); a customization whose path holds a
// non-integer leaves the binding Scheduled=False with reason InterpreterFailed; a malformed path is
// refused at the API (422 naming the field). Retain: a member HorizontalPodAutoscaler (minReplicas
// 3, no metrics needed) scales the member's copy of a federated Deployment of 1 to 3, and the
// federation keeps the 3 — a member watch sees no other value for 25 s (25 resyncs of the test
// federation) while two label changes of the template make the federation re-apply its copy (the
// labels do arrive), and the federated Deployment's status.replicas stays 3 meanwhile.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRONJOBS,
  CUSTOM_RESOURCE_DEFINITIONS,
  DAEMONSETS,
  DEPLOYMENTS,
  HORIZONTALPODAUTOSCALERS,
  JOBS,
  NAMESPACES,
  PODS,
  STATEFULSETS,
  type CronJob,
  type CustomResourceDefinition,
  type DaemonSet,
  type Deployment,
  type HorizontalPodAutoscaler,
  type Job,
  type Pod,
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
import { watchValues } from '../support/watched-values.js';

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

/** A policy duplicating `kind` objects into m1 and m2. */
function duplicated(name: string, apiVersion: string, kind: string): PropagationPolicy {
  return {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name },
    spec: {
      resourceSelectors: [{ apiVersion, kind }],
      placement: { clusterAffinity: { clusterNames: ['m1', 'm2'] } },
    },
  };
}

/** A policy dividing `kind` objects by static weights m1:m2 (`current`: the one to update). */
function divided(
  name: string,
  apiVersion: string,
  kind: string,
  weights: [number, number],
  current?: PropagationPolicy,
): PropagationPolicy {
  return {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: current?.metadata ?? { name },
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
  // m1 has two nodes (a DaemonSet runs a pod on each)
  f = await startHollowFederation(['m1', 'm2'], {
    join: true,
    member: (name) => ({ nodes: name === 'm1' ? 2 : 1 }),
  });
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

// The retain test watches for 25 s: it starts first and its watch runs while the other tests of
// this file do; the last test collects what it saw.
let retainWatch: Promise<Error | undefined> | undefined;

describe('retain (member HorizontalPodAutoscaler), started', () => {
  it('a member autoscaler takes its copy to 3; 25 s of re-applies watched from here', async () => {
    const ns = await namespace();
    await api.resource(PROPAGATION_POLICIES, ns).create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'web' },
      spec: {
        resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
        placement: { clusterAffinity: { clusterNames: ['m1'] } },
      },
    });
    const deployments = api.resource<Deployment>(DEPLOYMENTS, ns);
    await deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
        },
      },
    });
    const member = f.member('m1').client();
    const memberDeployments = member.resource<Deployment>(DEPLOYMENTS, ns);
    await expect
      .poll(() => inMembers<Deployment>(DEPLOYMENTS, ns, 'web', (o) => o.spec.replicas), POLL)
      .toEqual({ m1: 1 });
    await member.resource<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS, ns).create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 3,
        maxReplicas: 5,
      },
    });
    // below minReplicas: the member's controller scales to 3 at once, and the template reports 3
    await expect.poll(async () => (await memberDeployments.get('web')).spec.replicas, POLL).toBe(3);
    await expect
      .poll(async () => (await deployments.get('web')).status?.replicas, {
        ...POLL,
        timeout: 60_000,
      })
      .toBe(3);
    const hpa = await member
      .resource<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS, ns)
      .get('web');
    expect(hpa.status?.lastScaleTime).toBeDefined();
    expect(hpa.status?.conditions?.find((c) => c.type === 'AbleToScale')?.status).toBe('True');

    const watch = async (): Promise<void> => {
      const inMember = await watchValues(memberDeployments, 'web', (o) => o.spec.replicas);
      const inFederation = await watchValues(deployments, 'web', (o) => o.status?.replicas);
      const started = Date.now();
      for (const [i, at] of [5_000, 15_000].entries()) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + at - Date.now())));
        // a template change: the federation re-applies its copy (the label arrives in the member)
        await deployments.patch('web', { metadata: { labels: { touched: String(i) } } }, 'merge');
        await expect
          .poll(async () => (await memberDeployments.get('web')).metadata.labels?.touched, POLL)
          .toBe(String(i));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + 25_000 - Date.now())));
      const memberValues = await inMember.stop();
      const federationValues = await inFederation.stop();
      // the current value plus at least the two relabelled versions, every one of them 3
      expect(memberValues.length).toBeGreaterThanOrEqual(3);
      expect(new Set(memberValues)).toEqual(new Set([3]));
      expect(new Set(federationValues)).toEqual(new Set([3]));
    };
    // an error is kept for the last test (never an unhandled rejection)
    retainWatch = watch().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  });
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

  it('runs a federated CronJob in both members: each creates a Job from it', async () => {
    const ns = await namespace();
    await api.resource(PROPAGATION_POLICIES, ns).create(duplicated('tick', 'batch/v1', 'CronJob'));
    await api.resource<CronJob>(CRONJOBS, ns).create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'c', image: 'hollow:1', command: ['sh', '-c', 'exit 0'] }],
              },
            },
          },
        },
      },
    });
    await expect
      .poll(() => inMembers<CronJob>(CRONJOBS, ns, 'tick', (o) => o.spec.schedule), POLL)
      .toEqual({ m1: '* * * * *', m2: '* * * * *' });
    // a start missed while the member was "down" is due at once (no wait for the next minute);
    // the status is the member's own: the federation never writes it
    const missed = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const [, m] of f.members) {
      const cronJobs = m.client().resource<CronJob>(CRONJOBS, ns);
      const cj = await cronJobs.get('tick');
      await cronJobs.updateStatus({ ...cj, status: { lastScheduleTime: missed } });
    }
    const jobsOf = async (m: string): Promise<string[]> =>
      (await f.member(m).client().resource<Job>(JOBS, ns).list()).items
        .filter((j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob'))
        .map((j) => j.metadata.name ?? '');
    for (const m of ['m1', 'm2']) {
      // (the next minute's start may add one more)
      await expect.poll(async () => (await jobsOf(m)).length, POLL).toBeGreaterThanOrEqual(1);
      for (const name of await jobsOf(m)) expect(name).toMatch(/^tick-\d+$/);
    }
    // the federated CronJob reports the latest start any member made
    await expect
      .poll(async () => {
        const cj = await api.resource<CronJob>(CRONJOBS, ns).get('tick');
        return (cj.status?.lastScheduleTime ?? '') > missed;
      }, POLL)
      .toBe(true);
  });

  it('runs a federated DaemonSet on every node of both members; Divided is placed Duplicated', async () => {
    const ns = await namespace();
    const policies = api.resource<PropagationPolicy>(PROPAGATION_POLICIES, ns);
    await policies.create(duplicated('agent', 'apps/v1', 'DaemonSet'));
    await api.resource<DaemonSet>(DAEMONSETS, ns).create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
        },
      },
    });
    // one pod per node: m1 has two nodes, m2 one; the federated status sums the members'
    const podsOf = async (m: string): Promise<number> =>
      (await f.member(m).client().resource<Pod>(PODS, ns).list()).items.filter((p) =>
        p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.name === 'agent'),
      ).length;
    await expect.poll(async () => [await podsOf('m1'), await podsOf('m2')], POLL).toEqual([2, 1]);
    await expect
      .poll(async () => {
        const d = await api.resource<DaemonSet>(DAEMONSETS, ns).get('agent');
        return [d.status?.desiredNumberScheduled, d.status?.numberReady];
      }, POLL)
      .toEqual([3, 3]);
    // a DaemonSet has no replicas to divide: Divided places it Duplicated, and the binding says so
    const pp = await policies.get('agent');
    await policies.update(divided('agent', 'apps/v1', 'DaemonSet', [3, 1], pp));
    await expect
      .poll(() => scheduled(ns, 'agent-daemonset'), POLL)
      .toMatch(
        /^True NoReplicaInterpreter placed in m1, m2 by .*; DaemonSet has no replicas interpreter: replicaSchedulingType Divided is not supported for it, placed Duplicated$/,
      );
    const b = await api.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).get('agent-daemonset');
    expect(b.spec.clusters).toEqual([{ name: 'm1' }, { name: 'm2' }]);
    expect(b.spec.replicas).toBeUndefined();
    expect([await podsOf('m1'), await podsOf('m2')]).toEqual([2, 1]);
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

describe('retain (member HorizontalPodAutoscaler), after 25 s', () => {
  it('kept the replicas the member autoscaler set through 25 s of re-applies', async () => {
    expect(retainWatch).toBeDefined();
    const err = await retainWatch;
    if (err !== undefined) throw err;
  }, 120_000);
});
