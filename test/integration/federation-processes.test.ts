// The federation as processes (HA): two flotilla-federation-apiserver replicas on one etcd and one
// PKI folder, two leader-elected flotilla-federation-controller-manager replicas (each talking to
// a different API server, Lease of 4 s), and two hollow members in-process joined through the
// federation API. A write through one API server is read and watched through the other; only the
// Lease holder runs controllers; after `kill -9` of the leader the standby takes over and
// propagates a new Deployment, without re-creating what the first leader created; SIGTERM makes
// a manager release the Lease and exit 0. Spawns the built binaries (rebuilt when stale).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  LEASES,
  NAMESPACES,
  SECRETS,
  type Deployment,
  type Lease,
} from '../../api/index.js';
import { CLUSTERS, PROPAGATION_POLICIES, type Cluster } from '../../federation/apis/index.js';
import { REGISTRIES } from '../../registry/index.js';
import { FEDERATION_CONTROLLER_USER } from '../../federation/server/federation-bootstrap-policy.js';
import { loadOrCreatePki, type ClusterPki } from '../../machinery/apiserver/cluster-pki.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { KubeObject, WatchEvent } from '../../machinery/meta.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { joinMember } from '../support/hollow-federation.js';
import {
  APISERVER_JS,
  BinaryProcess,
  CONTROLLER_MANAGER_JS,
  ensureBuilt,
  runBinary,
} from '../support/federation-processes.js';
import { certClient, writeCertKubeconfig } from '../support/cert-identities.js';

const LEASE = 'flotilla-controller-manager';
let dir: string;
let etcd: EtcdService;
let pki: ClusterPki;
const apiservers: { proc: BinaryProcess; url: string }[] = [];
const managers: { proc: BinaryProcess; identity: string; metricsPort: number }[] = [];
const members: MemberCluster[] = [];
const clients: RestClient[] = [];
const watches: { stop(): void }[] = [];

function admin(url: string): RestClient {
  const c = certClient(url, pki.ca, 'admin', [MASTERS_GROUP]);
  clients.push(c);
  return c;
}

const apiA = (): RestClient => admin(apiservers[0]?.url ?? '');
const apiB = (): RestClient => admin(apiservers[1]?.url ?? '');

/** etcd prefix of this federation (both API servers share it). */
const prefix = `/flotilla/test-${randomUUID().slice(0, 8)}`;

async function startApiServer(): Promise<void> {
  const port = await freePort();
  const proc = new BinaryProcess(APISERVER_JS, [
    '--etcd-servers',
    etcd.endpoint,
    '--etcd-prefix',
    prefix,
    '--pki-dir',
    join(dir, 'pki'),
    '--secure-port',
    String(port),
  ]);
  const m = await proc.waitFor(/serving on (https:\/\/\S+)/);
  apiservers.push({ proc, url: m[1] ?? '' });
}

async function startManager(apiUrl: string, name: string): Promise<void> {
  const kubeconfig = writeCertKubeconfig(join(dir, `${name}.kubeconfig`), {
    name: 'federation',
    server: apiUrl,
    ca: pki.ca,
    user: FEDERATION_CONTROLLER_USER,
  });
  const proc = new BinaryProcess(CONTROLLER_MANAGER_JS, [
    '--kubeconfig',
    kubeconfig,
    '--leader-elect-lease-duration',
    '4s',
    '--leader-elect-renew-deadline',
    '3s',
    '--leader-elect-retry-period',
    '500ms',
    '--cluster-probe-period',
    '500ms',
    '--resync-period',
    '1s',
    '--metrics-bind-address',
    '127.0.0.1:0',
    '--verbose',
  ]);
  const id = await proc.waitFor(/identity (\S+)/);
  const metrics = await proc.waitFor(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/);
  managers.push({ proc, identity: id[1] ?? '', metricsPort: Number(metrics[1]) });
}

async function holder(): Promise<string> {
  const l = await apiA()
    .resource<Lease>(LEASES, 'kube-system')
    .get(LEASE)
    .catch(() => undefined);
  return l?.spec.holderIdentity ?? '';
}

