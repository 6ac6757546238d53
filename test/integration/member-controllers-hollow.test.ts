// Member controllers against a real API server on etcd, with hollow (container-less) kubelets:
// rollout and rollback, orphan deletion, node failure → NotReady → eviction → replacement,
// namespace deletion, Service ClusterIP, Endpoints and EndpointSlices.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  DEPLOYMENTS,
  ENDPOINTS,
  ENDPOINTSLICES,
  LABEL_SERVICE_NAME,
  EVENTS,
  NAMESPACES,
  NODES,
  PODS,
  REPLICASETS,
  SERVICES,
  type Deployment,
  type EndpointSlice,
  type Endpoints,
  type Event,
  type Node,
  type Pod,
  type ReplicaSet,
  type Service,
} from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';

let etcd: EtcdService;
let member: MemberCluster;
let client: RestClient;
const poll = { timeout: 30_000, interval: 200 };

function deployment(name: string, ns: string, replicas: number, image: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'c', image, ports: [{ name: 'http', containerPort: 8080 }] }],
        },
      },
    },
  };
}

async function pods(ns: string, app: string): Promise<Pod[]> {
  return (await client.resource<Pod>(PODS, ns).list({ labelSelector: `app=${app}` })).items;
}

const readyPods = async (ns: string, app: string): Promise<Pod[]> =>
  (await pods(ns, app)).filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );

beforeAll(async () => {
  etcd = await startEtcd();
  member = new MemberCluster({
    name: 'it-hollow',
    etcdEndpoint: etcd.endpoint,
    nodes: 2,
    runtime: 'hollow',
    clusterIndex: 77,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 300 },
    nodeLifecycle: { gracePeriodMs: 2000, evictionTimeoutMs: 1000, monitorPeriodMs: 300 },
  });
  await member.start();
  client = member.client();
});

afterAll(async () => {
  await member?.stop();
  await etcd?.stop();
});

