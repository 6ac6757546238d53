// Multi-cluster services (KEP-1645) against a real FederationControlPlane on real etcd with two
// hollow MemberClusters: a Service exported from both (m1's ServiceExport written in the member,
// m2's propagated from the federation by a PropagationPolicy) becomes one federation
// ServiceImport with a loopback cluster-set IP, copied with one EndpointSlice per cluster into
// both members; kubectl lists the new kinds; an export whose ports disagree gets Conflict; and a
// member that stops (NotReady) has its slice removed everywhere. Selector-less Services with
// hand-written Endpoints stand in for pods (their addresses are never dialled).
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENDPOINTS,
  ENDPOINTSLICES,
  NAMESPACES,
  SERVICEEXPORTS,
  SERVICEIMPORTS,
  SERVICES,
  type EndpointSlice,
  type ServiceExport,
  type ServiceImport,
} from '../../api/index.js';
import { CLUSTERS, PROPAGATION_POLICIES, type Cluster } from '../../federation/apis/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import type { KubeObject } from '../../machinery/meta.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { joinMember } from '../support/hollow-federation.js';

const run = promisify(execFile);
const poll = { timeout: 20_000, interval: 200 };
const RANGE = `127.${String(64 + Math.floor(Math.random() * 60))}.${String(Math.floor(Math.random() * 250))}.0/24`;
let etcd: EtcdService;
let fed: FederationControlPlane;
let api: RestClient;
let kubeconfig: string;
const members = new Map<string, MemberCluster>();
const stopped = new Set<string>();
const ns = `mcs-${randomUUID().slice(0, 8)}`;

const m = (name: string): KubeClient => {
  const c = members.get(name);
  if (!c) throw new Error(`member ${name} missing`);
  return c.client();
};

const ready = async (name: string): Promise<string | undefined> =>
  (await api.resource<Cluster>(CLUSTERS).get(name)).status?.conditions?.find(
    (c) => c.type === 'Ready',
  )?.status;

