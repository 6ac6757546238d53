// Federation end to end: a federation control plane and member clusters with real Docker nodes.
// Divided 2:1 placement, per-cluster image override, drift repair, failover when a member dies and
// back when it returns, a third member joined later, deletion everywhere (Deployment, Service and
// ConfigMap gone from every member).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  PODS,
  SERVICES,
  type Deployment,
  type Pod,
} from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';
import {
  dockerCli,
  removeContainers,
  startMemberEnv,
  type MemberEnv,
} from '../support/member-env.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-fed-'));
let env: MemberEnv;
let fed: FederationControlPlane;
const members: Record<string, MemberCluster> = {};
const fedKubeconfig = join(dir, 'federation.kubeconfig');
let overrideImage = '';

async function newMember(
  name: string,
  index: number,
  runtime: 'docker' | 'hollow',
): Promise<MemberCluster> {
  const m = new MemberCluster({
    name,
    etcdEndpoint: env.etcd.endpoint,
    nodes: 1,
    runtime,
    dockerSocketPath: env.docker.socketPath,
    nodeAddressPrefix: `127.0.${String(index)}.`,
    port: await freePort(),
    kubeconfigPath: join(dir, `${name}.kubeconfig`),
    kubelet: { crashLoopBaseMs: 500, syncPeriodMs: 500, heartbeatMs: 2000 },
  });
  await m.start();
  members[name] = m;
  return m;
}

async function runningPods(m: MemberCluster): Promise<Pod[]> {
  const pods = (await m.client().resource<Pod>(PODS, 'default').list({ labelSelector: 'app=web' }))
    .items;
  return pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
}

async function clusterReady(name: string): Promise<string> {
  const c = await fed.client().resource<Cluster>(CLUSTERS).get(name);
  return c.status?.conditions?.find((x) => x.type === 'Ready')?.status ?? 'Unknown';
}

beforeAll(async () => {
  env = await startMemberEnv('fed-a');
  overrideImage = env.image.replace(':fed-a', ':fed-b');
  dockerCli(env.dockerEnv, 'tag', env.image, overrideImage);
  dockerCli(env.dockerEnv, 'push', overrideImage);
  fed = new FederationControlPlane({
    etcdEndpoint: env.etcd.endpoint,
    kubeconfigPath: fedKubeconfig,
    resyncMs: 1000,
    health: {
      probePeriodMs: 1000,
      probeTimeoutMs: 2000,
      failureThreshold: 3,
      halfOpenAfterMs: 2000,
    },
  });
  await fed.start();
  await newMember('m1', 21, 'docker');
  await newMember('m2', 22, 'docker');
});

afterAll(async () => {
  for (const m of Object.values(members)) await m.stop();
  await fed?.stop();
  if (env) for (const p of ['m1-', 'm2-', 'm3-']) removeContainers(env.dockerEnv, p);
  await env?.stop();
});

