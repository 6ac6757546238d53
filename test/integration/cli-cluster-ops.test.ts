// Cluster operations of the flotilla CLI against a running FederationControlPlane (controllers
// on) with two hollow MemberClusters: cordon keeps NEW placements off a member while what is there
// stays, uncordon brings it back, taint add/remove, top clusters from the health controller's
// resource summary, promote adopts a member-only Deployment (same uid) and a member ConfigMap its
// template's policy refused (conflictResolution Abort: FullyApplied False, then True), bootstrap
// tokens.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, DEPLOYMENTS } from '../../api/index.js';
import {
  CLUSTERS,
  RESOURCE_BINDINGS,
  type Cluster,
  type ResourceBinding,
} from '../../federation/apis/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-ops-'));
const kc = join(dir, 'federation.kubeconfig');
let etcd: EtcdService;
let fed: FederationControlPlane;
const members = new Map<string, MemberCluster>();

const cli = (...args: string[]): ReturnType<typeof flotilla> => flotilla(kc, ...args);
const poll = { timeout: 30_000, interval: 500 };

/** A Deployment of `replicas` and a Divided policy over both members. */
function divided(name: string, replicas = 4): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  replicas: ${String(replicas)}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: busybox:1.36}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: ${name}}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: ${name}}]
  placement:
    clusterAffinity: {clusterNames: [member1, member2]}
    replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted}