/** A selector-less Service and its Endpoints (port 8080 behind `port`) in a member. */
async function serve(member: string, name: string, port: number, ip: string): Promise<void> {
  const c = m(member);
  await c
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
    .catch(() => undefined);
  await c.resource(SERVICES, ns).create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { ports: [{ name: 'http', port, targetPort: 8080, protocol: 'TCP' }] },
  });
  await c.resource(ENDPOINTS, ns).create({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name },
    subsets: [
      {
        addresses: [{ ip, hostname: `${name}-0` }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  });
}

const serviceExport = (name: string): KubeObject => ({
  apiVersion: 'multicluster.x-k8s.io/v1alpha1',
  kind: 'ServiceExport',
  metadata: { name },
});

const sliceNames = async (c: KubeClient, svc: string): Promise<string[]> =>
  (
    await c
      .resource<EndpointSlice>(ENDPOINTSLICES, ns)
      .list({ labelSelector: `multicluster.kubernetes.io/service-name=${svc}` })
  ).items
    .map((s) => s.metadata.name ?? '')
    .sort();

const importOf = (c: KubeClient, svc: string): Promise<ServiceImport | undefined> =>
  c
    .resource<ServiceImport>(SERVICEIMPORTS, ns)
    .get(svc)
    .catch(() => undefined);

const exportCondition = async (c: KubeClient, svc: string, type: string): Promise<string> => {
  const e = await c.resource<ServiceExport>(SERVICEEXPORTS, ns).get(svc);
  const cond = e.status?.conditions?.find((x) => x.type === type);
  return `${cond?.status ?? ''}/${cond?.reason ?? ''}`;
};

beforeAll(async () => {
  etcd = await startEtcd();
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'flotilla-mcs-')), 'kubeconfig');
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    resyncMs: 1000,
    clustersetIpRange: RANGE,
    kubeconfigPath: kubeconfig,
    health: {
      probePeriodMs: 300,
      probeTimeoutMs: 1000,
      failureThreshold: 2,
      halfOpenAfterMs: 1000,
    },
  });
  await fed.start();
  api = fed.client();
  for (const name of ['m1', 'm2']) {
    const member = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
    });
    await member.start();
    members.set(name, member);
    await joinMember(api, member);
  }
  // (expect.poll is for tests only)
  for (let i = 0; (await ready('m1')) !== 'True' || (await ready('m2')) !== 'True'; i++) {
    if (i > 100) throw new Error('members did not become Ready in 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  for (const [name, member] of members) if (!stopped.has(name)) await member.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('multi-cluster services', () => {
  it('imports a Service exported from two members into the whole cluster set', async () => {
    await serve('m1', 'web', 80, '127.250.1.10');
    await serve('m2', 'web', 80, '127.250.2.10');
    await m('m1').resource(SERVICEEXPORTS, ns).create(serviceExport('web'));
    // m2's export comes from the federation, propagated like any namespaced template
    await api
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      .catch(() => undefined);
    await api.resource(SERVICEEXPORTS, ns).create(serviceExport('web'));
    await api.resource(PROPAGATION_POLICIES, ns).create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'web-export' },
      spec: {
        resourceSelectors: [
          { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', name: 'web' },
        ],
        placement: { clusterAffinity: { clusterNames: ['m2'] } },
      },
    });
    await expect
      .poll(async () => (await importOf(api, 'web'))?.status?.clusters, poll)
      .toEqual([{ cluster: 'm1' }, { cluster: 'm2' }]);
    const fi = await importOf(api, 'web');
    const prefix = RANGE.split('.').slice(0, 3).join('.');
    expect(fi?.spec.type).toBe('ClusterSetIP');
    expect(fi?.spec.ips?.[0]?.startsWith(`${prefix}.`)).toBe(true);
    expect(fi?.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }]);
    expect(await sliceNames(api, 'web')).toEqual(['web-m1', 'web-m2']);
    for (const name of ['m1', 'm2']) {
      await expect
        .poll(async () => (await importOf(m(name), 'web'))?.spec.ips, poll)
        .toEqual(fi?.spec.ips);
      await expect.poll(() => sliceNames(m(name), 'web'), poll).toEqual(['web-m1', 'web-m2']);
      await expect.poll(() => exportCondition(m(name), 'web', 'Ready'), poll).toBe('True/Exported');
    }
    const slice = await m('m1').resource<EndpointSlice>(ENDPOINTSLICES, ns).get('web-m2');
    expect(slice.endpoints).toEqual([
      {
        addresses: ['127.250.2.10'],
        conditions: { ready: true, serving: true, terminating: false },
        hostname: 'web-0',
      },
    ]);
    expect(slice.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
  });

  it('lists the new kinds through kubectl and discovery', async () => {
    const kubectl = async (...args: string[]): Promise<string> =>
      (await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 })).stdout;
    const resources = await kubectl('api-resources', '--no-headers');
    for (const r of ['serviceexports', 'serviceimports', 'endpointslices']) {
      expect(resources).toContain(r);
    }
    expect(await kubectl('get', 'serviceimports', '-n', ns)).toMatch(/web\s+ClusterSetIP\s+127\./);
    expect(await kubectl('get', 'endpointslices', '-n', ns)).toContain('web-m1');
    expect(await kubectl('get', 'serviceexports', '-n', ns)).toContain('web');
  });

  it('marks the younger export of a name with other ports Conflict', async () => {
    await serve('m1', 'api', 80, '127.250.1.11');
    await m('m1').resource(SERVICEEXPORTS, ns).create(serviceExport('api'));
    await expect
      .poll(async () => (await importOf(api, 'api'))?.status?.clusters, poll)
      .toEqual([{ cluster: 'm1' }]);
    await serve('m2', 'api', 81, '127.250.2.11');
    await m('m2').resource(SERVICEEXPORTS, ns).create(serviceExport('api'));
    await expect
      .poll(() => exportCondition(m('m2'), 'api', 'Conflict'), poll)
      .toBe('True/PortConflict');
    expect(await exportCondition(m('m1'), 'api', 'Conflict')).toBe('False/NoConflicts');
    expect((await importOf(api, 'api'))?.spec.ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 80 },
    ]);
    expect(await sliceNames(api, 'api')).toEqual(['api-m1']);
  });

  it('removes the slices of a member that turns NotReady, everywhere', async () => {
    await members.get('m2')?.stop();
    stopped.add('m2');
    await expect.poll(() => ready('m2'), poll).not.toBe('True');
    await expect.poll(() => sliceNames(api, 'web'), poll).toEqual(['web-m1']);
    await expect.poll(() => sliceNames(m('m1'), 'web'), poll).toEqual(['web-m1']);
  });
});
