// Isolation of member clusters: a federation on real etcd with three hollow members, member3
// joined through a TCP proxy (test/support/delay-proxy.ts) that makes it slow (every answer 3 s
// late) or failing (connections reset). A Deployment, a ConfigMap and a burst of 30 more
// ConfigMaps created at the federation reach member1 and member2 within ~2 s all the same (their
// writes go through their own execution queues; the template workers never wait on a member),
// and reach member3 once it is well again, nothing lost. The federation's /metrics show member3's
// breaker open while it fails, and each member's execution queue.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  type Cluster,
  type PropagationPolicy,
} from '../../federation/apis/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES, type Deployment } from '../../api/index.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';
import { startDelayProxy, type DelayProxy } from '../support/delay-proxy.js';
import {
  startHollowFederation,
  TEST_HEALTH,
  type HollowFederation,
} from '../support/hollow-federation.js';

const MANAGED = 'federation.flotilla.io/managed-by=flotilla-federation';
const MEMBERS = ['member1', 'member2', 'member3'] as const;
/** The ConfigMaps of the burst, besides `cfg`. */
const BURST = 30;
let f: HollowFederation;
let api: RestClient;
let proxy: DelayProxy;

function member(name: string): MemberCluster {
  return f.member(name);
}

/** Joins a member (at `endpoint`, its own URL unless given) the way `flotilla join` does. */
async function join(m: MemberCluster, endpoint = m.url): Promise<void> {
  await f.join(m, { endpoint });
}

async function clusterReady(name: string): Promise<string> {
  const c = await api.resource<Cluster>(CLUSTERS).get(name);
  return c.status?.conditions?.find((x) => x.type === 'Ready')?.status ?? 'Unknown';
}

function deployment(name: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
      },
    },
  };
}

/**
 * A namespace with a policy placing its ConfigMaps and Deployments on the three members, then the
 * Deployment `web`, the ConfigMap `cfg` and BURST more ConfigMaps.
 * @returns the namespace and when the templates started being created
 */
async function createTemplates(): Promise<{ ns: string; start: number }> {
  const ns = `iso-${randomUUID().slice(0, 8)}`;
  await api
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await api.resource<PropagationPolicy>(PROPAGATION_POLICIES, ns).create({
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: 'all' },
    spec: {
      resourceSelectors: [
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { apiVersion: 'apps/v1', kind: 'Deployment' },
      ],
      placement: { clusterAffinity: { clusterNames: [...MEMBERS] } },
    },
  });
  const start = Date.now();
  const cm = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { v: name },
  });
  await Promise.all([
    api.resource<Deployment>(DEPLOYMENTS, ns).create(deployment('web')),
    api.resource(CONFIGMAPS, ns).create(cm('cfg')),
    ...Array.from({ length: BURST }, (_, i) =>
      api.resource(CONFIGMAPS, ns).create(cm(`burst-${String(i)}`)),
    ),
  ]);
  return { ns, start };
}

/** How many of the templates `name` holds, managed by the federation (BURST + 2 = all). */
async function held(name: string, ns: string): Promise<number> {
  const c = member(name).client();
  const [cms, deps] = await Promise.all([
    c.resource(CONFIGMAPS, ns).list({ labelSelector: MANAGED }),
    c.resource(DEPLOYMENTS, ns).list({ labelSelector: MANAGED }),
  ]);
  return cms.items.length + deps.items.length;
}

/**
 * Not held up by the bad member: ~2 s on an idle machine; the bound leaves headroom over the
 * baseline measured in this run, because a member that fails also turns NotReady, and the
 * scheduler then reschedules every binding with a graceful eviction task (measured in CI: 5.1 s
 * against a 2.7 s baseline). The design this guards against, a reconcile awaiting every member
 * with 4 template workers, took tens of seconds here.
 */
const budget = (baseline: number): number => Math.max(5000, 2.5 * baseline);

