// The central resolver fed by the federation: its routing table follows Cluster objects
// (spec.dns), names in a member's zone are forwarded to that member's cluster DNS, and
// federation-wide names return ready endpoints from every Ready member (a member that goes
// NotReady drops out). Real etcd, federation API, member API servers and dig; hollow nodes.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterSources,
  createClusterDns,
  FederatedNames,
  Resolver,
  RouteTable,
} from '../../dns/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { DEPLOYMENTS, SERVICES } from '../../member/apis/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-dns-fed-'));
let etcd: EtcdService;
let fed: FederationControlPlane;
const members: MemberCluster[] = [];
const routes = new RouteTable();
let sources: ClusterSources;
let resolver: Resolver;
const abort = new AbortController();

async function dig(...args: string[]): Promise<string> {
  return (
    await run(
      'dig',
      ['@127.0.0.1', '-p', String(resolver.address.port), '+time=2', '+tries=1', ...args],
      { timeout: 10_000 },
    )
  ).stdout;
}

beforeAll(async () => {
  etcd = await startEtcd();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    kubeconfigPath: join(dir, 'fed'),
    resyncMs: 1000,
    health: { probePeriodMs: 500, failureThreshold: 2, halfOpenAfterMs: 1000 },
  });
  await fed.start();
  for (const [i, name] of ['d1', 'd2'].entries()) {
    const m = new MemberCluster({
      name,
      etcdEndpoint: etcd.endpoint,
      nodes: 1,
      runtime: 'hollow',
      nodeAddressPrefix: `127.0.${String(41 + i)}.`,
      port: await freePort(),
      dns: createClusterDns,
      dnsPort: await freePort(),
      clusterDomain: `${name}.flotilla.local`,
      kubeconfigPath: join(dir, name),
    });
    await m.start();
    members.push(m);
    // the resolver's route for this member comes from the Cluster's spec.dns, set at join
    const joined = await flotilla(
      join(dir, 'fed'),
      'join',
      name,
      '--member-kubeconfig',
      join(dir, name),
      '--dns-zone',
      `${name}.flotilla.local`,
      '--dns-server',
      `127.0.0.1:${String(m.dnsAddress?.port ?? 0)}`,
    );
    expect(joined.stderr).toBe('');
    expect(joined.code).toBe(0);
  }
  sources = new ClusterSources(fed.client(), routes);
  await sources.start(abort.signal);
  resolver = new Resolver({
    routes,
    federated: new FederatedNames({
      federation: 'fleet',
      zone: 'flotilla.local',
      catalog: sources,
      clientCluster: (ip) =>
        ip.startsWith('127.0.41.') ? 'd1' : ip.startsWith('127.0.42.') ? 'd2' : undefined,
    }),
  });
  await resolver.start();
  const c = fed.client();
  await c.resource(DEPLOYMENTS, 'default').create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [
            { name: 'c', image: 'hollow:1', ports: [{ containerPort: 8080, name: 'http' }] },
          ],
        },
      },
    },
  });
  await c.resource(SERVICES, 'default').create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'api' },
    spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  await c
    .resource(
      { group: 'policy.flotilla.io', version: 'v1alpha1', resource: 'propagationpolicies' },
      'default',
    )
    .create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'api' },
      spec: {
        resourceSelectors: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          { apiVersion: 'v1', kind: 'Service', name: 'api' },
        ],
        placement: { replicaScheduling: { replicaSchedulingType: 'Duplicated' } },
      },
    });
});

afterAll(async () => {
  await resolver?.stop();
  abort.abort();
  await sources?.stopped();
  for (const m of members) await m.stop();
  await fed?.stop();
  await etcd?.stop();
});

describe('resolver following the federation', () => {
  it('routes each member zone to that member DNS, from Cluster objects', async () => {
    await expect
      .poll(
        () =>
          routes
            .all()
            .map((r) => r.zone)
            .sort(),
        { timeout: 20_000 },
      )
      .toEqual(['d1.flotilla.local', 'd2.flotilla.local']);
    for (const m of members) {
      const svc = await m
        .client()
        .resource(SERVICES, 'default')
        .get('api')
        .catch(() => undefined);
      void svc;
    }
    await expect
      .poll(async () => (await dig('+short', 'api.default.svc.d1.flotilla.local')).trim(), {
        timeout: 30_000,
      })
      .toMatch(/^10\.96\.\d+\.\d+$/);
    const ip2 = (
      await members[1]
        ?.client()
        .resource<{
          apiVersion: string;
          kind: string;
          metadata: object;
          spec: { clusterIP?: string };
        }>(SERVICES, 'default')
        .get('api')
    )?.spec.clusterIP;
    expect((await dig('+short', 'api.default.svc.d2.flotilla.local')).trim()).toBe(ip2);
  });

  it('answers the federated name with ready endpoints of both members, then drops a member that goes NotReady', async () => {
    await expect
      .poll(
        async () =>
          (await dig('+short', 'api.default.fleet.svc.flotilla.local')).trim().split('\n').sort(),
        { timeout: 30_000 },
      )
      .toEqual(['127.0.41.1', '127.0.42.1']);
    expect(
      (await dig('+short', 'api.default.svc.clusterset.local')).trim().split('\n').sort(),
    ).toEqual(['127.0.41.1', '127.0.42.1']);
    await members[1]?.stop();
    await expect
      .poll(async () => (await dig('+short', 'api.default.fleet.svc.flotilla.local')).trim(), {
        timeout: 30_000,
      })
      .toBe('127.0.41.1');
  });
});