/** True when the manager's /metrics shows its controllers' queues (it runs controllers). */
async function runsControllers(metricsPort: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`);
  return /^workqueue_adds_total\{name="[^"]+"\}/m.test(await res.text());
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

/** Collects a watch's events in the background. */
function record<T extends KubeObject>(
  w: AsyncIterable<WatchEvent<T>> & { stop(): void },
): WatchEvent<T>[] {
  const events: WatchEvent<T>[] = [];
  watches.push(w);
  void (async () => {
    try {
      for await (const e of w) events.push(e);
    } catch {
      // the watch ends with the test
    }
  })();
  return events;
}

const NS = `ha-${randomUUID().slice(0, 8)}`;
/** ADDED events of Deployments in NS, per member. */
const added = new Map<string, WatchEvent<Deployment>[]>();

async function reachesMembers(name: string, timeout: number): Promise<void> {
  for (const m of members) {
    await expect
      .poll(
        async () =>
          (
            await m
              .client()
              .resource<Deployment>(DEPLOYMENTS, NS)
              .get(name)
              .catch(() => undefined)
          )?.metadata.name,
        { timeout, interval: 200 },
      )
      .toBe(name);
  }
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-fed-processes-'));
  pki = loadOrCreatePki(join(dir, 'pki'), 'federation');
  etcd = await startEtcd();
  await startApiServer();
  await startApiServer();
  for (const name of ['p1', 'p2']) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      etcdPrefix: `${prefix}-${name}`,
      nodes: 1,
      runtime: 'hollow',
      port: await freePort(),
    });
    await m.start();
    members.push(m);
  }
});

afterAll(async () => {
  for (const w of watches) w.stop();
  for (const c of clients) c.close();
  for (const m of managers) await m.proc.kill('SIGKILL');
  for (const m of members) await m.stop();
  for (const a of apiservers) await a.proc.kill('SIGTERM');
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('federation binaries', () => {
  it('--help exits 0 and a bad flag exits 2, for both binaries', async () => {
    for (const script of [APISERVER_JS, CONTROLLER_MANAGER_JS]) {
      const help = await runBinary(script, ['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^usage: flotilla-federation-/);
      const bad = await runBinary(script, ['--no-such-flag']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("Unknown option '--no-such-flag'");
    }
    const cm = await runBinary(CONTROLLER_MANAGER_JS, [
      '--kubeconfig',
      'x',
      '--controllers',
      'foo',
    ]);
    expect(cm.code).toBe(2);
    expect(cm.stderr).toContain('unknown controllers: foo');
  });

  it('serves one federation from two API servers: a write through A is read and watched through B', async () => {
    const b = apiB().resource(CONFIGMAPS, 'default');
    const events = record(b.watch());
    await apiA()
      .resource(CONFIGMAPS, 'default')
      .create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'shared' },
        data: { a: '1' },
      });
    expect(((await b.get('shared')) as KubeObject & { data: Record<string, string> }).data).toEqual(
      {
        a: '1',
      },
    );
    await expect
      .poll(() => events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`), {
        timeout: 10_000,
      })
      .toContain('ADDED shared');
  });

  it('--enable-promotion serves the promotion API; --token-auth-file users and the image gate identity may read it', async () => {
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, 'promo-token,system:promotion,uid-promo\n', { mode: 0o600 });
    const proc = new BinaryProcess(APISERVER_JS, [
      '--etcd-servers',
      etcd.endpoint,
      '--etcd-prefix',
      prefix,
      '--pki-dir',
      join(dir, 'pki'),
      '--secure-port',
      String(await freePort()),
      '--token-auth-file',
      tokenFile,
      '--enable-promotion',
    ]);
    try {
      const url = (await proc.waitFor(/serving on (https:\/\/\S+)/))[1] ?? '';
      const promo = new RestClient({ server: url, token: 'promo-token', caData: pki.ca.cert });
      const cm = pki.ca.clientCert(FEDERATION_CONTROLLER_USER);
      const gate = new RestClient({
        server: url,
        certData: cm.cert,
        keyData: cm.key,
        caData: pki.ca.cert,
      });
      clients.push(promo, gate);
      expect((await promo.resource(REGISTRIES).list()).items).toEqual([]);
      expect((await gate.resource(REGISTRIES).list()).items).toEqual([]);
      await expect(promo.resource(SECRETS, 'flotilla-system').list()).rejects.toThrow(/forbidden/i);
    } finally {
      expect((await proc.kill('SIGTERM')).code).toBe(0);
    }
  });

  it('elects one of two controller managers; only the leader runs controllers', async () => {
    await startManager(apiservers[0]?.url ?? '', 'cm1');
    await startManager(apiservers[1]?.url ?? '', 'cm2');
    const ids = managers.map((m) => m.identity);
    await expect.poll(holder, { timeout: 20_000 }).toSatisfy((h: string) => ids.includes(h));
    const leader = await holder();
    await expect
      .poll(() => runsControllers(managers.find((m) => m.identity === leader)?.metricsPort ?? 0), {
        timeout: 20_000,
      })
      .toBe(true);
    const standby = managers.find((m) => m.identity !== leader);
    expect(await runsControllers(standby?.metricsPort ?? 0)).toBe(false);
  });

  it('propagates a Deployment with a PropagationPolicy to both members', async () => {
    for (const m of members) await joinMember(apiA(), m);
    const api = apiA();
    await expect
      .poll(
        async () =>
          (await api.resource<Cluster>(CLUSTERS).list()).items.map(
            (c) => c.status?.conditions?.find((x) => x.type === 'Ready')?.status,
          ),
        { timeout: 30_000 },
      )
      .toEqual(['True', 'True']);
    await api
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const m of members) {
      added.set(m.opts.name, record(m.client().resource<Deployment>(DEPLOYMENTS, NS).watch()));
    }
    await api.resource(PROPAGATION_POLICIES, NS).create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'all' },
      spec: {
        resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
        placement: { clusterAffinity: { clusterNames: ['p1', 'p2'] } },
      },
    });
    await api.resource<Deployment>(DEPLOYMENTS, NS).create(deployment('before'));
    await reachesMembers('before', 20_000);
  });

  it('after kill -9 of the leader the standby takes over and propagates within 20 s, creating nothing twice', async () => {
    const uids = new Map<string, string | undefined>();
    for (const m of members) {
      const d = await m.client().resource<Deployment>(DEPLOYMENTS, NS).get('before');
      uids.set(m.opts.name, d.metadata.uid);
    }
    const leaderId = await holder();
    const leader = managers.find((m) => m.identity === leaderId);
    const standby = managers.find((m) => m.identity !== leaderId);
    expect((await leader?.proc.kill('SIGKILL'))?.signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await apiB().resource<Deployment>(DEPLOYMENTS, NS).create(deployment('after'));
    await reachesMembers('after', 20_000);
    expect(await holder()).toBe(standby?.identity);
    // let the new leader's resyncs run over both Deployments before counting
    await new Promise((r) => setTimeout(r, 2000));
    for (const m of members) {
      const d = await m.client().resource<Deployment>(DEPLOYMENTS, NS).get('before');
      expect(d.metadata.uid).toBe(uids.get(m.opts.name));
      const adds = (added.get(m.opts.name) ?? [])
        .filter((e) => e.type === 'ADDED')
        .map((e) => e.object.metadata.name)
        .sort();
      expect(adds, m.opts.name).toEqual(['after', 'before']);
    }
  });

  it('SIGTERM stops the leader gracefully: exit 0 and the Lease released', async () => {
    const leaderId = await holder();
    const leader = managers.find((m) => m.identity === leaderId);
    expect(leader).toBeDefined();
    const exit = await leader?.proc.kill('SIGTERM');
    expect(exit?.code, leader?.proc.stderr).toBe(0);
    expect(await holder()).toBe('');
  });
});