`,
  );
  return f;
}

/** The clusters (with replicas) of a template's binding, e.g. `member1(2),member2(2)`. */
async function placement(name: string): Promise<string> {
  const b = await fed
    .client()
    .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
    .get(`${name}-deployment`)
    .catch(() => undefined);
  return (b?.spec.clusters ?? [])
    .map((c) => `${c.name}(${String(c.replicas ?? '')})`)
    .sort()
    .join(',');
}

/** A binding's FullyApplied condition as `status reason message`. */
async function fullyApplied(binding: string): Promise<string | undefined> {
  const b = await fed
    .client()
    .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
    .get(binding)
    .catch(() => undefined);
  const c = b?.status?.conditions?.find((x) => x.type === 'FullyApplied');
  return c && `${c.status} ${c.reason ?? ''} ${c.message ?? ''}`;
}

/** Replicas of the Deployment in a member, undefined when it is not there. */
async function inMember(member: string, name: string): Promise<number | undefined> {
  const d = await members
    .get(member)
    ?.client()
    .resource(DEPLOYMENTS, 'default')
    .get(name)
    .catch(() => undefined);
  return (d?.spec as { replicas?: number } | undefined)?.replicas;
}

beforeAll(async () => {
  etcd = await startEtcd();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    kubeconfigPath: kc,
    resyncMs: 500,
    health: {
      probePeriodMs: 500,
      probeTimeoutMs: 2000,
      failureThreshold: 3,
      halfOpenAfterMs: 2000,
    },
  });
  await fed.start();
  for (const name of ['member1', 'member2']) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 2,
      runtime: 'hollow',
      kubeconfigPath: join(dir, `${name}.kubeconfig`),
    });
    await m.start();
    members.set(name, m);
    const r = await cli('join', name, '--kubeconfig-of-member', join(dir, `${name}.kubeconfig`));
    expect(r).toMatchObject({ code: 0, stderr: '' });
  }
  // both Ready before any test (expect.poll works only inside tests)
  for (let i = 0; ; i++) {
    if (/member1\s+True[\s\S]*member2\s+True/.test((await cli('get', 'clusters')).stdout)) break;
    if (i > 60) throw new Error('members did not become Ready within 30 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}, 120_000);

afterAll(async () => {
  for (const m of members.values()) await m.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('flotilla cordon / uncordon / taint', () => {
  it('keeps new placements off a cordoned cluster while existing ones stay', async () => {
    expect((await cli('apply', '-f', divided('old'))).code).toBe(0);
    await expect.poll(() => placement('old'), poll).toBe('member1(2),member2(2)');
    await expect.poll(() => inMember('member2', 'old'), poll).toBe(2);

    expect(await cli('cordon', 'member2')).toEqual({
      code: 0,
      stdout: 'cluster/member2 cordoned\n',
      stderr: '',
    });
    expect((await cli('cordon', 'member2')).stdout).toBe('cluster/member2 cordoned\n');
    const c = JSON.parse((await cli('get', 'clusters', 'member2', '-o', 'json')).stdout) as Cluster;
    expect(c.spec.taints).toEqual([
      { key: 'cluster.flotilla.io/unschedulable', effect: 'NoSchedule' },
    ]);

    expect((await cli('apply', '-f', divided('fresh'))).code).toBe(0);
    await expect.poll(() => placement('fresh'), poll).toBe('member1(4)');
    await expect.poll(() => inMember('member1', 'fresh'), poll).toBe(4);
    // several resyncs later: still nothing new on member2, and the old Deployment is still there
    await new Promise((r) => setTimeout(r, 3000));
    expect(await inMember('member2', 'fresh')).toBeUndefined();
    expect(await placement('fresh')).toBe('member1(4)');
    expect(await placement('old')).toBe('member1(2),member2(2)');
    expect(await inMember('member2', 'old')).toBe(2);
  });

  it('uncordon: new placements use the cluster again', async () => {
    expect((await cli('uncordon', 'member2')).stdout).toBe('cluster/member2 uncordoned\n');
    expect(
      (await fed.client().resource<Cluster>(CLUSTERS).get('member2')).spec.taints,
    ).toBeUndefined();
    expect((await cli('apply', '-f', divided('third', 2))).code).toBe(0);
    await expect.poll(() => placement('third'), poll).toBe('member1(1),member2(1)');
    await expect.poll(() => inMember('member2', 'third'), poll).toBe(1);
    // the Deployment placed while member2 was cordoned is spread again too
    await expect.poll(() => placement('fresh'), poll).toBe('member1(2),member2(2)');
  });

  it('adds and removes taints, with clear errors', async () => {
    expect((await cli('taint', 'member1', 'dedicated=gpu:NoSchedule')).stdout).toBe(
      'cluster/member1 tainted\n',
    );
    const c = await fed.client().resource<Cluster>(CLUSTERS).get('member1');
    expect(c.spec.taints).toEqual([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    const bad = await cli('taint', 'member1', 'dedicated=gpu:Maybe');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: invalid taint effect "Maybe"/);
    const unknown = await cli('taint', 'nosuch', 'a:NoSchedule');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: .*"nosuch" not found/);
    expect((await cli('taint', 'member1', 'dedicated:NoSchedule-', '-o', 'name')).stdout).toBe(
      'cluster/member1\n',
    );
    expect(
      (await fed.client().resource<Cluster>(CLUSTERS).get('member1')).spec.taints,
    ).toBeUndefined();
  });
});

describe('flotilla top clusters', () => {
  it('shows both members with nodes, cpu, memory and pods', async () => {
    await expect
      .poll(async () => (await cli('top', 'clusters')).stdout, poll)
      .toMatch(
        /^NAME\s+READY\s+NODES\s+CPU\(REQUESTED\/ALLOCATABLE\)\s+CPU%\s+MEMORY\(REQUESTED\/ALLOCATABLE\)\s+MEMORY%\s+PODS\nmember1\s+True\s+2\s+\d+m?\/\d+\s+\d+%\s+(0|\d+(\.\d)?[MG]i)\/\d+(\.\d)?Gi\s+\d+%\s+\d+\/\d+\nmember2\s+True\s+2\s/,
      );
    const json = JSON.parse((await cli('top', 'clusters', '-o', 'json')).stdout) as {
      items: { name: string; cpu: { allocatable: number }; pods: { requested: number } }[];
    };
    expect(json.items.map((i) => i.name)).toEqual(['member1', 'member2']);
    for (const i of json.items) expect(i.cpu.allocatable).toBeGreaterThan(0);
  });
});

describe('flotilla promote', () => {
  it('adopts a Deployment that exists only in a member, keeping its uid', async () => {
    const m1 = members.get('member1')?.client();
    const created = await m1?.resource(DEPLOYMENTS, 'default').create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'legacy', labels: { app: 'legacy' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'legacy' } },
        template: {
          metadata: { labels: { app: 'legacy' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
        },
      },
    });
    const uid = created?.metadata.uid;
    expect(uid).toBeTruthy();
    const r = await cli('promote', 'deployment', 'legacy', '-n', 'default', '-C', 'member1');
    expect(r).toEqual({
      code: 0,
      stdout:
        'deployment/legacy promoted from cluster member1 (propagationpolicy/legacy-promoted, conflictResolution Overwrite)\n',
      stderr: '',
    });
    await expect
      .poll(async () => {
        const b = await fed
          .client()
          .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
          .get('legacy-deployment')
          .catch(() => undefined);
        return b?.status?.aggregatedStatus?.map((s) => `${s.clusterName}:${String(s.applied)}`);
      }, poll)
      .toEqual(['member1:true']);
    const after = await m1?.resource(DEPLOYMENTS, 'default').get('legacy');
    expect(after?.metadata.uid).toBe(uid);
    expect(after?.metadata.labels?.['federation.flotilla.io/managed-by']).toBe(
      'flotilla-federation',
    );
    expect(await inMember('member2', 'legacy')).toBeUndefined();
    expect((await cli('describe', 'deployment', 'legacy')).stdout).toMatch(
      /member1\s+1\s+\S+\s+true/,
    );

    const again = await cli('promote', 'deployment', 'legacy', '-C', 'member1');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'error: deployment default/legacy already exists in the federation; nothing to promote\n',
    );
    const missing = await cli('promote', 'deployment', 'ghost', '-C', 'member1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: deployment default/ghost not found in cluster member1\n');
  });

  it('adopts a member object its template’s policy refused (Abort), keeping its uid', async () => {
    const m1 = members.get('member1')?.client();
    const own = await m1?.resource(CONFIGMAPS, 'default').create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { owner: 'member' },
    });
    const f = join(dir, 'settings.yaml');
    writeFileSync(
      f,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {owner: federation}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: settings}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: settings}]
  placement: {clusterAffinity: {clusterNames: [member1]}}
`,
    );
    expect((await cli('apply', '-f', f)).code).toBe(0);
    await expect.poll(() => fullyApplied('settings-configmap'), poll).toMatch(/^False /);
    expect(await fullyApplied('settings-configmap')).toContain('conflictResolution: Abort');
    const r = await cli('promote', 'configmap', 'settings', '-C', 'member1');
    expect(r).toEqual({
      code: 0,
      stdout:
        'configmap/settings adopted in cluster member1 (work.flotilla.io/conflict-resolution: Overwrite on the template)\n',
      stderr: '',
    });
    await expect.poll(() => fullyApplied('settings-configmap'), poll).toMatch(/^True /);
    const after = await m1?.resource(CONFIGMAPS, 'default').get('settings');
    expect(after?.metadata.uid).toBe(own?.metadata.uid);
    expect(after?.metadata.labels?.['federation.flotilla.io/managed-by']).toBe(
      'flotilla-federation',
    );
    expect((after as { data?: unknown } | undefined)?.data).toEqual({ owner: 'federation' });
  });
});

describe('flotilla token', () => {
  it('creates, lists and deletes bootstrap tokens', async () => {
    const created = await cli('token', 'create', '--ttl', '1h');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const id = token.slice(0, 6);
    expect((await cli('token', 'list')).stdout).toMatch(
      new RegExp(`\\n${id}\\s+(59|60)m\\s+\\S+\\s+authentication\\s`),
    );
    const cmd = await cli('token', 'create', '--print-register-command');
    expect(cmd.stdout).toMatch(
      /^flotilla register CLUSTER_NAME --federation https:\/\/127\.0\.0\.1:\d+ --token [a-z0-9]{6}\.[a-z0-9]{16} --ca-file \S+federation-ca\.crt --member-kubeconfig MEMBER_KUBECONFIG\n$/,
    );
    expect((await cli('token', 'delete', id)).stdout).toBe(`bootstrap token "${id}" deleted\n`);
    expect((await cli('token', 'list', '-o', 'name')).stdout).not.toContain(id);
    expect((await cli('token', 'delete', id)).code).toBe(1);
  });
});
