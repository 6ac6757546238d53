// A member control plane as separate processes: the built flotilla-member-apiserver and
// flotilla-member-controller-manager binaries on a real etcd and one PKI folder, each component
// with its own kubeconfig identity, plus two in-process hollow kubelets (system:node:<name>).
// Covers Deployment → ReplicaSet → scheduled pods, leader election on the Lease, workqueue
// and process metrics, kill -9 and restart of the controller manager, SIGTERM, --help and bad flags.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultClusterCidr } from '../../member/cluster/default-cluster-cidr.js';
import { loadOrCreatePki, type ClusterPki } from '../../machinery/apiserver/cluster-pki.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  DEPLOYMENTS,
  LEASES,
  NAMESPACES,
  PODS,
  REPLICASETS,
  type Deployment,
  type Lease,
  type Pod,
  type ReplicaSet,
} from '../../api/index.js';
import {
  CONTROLLER_MANAGER_USER,
  NODE_USER_PREFIX,
  NODES_GROUP,
  SCHEDULER_USER,
} from '../../member/cluster/member-bootstrap-policy.js';
import { HollowRuntime, Kubelet } from '../../member/kubelet/index.js';
import {
  distScript,
  ensureBuilt,
  exitWithin,
  spawnBinary,
  waitOutput,
  type SpawnedBinary,
} from '../support/binaries.js';
import { certClient, writeCertKubeconfig } from '../support/cert-identities.js';

const APISERVER = distScript('member/cmd/member-apiserver.js');
const CONTROLLER_MANAGER = distScript('member/cmd/member-controller-manager.js');
/** This cluster's pod range (a /20 no other test cluster holds). */
const CLUSTER_CIDR = defaultClusterCidr();
const NAME = 'mproc';
const LEASE = 'flotilla-member-controller-manager';
const poll = { timeout: 30_000, interval: 200 };

let etcd: EtcdService;
let dir: string;
let pki: ClusterPki;
let url: string;
let apiserver: SpawnedBinary;
let cm: SpawnedBinary | undefined;
let metricsPort: number;
let admin: RestClient;
const clients: RestClient[] = [];
const kubelets: { abort: AbortController; done: Promise<void> }[] = [];

function writeKubeconfig(file: string, user: string, groups: string[] = []): string {
  return writeCertKubeconfig(join(dir, file), {
    name: NAME,
    server: url,
    ca: pki.ca,
    user,
    groups,
  });
}

function clientAs(user: string, groups: string[] = []): RestClient {
  const c = certClient(url, pki.ca, user, groups);
  clients.push(c);
  return c;
}

function startControllerManager(): SpawnedBinary {
  return spawnBinary(CONTROLLER_MANAGER, [
    '--kubeconfig',
    join(dir, 'controller-manager.kubeconfig'),
    '--scheduler-kubeconfig',
    join(dir, 'scheduler.kubeconfig'),
    '--pki-dir',
    join(dir, 'pki'),
    '--leader-elect-lease-duration',
    '3s',
    '--leader-elect-renew-deadline',
    '2s',
    '--leader-elect-retry-period',
    '500ms',
    '--metrics-bind-address',
    `127.0.0.1:${String(metricsPort)}`,
    // Nodes get podCIDRs (the kubelets' pods wait for one)
    '--cluster-cidr',
    CLUSTER_CIDR,
  ]);
}

function deployment(name: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  };
}