/** Waits until member1 and member2 hold every template; returns the ms since `start`. */
async function fastMembersDone(ns: string, start: number): Promise<number> {
  await expect
    .poll(async () => [await held('member1', ns), await held('member2', ns)], {
      timeout: 10_000,
      interval: 50,
    })
    .toEqual([BURST + 2, BURST + 2]);
  return Date.now() - start;
}

/** The federation's /metrics text. */
async function metrics(): Promise<string> {
  return (await api.raw('GET', '/metrics')).body;
}

beforeAll(async () => {
  f = await startHollowFederation(MEMBERS, {
    federation: {
      // few template workers: under the old design each waited for the slowest member
      propagationWorkers: 4,
      // a member that answers 3 s late stays Ready (it works, slowly); a refusing one does not
      health: { ...TEST_HEALTH, probeTimeoutMs: 30_000 },
    },
  });
  api = f.api;
  proxy = await startDelayProxy(member('member3').url);
  await join(member('member1'));
  await join(member('member2'));
  await join(member('member3'), proxy.url);
});

afterAll(async () => {
  await proxy?.close();
  await f?.stop();
});

describe('member isolation', () => {
  it('joins the three members (member3 through the proxy), all Ready', async () => {
    await expect
      .poll(() => Promise.all(MEMBERS.map(clusterReady)), { timeout: 30_000 })
      .toEqual(['True', 'True', 'True']);
  });

  let baseline = 0;
  it('without a slow member: the baseline', async () => {
    const { ns, start } = await createTemplates();
    baseline = await fastMembersDone(ns, start);
    console.log(
      `baseline: member1 and member2 had all ${String(BURST + 2)} in ${String(baseline)} ms`,
    );
    await expect.poll(() => held('member3', ns), { timeout: 30_000 }).toBe(BURST + 2);
  });

  it('a slow member (answers 3 s late) delays no other; it gets everything once fast again', async () => {
    proxy.delayMs = 3000;
    const { ns, start } = await createTemplates();
    const elapsed = await fastMembersDone(ns, start);
    console.log(
      `slow member3: member1 and member2 had all ${String(BURST + 2)} in ${String(elapsed)} ms`,
    );
    expect(elapsed).toBeLessThan(budget(baseline));
    // member3 works, 3 s per answer, on its own workers: far from done
    expect(await held('member3', ns)).toBeLessThan(BURST + 2);
    expect(await clusterReady('member3')).toBe('True');
    expect(await metrics()).toMatch(/workqueue_depth\{name="member-execution\/member3"\} \d+/);
    proxy.delayMs = 0;
    await expect
      .poll(() => held('member3', ns), { timeout: 60_000, interval: 250 })
      .toBe(BURST + 2);
  });

  it('a failing member (connections reset) delays no other; it gets everything once back', async () => {
    proxy.setMode('refuse');
    const { ns, start } = await createTemplates();
    const elapsed = await fastMembersDone(ns, start);
    console.log(
      `failing member3: member1 and member2 had all ${String(BURST + 2)} in ${String(elapsed)} ms`,
    );
    expect(elapsed).toBeLessThan(budget(baseline));
    // its writes fail: the breaker opens (fail fast, retried with back-off), the member goes NotReady
    await expect
      .poll(metrics, { timeout: 15_000 })
      .toMatch(/flotilla_member_circuit_breaker_state\{cluster="member3"\} 2/);
    await expect.poll(() => clusterReady('member3'), { timeout: 15_000 }).toBe('False');
    expect(await held('member3', ns)).toBe(0);
    const away = Date.now();
    proxy.setMode('pass');
    await expect.poll(() => clusterReady('member3'), { timeout: 30_000 }).toBe('True');
    console.log(`member3 Ready again ${String(Date.now() - away)} ms after it came back`);
    await expect
      .poll(() => held('member3', ns), { timeout: 60_000, interval: 250 })
      .toBe(BURST + 2);
    console.log(`member3 had everything ${String(Date.now() - away)} ms after it came back`);
    expect(await metrics()).toMatch(/flotilla_member_circuit_breaker_state\{cluster="member3"\} 0/);
  });
});