describe('federation with real member clusters', () => {
  it('joins members through the CLI and reports them Ready', async () => {
    for (const name of ['m1', 'm2']) {
      const r = await flotilla(
        fedKubeconfig,
        'join',
        name,
        '--member-kubeconfig',
        join(dir, `${name}.kubeconfig`),
        '--region',
        name === 'm1' ? 'eu' : 'us',
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const dup = await flotilla(
      fedKubeconfig,
      'join',
      'm1',
      '--member-kubeconfig',
      join(dir, 'm1.kubeconfig'),
    );
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already joined');
    await expect
      .poll(async () => [await clusterReady('m1'), await clusterReady('m2')], { timeout: 30_000 })
      .toEqual(['True', 'True']);
    const table = await flotilla(fedKubeconfig, 'get', 'clusters');
    expect(table.stdout).toMatch(/NAME\s+READY\s+REGION/);
    expect(table.stdout).toMatch(/m1\s+True\s+eu/);
  });

  it('divides a Deployment 2:1, overrides the image in one cluster, and copies Service + ConfigMap', async () => {
    const manifest = join(dir, 'app.yaml');
    writeFileSync(
      manifest,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: httpd
        image: ${env.image}
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, labels: {app: web}}
data: {greeting: hello}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  - {apiVersion: v1, kind: Service, name: web}
  - {apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {app: web}}}
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
        - {targetCluster: {clusterNames: [m1]}, weight: 2}
        - {targetCluster: {clusterNames: [m2]}, weight: 1}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: OverridePolicy
metadata: {name: web-image}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  overrideRules:
  - targetCluster: {clusterNames: [m2]}
    overriders:
      imageOverrider: [{component: Tag, operator: replace, value: fed-b}]
`,
    );
    const r = await flotilla(fedKubeconfig, 'apply', '-f', manifest);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('deployment/web created');
    const m1 = members.m1;
    const m2 = members.m2;
    if (!m1 || !m2) throw new Error('members missing');
    await expect
      .poll(async () => [(await runningPods(m1)).length, (await runningPods(m2)).length], {
        timeout: 120_000,
        interval: 250,
      })
      .toEqual([4, 2]);
    const d2 = await m2.client().resource<Deployment>(DEPLOYMENTS, 'default').get('web');
    expect(d2.spec.template.spec.containers[0]?.image).toBe(overrideImage);
    const d1 = await m1.client().resource<Deployment>(DEPLOYMENTS, 'default').get('web');
    expect(d1.spec.template.spec.containers[0]?.image).toBe(env.image);
    for (const m of [m1, m2]) {
      await m.client().resource(SERVICES, 'default').get('web');
      await m.client().resource(CONFIGMAPS, 'default').get('web-config');
    }
    // status aggregated back into the template
    await expect
      .poll(
        async () =>
          (await fed.client().resource<Deployment>(DEPLOYMENTS, 'default').get('web')).status
            ?.readyReplicas ?? 0,
        { timeout: 60_000 },
      )
      .toBe(6);
    const desc = await flotilla(fedKubeconfig, 'describe', 'deployment', 'web');
    expect(desc.stdout).toMatch(/m1\s+4/);
    expect(desc.stdout).toMatch(/m2\s+2/);
  });

  it('repairs an out-of-band delete in a member', async () => {
    const m2 = members.m2;
    if (!m2) throw new Error('m2 missing');
    await m2.client().resource(CONFIGMAPS, 'default').delete('web-config');
    await expect
      .poll(
        async () =>
          await m2
            .client()
            .resource(CONFIGMAPS, 'default')
            .get('web-config')
            .then(
              () => 'present',
              () => 'missing',
            ),
        { timeout: 30_000 },
      )
      .toBe('present');
    await m2
      .client()
      .resource<Deployment>(DEPLOYMENTS, 'default')
      .patch('web', { spec: { replicas: 1 } }, 'merge');
    await expect
      .poll(
        async () =>
          (await m2.client().resource<Deployment>(DEPLOYMENTS, 'default').get('web')).spec.replicas,
        { timeout: 30_000 },
      )
      .toBe(2);
  });

  it('moves replicas off a dead member and restores them when it returns', async () => {
    const m1 = members.m1;
    const m2 = members.m2;
    if (!m1 || !m2) throw new Error('members missing');
    await m1.stop();
    await expect.poll(() => clusterReady('m1'), { timeout: 30_000 }).toBe('False');
    await expect
      .poll(async () => (await runningPods(m2)).length, { timeout: 120_000, interval: 250 })
      .toBe(6);
    await m1.start();
    await expect.poll(() => clusterReady('m1'), { timeout: 60_000 }).toBe('True');
    await expect
      .poll(async () => [(await runningPods(m1)).length, (await runningPods(m2)).length], {
        timeout: 120_000,
        interval: 250,
      })
      .toEqual([4, 2]);
  });

  it('propagates to a third member joined later', async () => {
    await newMember('m3', 23, 'hollow');
    const r = await flotilla(
      fedKubeconfig,
      'join',
      'm3',
      '--member-kubeconfig',
      join(dir, 'm3.kubeconfig'),
    );
    expect(r.code).toBe(0);
    const m3 = members.m3;
    if (!m3) throw new Error('m3 missing');
    await expect
      .poll(
        async () =>
          await m3
            .client()
            .resource(CONFIGMAPS, 'default')
            .get('web-config')
            .then(
              () => 'present',
              () => 'missing',
            ),
        { timeout: 60_000 },
      )
      .toBe('present');
    // m3 has no weight in the policy: it gets the Service and ConfigMap but no replicas
    await m3.client().resource(SERVICES, 'default').get('web');
    expect(
      await m3
        .client()
        .resource(DEPLOYMENTS, 'default')
        .get('web')
        .then(
          () => 'present',
          () => 'missing',
        ),
    ).toBe('missing');
  });

  it('deleting at the federation removes the objects from every member', async () => {
    for (const f of ['deployment', 'service', 'configmap']) {
      const name = f === 'configmap' ? 'web-config' : 'web';
      const r = await flotilla(fedKubeconfig, 'delete', f, name);
      expect(r.code).toBe(0);
    }
    for (const m of Object.values(members)) {
      await expect
        .poll(
          async () =>
            (await m.client().resource(DEPLOYMENTS, 'default').list()).items.length +
            (await m.client().resource(CONFIGMAPS, 'default').list({ labelSelector: 'app=web' }))
              .items.length,
          { timeout: 60_000 },
        )
        .toBe(0);
      await expect
        .poll(
          async () =>
            await m
              .client()
              .resource(SERVICES, 'default')
              .get('web')
              .then(
                () => 'present',
                () => 'missing',
              ),
          { timeout: 60_000 },
        )
        .toBe('missing');
    }
    await expect
      .poll(
        async () =>
          (await runningPods(members.m1 as MemberCluster)).length +
          (await runningPods(members.m2 as MemberCluster)).length,
        { timeout: 60_000 },
      )
      .toBe(0);
    expect(
      await fed
        .client()
        .resource(DEPLOYMENTS, 'default')
        .get('web')
        .then(
          () => 'present',
          () => 'gone',
        ),
    ).toBe('gone');
  });
});