describe('member controllers (hollow nodes)', () => {
  it('rolls out a new template, keeps history, and rolls back onto the old ReplicaSet', async () => {
    const d = client.resource<Deployment>(DEPLOYMENTS, 'default');
    await d.create(deployment('roll', 'default', 3, 'busybox:1'));
    await expect.poll(async () => (await readyPods('default', 'roll')).length, poll).toBe(3);
    await d.patch(
      'roll',
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } },
      'strategic',
    );
    await expect
      .poll(async () => {
        const cur = await d.get('roll');
        return [
          cur.status?.observedGeneration === cur.metadata.generation,
          cur.status?.updatedReplicas,
          cur.status?.availableReplicas,
          cur.status?.replicas,
          cur.status?.conditions?.find((c) => c.type === 'Progressing')?.reason,
        ];
      }, poll)
      .toEqual([true, 3, 3, 3, 'NewReplicaSetAvailable']);
    expect((await readyPods('default', 'roll')).map((p) => p.spec.containers[0]?.image)).toEqual([
      'busybox:2',
      'busybox:2',
      'busybox:2',
    ]);
    const rss = (
      await client.resource<ReplicaSet>(REPLICASETS, 'default').list({ labelSelector: 'app=roll' })
    ).items;
    expect(
      rss
        .map((r) => [
          r.metadata.annotations?.['deployment.kubernetes.io/revision'],
          r.spec.replicas,
        ])
        .sort(),
    ).toEqual([
      ['1', 0],
      ['2', 3],
    ]);
    const v1 = rss.find((r) => r.spec.replicas === 0);
    await d.patch(
      'roll',
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } } },
      'strategic',
    );
    await expect
      .poll(
        async () =>
          (await client.resource<ReplicaSet>(REPLICASETS, 'default').get(v1?.metadata.name ?? ''))
            .status?.readyReplicas,
        poll,
      )
      .toBe(3);
    const after = (
      await client.resource<ReplicaSet>(REPLICASETS, 'default').list({ labelSelector: 'app=roll' })
    ).items;
    const events = (
      await client
        .resource<Event>(EVENTS, 'default')
        .list({ fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=roll' })
    ).items;
    expect(events.map((e) => e.reason)).toContain('ScalingReplicaSet');
    expect(after).toHaveLength(2);
  });

  it('gives Services a ClusterIP, Endpoints and EndpointSlices of ready pods', async () => {
    const svc = await client.resource<Service>(SERVICES, 'default').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'roll' },
      spec: { selector: { app: 'roll' }, ports: [{ port: 80, targetPort: 'http' }] },
    });
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    await expect
      .poll(async () => {
        const ep = await client
          .resource<Endpoints>(ENDPOINTS, 'default')
          .get('roll')
          .catch(() => undefined);
        return (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).length;
      }, poll)
      .toBe(3);
    const slices = async (): Promise<EndpointSlice[]> =>
      (
        await client
          .resource<EndpointSlice>(ENDPOINTSLICES, 'default')
          .list({ labelSelector: `${LABEL_SERVICE_NAME}=roll` })
      ).items;
    await expect
      .poll(
        async () =>
          (await slices()).flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready === true)
            .length,
        poll,
      )
      .toBe(3);
    const [slice] = await slices();
    expect(slice?.metadata.name).toMatch(/^roll-/);
    expect(slice?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Service',
      uid: svc.metadata.uid,
    });
    expect(slice?.ports?.[0]?.port).toBeGreaterThan(0);
  });

  it('orphans pods when a ReplicaSet is deleted with propagationPolicy Orphan', async () => {
    const rs = client.resource<ReplicaSet>(REPLICASETS, 'default');
    await rs.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'orph' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'orph' } },
        template: {
          metadata: { labels: { app: 'orph' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
        },
      },
    });
    await expect.poll(async () => (await readyPods('default', 'orph')).length, poll).toBe(2);
    await rs.delete('orph', { propagationPolicy: 'Orphan' });
    await expect
      .poll(
        async () =>
          rs.get('orph').then(
            () => 'present',
            (e: unknown) => (e instanceof NotFoundError ? 'gone' : 'error'),
          ),
        poll,
      )
      .toBe('gone');
    const left = await pods('default', 'orph');
    expect(left).toHaveLength(2);
    expect(left.every((p) => (p.metadata.ownerReferences ?? []).length === 0)).toBe(true);
  });

  it('marks a silent node NotReady, taints it, evicts its pods and replaces them elsewhere', async () => {
    const d = client.resource<Deployment>(DEPLOYMENTS, 'default');
    await d.create(deployment('spread', 'default', 4, 'busybox:1'));
    await expect.poll(async () => (await readyPods('default', 'spread')).length, poll).toBe(4);
    const victim = member.nodeNames[0] ?? '';
    const survivor = member.nodeNames[1] ?? '';
    await member.stopNode(victim);
    await expect
      .poll(async () => {
        const n = await client.resource<Node>(NODES).get(victim);
        return [
          n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
          n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'),
        ];
      }, poll)
      .toEqual(['Unknown', true]);
    await expect
      .poll(async () => {
        const ready = await readyPods('default', 'spread');
        return ready.length === 4 && ready.every((p) => p.spec.nodeName === survivor);
      }, poll)
      .toBe(true);
  });

  it('deletes everything in a deleted namespace, then the namespace itself', async () => {
    const nsClient = client.resource<KubeObject>(NAMESPACES);
    await nsClient.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await client
      .resource<Deployment>(DEPLOYMENTS, 'doomed')
      .create(deployment('web', 'doomed', 1, 'busybox:1'));
    await client
      .resource<KubeObject>({ group: '', version: 'v1', resource: 'configmaps' }, 'doomed')
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b' } });
    await expect.poll(async () => (await pods('doomed', 'web')).length, poll).toBe(1);
    await nsClient.delete('doomed');
    await expect
      .poll(
        async () =>
          nsClient.get('doomed').then(
            () => 'present',
            (e: unknown) => (e instanceof NotFoundError ? 'gone' : 'error'),
          ),
        poll,
      )
      .toBe('gone');
    expect((await client.resource<Pod>(PODS, 'doomed').list()).items).toEqual([]);
  });
});