async function scheduledPods(app: string): Promise<Pod[]> {
  const list = await admin.resource<Pod>(PODS, 'default').list({ labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName);
}

beforeAll(async () => {
  ensureBuilt([APISERVER, CONTROLLER_MANAGER]);
  expect(existsSync(APISERVER) && existsSync(CONTROLLER_MANAGER)).toBe(true);
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-member-processes-'));
  pki = loadOrCreatePki(join(dir, 'pki'), NAME);
  const port = await freePort();
  metricsPort = await freePort();
  url = `https://127.0.0.1:${String(port)}`;
  apiserver = spawnBinary(APISERVER, [
    '--cluster-name',
    NAME,
    '--etcd-servers',
    etcd.endpoint,
    '--pki-dir',
    join(dir, 'pki'),
    '--secure-port',
    String(port),
  ]);
  await waitOutput(apiserver, /serving on https:\/\/127\.0\.0\.1:\d+/);
  admin = clientAs('admin', [MASTERS_GROUP]);
  writeKubeconfig('admin.kubeconfig', 'admin', [MASTERS_GROUP]);
  writeKubeconfig('controller-manager.kubeconfig', CONTROLLER_MANAGER_USER);
  writeKubeconfig('scheduler.kubeconfig', SCHEDULER_USER);
  const clusterId = (await admin.resource(NAMESPACES).get('kube-system')).metadata.uid ?? '';
  const runtime = new HollowRuntime();
  for (const i of [1, 2]) {
    const nodeName = `${NAME}-node-${String(i)}`;
    const abort = new AbortController();
    const kubelet = new Kubelet({
      client: clientAs(`${NODE_USER_PREFIX}${nodeName}`, [NODES_GROUP]),
      nodeName,
      clusterId,
      nodeAddress: `127.0.88.${String(i)}`,
      runtime,
      heartbeatMs: 1_000,
    });
    kubelets.push({ abort, done: kubelet.run(abort.signal) });
  }
  cm = startControllerManager();
  await waitOutput(cm, /started \(leader election/);
});

afterAll(async () => {
  for (const k of kubelets) k.abort.abort();
  await Promise.allSettled(kubelets.map((k) => k.done));
  for (const p of [cm, apiserver]) {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  for (const c of clients) c.close();
  await etcd?.stop();
});

describe('member control plane as processes', () => {
  it('runs a Deployment: ReplicaSet, pods created and scheduled on the hollow nodes', async () => {
    await admin.resource<Deployment>(DEPLOYMENTS, 'default').create(deployment('web', 3));
    await expect
      .poll(async () => {
        const rs = await admin.resource<ReplicaSet>(REPLICASETS, 'default').list();
        return rs.items.filter((r) => r.metadata.ownerReferences?.[0]?.name === 'web').length;
      }, poll)
      .toBe(1);
    await expect.poll(async () => (await scheduledPods('web')).length, poll).toBe(3);
    const nodes = new Set((await scheduledPods('web')).map((p) => p.spec.nodeName));
    for (const n of nodes) expect(n).toMatch(new RegExp(`^${NAME}-node-[12]$`));
  });

  it('holds the Lease and serves workqueue and process metrics on loopback', async () => {
    const lease = await admin.resource<Lease>(LEASES, 'kube-system').get(LEASE);
    expect(lease.spec?.holderIdentity ?? '').not.toBe('');
    const res = await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/workqueue_adds_total\{name="deployment-controller"\}/);
    // prom-client's process metrics, as on the other components' endpoints
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  });

  it('resumes after kill -9 and restart: a Deployment scaled meanwhile converges', async () => {
    const old = cm;
    if (!old) throw new Error('no controller manager');
    old.child.kill('SIGKILL');
    await old.exited;
    const rc = admin.resource<Deployment>(DEPLOYMENTS, 'default');
    const d = await rc.get('web');
    await rc.update({ ...d, spec: { ...d.spec, replicas: 5 } });
    // nobody reconciles while it is down
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await scheduledPods('web')).length).toBe(3);
    cm = startControllerManager();
    // the dead holder's Lease must expire (3 s) before the new process leads
    await expect.poll(async () => (await scheduledPods('web')).length, poll).toBe(5);
    const lease = await admin.resource<Lease>(LEASES, 'kube-system').get(LEASE);
    expect(cm.out()).toContain(lease.spec?.holderIdentity ?? '<none>');
  });

  it('exits 0 within seconds on SIGTERM and releases the Lease', async () => {
    const p = cm;
    if (!p) throw new Error('no controller manager');
    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 5_000)).toBe(0);
    const lease = await admin.resource<Lease>(LEASES, 'kube-system').get(LEASE);
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  });

  it('exits 1 when it loses the Lease (API server gone); the API server exits 0 on SIGTERM', async () => {
    const p = startControllerManager();
    cm = p;
    await expect
      .poll(async () => {
        const lease = await admin.resource<Lease>(LEASES, 'kube-system').get(LEASE);
        return p.out().includes(lease.spec?.holderIdentity || '<none>');
      }, poll)
      .toBe(true);
    apiserver.child.kill('SIGTERM');
    expect(await exitWithin(apiserver, 5_000)).toBe(0);
    // renewals fail for the renew deadline (2 s): leadership is lost and the process exits 1
    expect(await exitWithin(p, 15_000)).toBe(1);
    expect(p.out()).toContain('leadership lost');
  });

  it.each([
    ['member-apiserver', APISERVER],
    ['member-controller-manager', CONTROLLER_MANAGER],
  ])('%s: --help exits 0, a bad flag exits 2', (_name, script) => {
    const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: flotilla-');
    const bad = spawnSync(process.execPath, [script, '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('no-such-flag');
  });
});
