// Namespace lifecycle in the federation and the members: a real FederationControlPlane (controllers
// on) with two hollow MemberClusters. Creates in a missing namespace are 404, creates in a
// Terminating one 403 (NamespaceLifecycle admission); deleting a namespace at the federation
// empties it, removes the propagated copies and the namespace from both members, then finalizes.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { CONFIGMAPS, DEPLOYMENTS, NAMESPACES } from '../../api/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { ForbiddenError, NotFoundError } from '../../machinery/errors/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-ns-lifecycle-'));
const kc = join(dir, 'federation.kubeconfig');
const HOLD = 'example.com/hold';
let etcd: EtcdService;
let fed: FederationControlPlane;
const members: MemberCluster[] = [];

/** kubectl against a kubeconfig: exit code, stdout and stderr (never throws). */
async function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** True once `name` in `namespace` (or the namespace itself without a resource) is gone. */
async function gone(
  client: KubeClient,
  gvr: typeof CONFIGMAPS,
  name: string,
  namespace?: string,
): Promise<boolean> {
  try {
    await client.resource(gvr, namespace).get(name);
    return false;
  } catch (err) {
    if (err instanceof NotFoundError) return true;
    throw err;
  }
}

const configMap = (ns: string, name: string, finalizers?: string[]) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(finalizers ? { finalizers } : {}) },
  data: { k: 'v' },
});

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  etcd = await startEtcd();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    kubeconfigPath: kc,
    resyncMs: 1000,
    health: {
      probePeriodMs: 500,
      probeTimeoutMs: 2000,
      failureThreshold: 3,
      halfOpenAfterMs: 2000,
    },
  });
  await fed.start();
  for (const name of ['n1', 'n2']) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
      kubeconfigPath: join(dir, `${name}.kubeconfig`),
    });
    await m.start();
    members.push(m);
  }
}, 120_000);

afterAll(async () => {
  for (const m of members) await m.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('namespace lifecycle', () => {
  it('joins both members', async () => {
    for (const m of members) {
      const name = m.opts.name;
      const r = await flotilla(
        kc,
        'join',
        name,
        '--kubeconfig-of-member',
        join(dir, `${name}.kubeconfig`),
      );
      expect(r.stderr).toBe('');
    }
    await expect
      .poll(async () => (await flotilla(kc, 'get', 'clusters')).stdout.match(/\sTrue\s/g)?.length, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(2);
  });

  it('refuses creates in a namespace that does not exist (404), also through kubectl', async () => {
    await expect(
      fed.client().resource(CONFIGMAPS, 'nope').create(configMap('nope', 'x')),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      code: 404,
      message: 'namespaces "nope" not found',
      kind: 'namespaces',
      objectName: 'nope',
    });
    const r = await kubectl(kc, 'create', 'configmap', 'x', '-n', 'nope');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('namespaces "nope" not found');
    const m = await kubectl(join(dir, 'n1.kubeconfig'), 'create', 'configmap', 'x', '-n', 'nope');
    expect(m.stderr).toContain('namespaces "nope" not found');
    // the immortal namespaces exist and may not be deleted
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      await fed.client().resource(NAMESPACES).get(ns);
    }
    const d = await kubectl(kc, 'delete', 'namespace', 'kube-public');
    expect(d.stderr).toContain('this namespace may not be deleted');
  });

  it('deletes a federated namespace: content, member copies, member namespaces, then itself', async () => {
    const fc = fed.client();
    expect((await kubectl(kc, 'create', 'namespace', 'team-a')).code).toBe(0);
    // a finalizer of someone else's keeps the namespace Terminating while we look at it
    await fc.resource(CONFIGMAPS, 'team-a').create(configMap('team-a', 'held', [HOLD]));
    const f = join(dir, 'team-a.yaml');
    writeFileSync(
      f,
      `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: team-a}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: busybox:1.36}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: team-a, namespace: team-a}
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: ConfigMap, name: cfg}
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {clusterNames: [n1, n2]}
`,
    );
    const applied = await kubectl(kc, 'apply', '-f', f);
    expect(applied.stderr).toBe('');
    for (const m of members) {
      await expect
        .poll(
          async () =>
            !(await gone(m.client(), CONFIGMAPS, 'cfg', 'team-a')) &&
            !(await gone(m.client(), DEPLOYMENTS, 'web', 'team-a')),
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);
    }

    const del = await kubectl(kc, 'delete', 'namespace', 'team-a', '--wait=false');
    expect(del).toMatchObject({ code: 0, stdout: 'namespace "team-a" deleted\n' });
    const ns = await fc.resource(NAMESPACES).get('team-a');
    expect(ns.metadata.deletionTimestamp).toBeDefined();
    expect(ns.spec).toMatchObject({ finalizers: ['kubernetes'] });
    await expect(
      fc.resource(CONFIGMAPS, 'team-a').create(configMap('team-a', 'late')),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const late = await kubectl(kc, 'create', 'configmap', 'late', '-n', 'team-a');
    expect(late.stderr).toContain(
      'unable to create new content in namespace team-a because it is being terminated',
    );
    await expect
      .poll(async () => (await fc.resource(NAMESPACES).get('team-a')).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toMatchObject({ phase: 'Terminating' });
    // the propagated objects leave the members while the held one keeps the namespace
    for (const m of members) {
      await expect
        .poll(
          async () =>
            (await gone(m.client(), CONFIGMAPS, 'cfg', 'team-a')) &&
            (await gone(m.client(), DEPLOYMENTS, 'web', 'team-a')),
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);
    }
    await fc
      .resource(CONFIGMAPS, 'team-a')
      .patch('held', { metadata: { finalizers: [] } }, 'merge');
    await expect
      .poll(async () => gone(fc, NAMESPACES, 'team-a'), { timeout: 30_000, interval: 500 })
      .toBe(true);
    for (const m of members) {
      await expect
        .poll(async () => gone(m.client(), NAMESPACES, 'team-a'), {
          timeout: 30_000,
          interval: 500,
        })
        .toBe(true);
    }
  }, 120_000);

  it('deletes a namespace in a member directly, content first', async () => {
    const mk = join(dir, 'n1.kubeconfig');
    const mc = members[0]?.client();
    if (!mc) throw new Error('no member');
    expect((await kubectl(mk, 'create', 'namespace', 'team-b')).code).toBe(0);
    await mc.resource(CONFIGMAPS, 'team-b').create(configMap('team-b', 'held', [HOLD]));
    expect(
      (await kubectl(mk, 'create', 'deployment', 'web', '--image=busybox:1.36', '-n', 'team-b'))
        .code,
    ).toBe(0);
    const del = await kubectl(mk, 'delete', 'namespace', 'team-b', '--wait=false');
    expect(del.code).toBe(0);
    const late = await kubectl(mk, 'create', 'configmap', 'late', '-n', 'team-b');
    expect(late.stderr).toContain(
      'unable to create new content in namespace team-b because it is being terminated',
    );
    await expect
      .poll(async () => gone(mc, DEPLOYMENTS, 'web', 'team-b'), { timeout: 30_000, interval: 500 })
      .toBe(true);
    await mc
      .resource(CONFIGMAPS, 'team-b')
      .patch('held', { metadata: { finalizers: [] } }, 'merge');
    await expect
      .poll(async () => gone(mc, NAMESPACES, 'team-b'), { timeout: 30_000, interval: 500 })
      .toBe(true);
  }, 90_000);
});
