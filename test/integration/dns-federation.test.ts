// The central resolver fed by the federation: its routing table follows Cluster objects
// (spec.dns), names in a member's zone are forwarded to that member's cluster DNS, and
// federation-wide names return ready endpoints from every Ready member: a client in a member
// (dig -b <node address>) gets its own cluster's endpoints while there are any; a member whose
// endpoints turn not ready, or that goes NotReady, drops out. clusterset.local names follow the
// ServiceImports and EndpointSlices at the federation (written here as the MCS controller would).
// d1 and d2 sit in different regions and zones (d1 through topology labels, d2 through
// spec.region/zone): their Federation v1 zone and region names answer their own endpoints, and
// CNAME to the wider name within a second of the endpoints turning not ready. The `dns/cmd/resolver.ts` entrypoint
// reaches the TLS federation through its kubeconfig. Real etcd, federation API, member API servers
// and dig; hollow nodes whose readiness probe is a TCP listener the test opens and closes.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResolver } from '../../dns/cmd/resolver.js';
import { resolverDefaults } from '../../dns/cmd/options.js';
import {
  ClusterDnsServer,
  ClusterSetSources,
  ClusterSources,
  createClusterDns,
  FederatedNames,
  LABEL_TOPOLOGY_REGION,
  LABEL_TOPOLOGY_ZONE,
  Resolver,
  RouteTable,
  StaticCatalog,
} from '../../dns/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { CLUSTERS, PROPAGATION_POLICIES } from '../../federation/apis/federation-resource-types.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { freePort } from '../../hack/lib/ports.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  DEPLOYMENTS,
  ENDPOINTS,
  ENDPOINTSLICES,
  LABEL_MCS_SERVICE_NAME,
  LABEL_MCS_SOURCE_CLUSTER,
  SERVICEIMPORTS,
  SERVICES,
  type EndpointSlice,
} from '../../api/index.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { flotilla } from '../support/cli-runner.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'flotilla-dns-fed-'));
let etcd: EtcdService;
let fed: FederationControlPlane;
const members: MemberCluster[] = [];
const routes = new RouteTable();
let sources: ClusterSources;
let clusterset: ClusterSetSources;
let resolver: Resolver;
const abort = new AbortController();
const FED_NAME = 'api.default.fleet.svc.flotilla.local';
const MCS_NAME = 'api.default.svc.clusterset.local';
/** Federation v1 zone and region names of `api` (d1: eu-west-1a/eu-west, d2: us-east-1a/us-east). */
const D1_ZONE_NAME = 'api.default.fleet.svc.eu-west-1a.eu-west.flotilla.local';
const D2_ZONE_NAME = 'api.default.fleet.svc.us-east-1a.us-east.flotilla.local';
const D2_REGION_NAME = 'api.default.fleet.svc.us-east.flotilla.local';

/** The imported EndpointSlice of `api` from `cluster`, one endpoint per address (all ready). */
function importedSlice(cluster: string, addrs: string[], ready = true): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `api-${cluster}`,
      namespace: 'default',
      labels: { [LABEL_MCS_SERVICE_NAME]: 'api', [LABEL_MCS_SOURCE_CLUSTER]: cluster },
    },
    addressType: 'IPv4',
    endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready } })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}
/** The readiness probe target: one listener per member node address, same port. */
let probePort = 0;
const probeListeners = new Map<string, Server>();

async function digAt(port: number, ...args: string[]): Promise<string> {
  return (
    await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], {
      timeout: 10_000,
    })
  ).stdout;
}

async function dig(...args: string[]): Promise<string> {
  return digAt(resolver.address.port, ...args);
}

/** Sorted `+short` A answers of `name`, asked from `source` (dig -b) when given. */
async function addresses(name: string, source?: string, port?: number): Promise<string[]> {
  const out = await digAt(
    port ?? resolver.address.port,
    ...(source ? ['-b', source] : []),
    '+short',
    name,
  );
  return out.trim().split('\n').filter(Boolean).sort();
}

/** The `+short` answer lines of `name` in order (CNAME targets, then addresses). */
async function shortAnswer(name: string): Promise<string[]> {
  return (await dig('+short', name)).trim().split('\n').filter(Boolean);
}

/** Ready addresses of `api` in member `i`'s Endpoints. */
async function memberReady(i: number): Promise<string[]> {
  const eps = await members[i]
    ?.client()
    .resource<KubeObject & { subsets?: { addresses?: { ip: string }[] }[] }>(ENDPOINTS, 'default')
    .get('api');
  return (eps?.subsets ?? []).flatMap((x) => x.addresses ?? []).map((a) => a.ip);
}

/** Starts (or restarts) the probe listener on `host`; the kubelet's TCP probe succeeds while it runs. */
async function openProbe(host: string): Promise<void> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      reject(new Error(`readiness probe listener ${host}:${String(probePort)}: ${err.message}`));
    });
    server.listen(probePort, host, () => resolve());
  });
  probeListeners.set(host, server);
}

async function closeProbe(host: string): Promise<void> {
  const server = probeListeners.get(host);
  probeListeners.delete(host);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

beforeAll(async () => {
  probePort = await freePort('127.0.41.1');
  await openProbe('127.0.41.1');
  await openProbe('127.0.42.1');
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
      ...(name === 'd1'
        ? ['--labels', `${LABEL_TOPOLOGY_REGION}=eu-west,${LABEL_TOPOLOGY_ZONE}=eu-west-1a`]
        : ['--region', 'us-east', '--zone', 'us-east-1a']),
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
  clusterset = new ClusterSetSources(fed.client());
  await clusterset.start(abort.signal);
  resolver = new Resolver({
    routes,
    federated: new FederatedNames({
      federation: 'fleet',
      zone: 'flotilla.local',
      catalog: sources,
      clusterset,
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
          hostNetwork: true,
          containers: [
            {
              name: 'c',
              image: 'hollow:1',
              // the kubelet probes the pod's address: a hostNetwork pod's is its node's, where
              // the test's listener runs
              ports: [{ containerPort: probePort, name: 'http', hostPort: probePort }],
              readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
            },
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
  await c.resource(PROPAGATION_POLICIES, 'default').create({
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
  await clusterset?.stopped();
  for (const m of members) await m.stop();
  await fed?.stop();
  await etcd?.stop();
  for (const host of [...probeListeners.keys()]) await closeProbe(host);
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
    // the Service reaches each member on its own schedule: read member2's address once it is there
    const clusterIp = (i: number): Promise<string | undefined> =>
      (
        members[i]
          ?.client()
          .resource<{
            apiVersion: string;
            kind: string;
            metadata: object;
            spec: { clusterIP?: string };
          }>(SERVICES, 'default')
          .get('api') ?? Promise.resolve(undefined)
      ).then(
        (svc) => svc?.spec.clusterIP,
        () => undefined,
      );
    await expect
      .poll(async () => (await dig('+short', 'api.default.svc.d1.flotilla.local')).trim(), {
        timeout: 30_000,
      })
      .toMatch(/^10\.96\.\d+\.\d+$/);
    await expect.poll(() => clusterIp(1), { timeout: 30_000 }).toMatch(/^10\.96\.\d+\.\d+$/);
    const ip2 = await clusterIp(1);
    await expect
      .poll(async () => (await dig('+short', 'api.default.svc.d2.flotilla.local')).trim(), {
        timeout: 10_000,
      })
      .toBe(ip2);
  });

  it('answers the federated name with ready endpoints of both members, looked up once per burst', async () => {
    await expect
      .poll(() => addresses(FED_NAME), { timeout: 30_000 })
      .toEqual(['127.0.41.1', '127.0.42.1']);
    // concurrent identical lookups share one round of member API calls (one in-flight promise)
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => sources.endpoints('default', 'burst-check')),
    );
    expect(new Set(burst).size).toBe(1);
    expect(burst[0]?.map((c) => c.cluster).sort()).toEqual(['d1', 'd2']);
  });

  it("prefers the asking client's own cluster (source address mapped to a member)", async () => {
    expect(await addresses(FED_NAME, '127.0.41.1')).toEqual(['127.0.41.1']);
    expect(await addresses(FED_NAME, '127.0.42.1')).toEqual(['127.0.42.1']);
    // a client of no member gets every ready endpoint
    expect(await addresses(FED_NAME, '127.0.0.1')).toEqual(['127.0.41.1', '127.0.42.1']);
  });

  it('drops a Ready member whose endpoints are not ready, and its clients fall back to the others', async () => {
    // d2's pod fails its readiness probe; the member and its Cluster stay up
    await closeProbe('127.0.42.1');
    // federated answers are cached for their TTL (per client cluster): each view converges
    await expect.poll(() => addresses(FED_NAME), { timeout: 30_000 }).toEqual(['127.0.41.1']);
    await expect
      .poll(() => addresses(FED_NAME, '127.0.42.1'), { timeout: 30_000 })
      .toEqual(['127.0.41.1']);
    const eps = await members[1]
      ?.client()
      .resource<
        KubeObject & { subsets?: { addresses?: unknown[]; notReadyAddresses?: { ip: string }[] }[] }
      >(ENDPOINTS, 'default')
      .get('api');
    expect(eps?.subsets?.flatMap((x) => x.addresses ?? [])).toEqual([]);
    expect(eps?.subsets?.flatMap((x) => x.notReadyAddresses ?? []).map((a) => a.ip)).toEqual([
      '127.0.42.1',
    ]);
    const d2 = await fed
      .client()
      .resource<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
        CLUSTERS,
      )
      .get('d2');
    expect(d2.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    // ready again: d2's own clients get d2 again
    await openProbe('127.0.42.1');
    await expect
      .poll(() => addresses(FED_NAME, '127.0.42.1'), { timeout: 30_000 })
      .toEqual(['127.0.42.1']);
    await expect
      .poll(() => addresses(FED_NAME), { timeout: 30_000 })
      .toEqual(['127.0.41.1', '127.0.42.1']);
  });

  it('answers Federation v1 zone and region names, CNAME to the wider name within 1 s of a change', async () => {
    expect(await shortAnswer(D1_ZONE_NAME)).toEqual(['127.0.41.1']);
    expect(await shortAnswer(D2_ZONE_NAME)).toEqual(['127.0.42.1']);
    expect(await shortAnswer('api.default.fleet.svc.eu-west.flotilla.local')).toEqual([
      '127.0.41.1',
    ]);
    expect(await shortAnswer(D2_REGION_NAME)).toEqual(['127.0.42.1']);
    // regions and zones no cluster has do not exist; the apexes and <ns> branches do
    expect(await dig('api.default.fleet.svc.mars.flotilla.local')).toContain('status: NXDOMAIN');
    expect(await dig('api.default.fleet.svc.eu-west-1a.us-east.flotilla.local')).toContain(
      'status: NXDOMAIN',
    );
    expect(await dig('+short', 'SOA', 'fleet.svc.us-east-1a.us-east.flotilla.local')).toMatch(
      /^ns\.fleet\.svc\.us-east-1a\.us-east\.flotilla\.local\. /,
    );
    const ent = await dig('default.fleet.svc.eu-west.flotilla.local');
    expect(ent).toContain('status: NOERROR');
    expect(ent).toContain('ANSWER: 0');
    // d2's endpoint turns not ready: its zone (and region) name goes over to the global name
    await closeProbe('127.0.42.1');
    await expect.poll(() => memberReady(1), { timeout: 30_000, interval: 50 }).toEqual([]);
    await expect
      .poll(() => shortAnswer(D2_ZONE_NAME), { timeout: 1000, interval: 50 })
      .toEqual([`${D2_REGION_NAME}.`, `${FED_NAME}.`, '127.0.41.1']);
    const full = await dig(D2_ZONE_NAME);
    expect(full).toMatch(/IN\s+CNAME\s+api\.default\.fleet\.svc\.us-east\.flotilla\.local\./);
    expect(full).toContain('flags: qr aa');
    await openProbe('127.0.42.1');
    await expect
      .poll(() => memberReady(1), { timeout: 30_000, interval: 50 })
      .toEqual(['127.0.42.1']);
    await expect
      .poll(() => shortAnswer(D2_ZONE_NAME), { timeout: 1000, interval: 50 })
      .toEqual(['127.0.42.1']);
  });

  it('answers clusterset.local from the ServiceImport and EndpointSlices at the federation, within 1 s of a change', async () => {
    // not imported: the member's Service alone does not make a cluster-set name
    expect(await dig(MCS_NAME)).toContain('status: NXDOMAIN');
    const c = fed.client();
    await c.resource(SERVICEIMPORTS, 'default').create({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'api' },
      spec: { type: 'Headless', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    });
    const slices = c.resource<EndpointSlice>(ENDPOINTSLICES, 'default');
    await slices.create(importedSlice('d1', ['127.0.41.1']));
    await slices.create(importedSlice('d2', ['127.0.42.1']));
    // the cached NXDOMAIN is dropped with the change: no waiting for its TTL
    await expect
      .poll(() => addresses(MCS_NAME), { timeout: 1000, interval: 50 })
      .toEqual(['127.0.41.1', '127.0.42.1']);
    // MCS names have no locality: a client in d1 gets both clusters
    expect(await addresses(MCS_NAME, '127.0.41.1')).toEqual(['127.0.41.1', '127.0.42.1']);
    expect(await addresses('127-0-42-1.d2.api.default.svc.clusterset.local')).toEqual([
      '127.0.42.1',
    ]);
    expect(
      (await dig('+short', 'SRV', '_http._tcp.api.default.svc.clusterset.local'))
        .trim()
        .split('\n')
        .sort(),
    ).toEqual([
      '0 100 8080 127-0-41-1.d1.api.default.svc.clusterset.local.',
      '0 100 8080 127-0-42-1.d2.api.default.svc.clusterset.local.',
    ]);
    // d2's endpoint turns not ready (cached answer in place): gone within a second
    const d2 = await slices.get('api-d2');
    await slices.update({ ...importedSlice('d2', ['127.0.42.1'], false), metadata: d2.metadata });
    await expect
      .poll(() => addresses(MCS_NAME), { timeout: 1000, interval: 50 })
      .toEqual(['127.0.41.1']);
    await slices.update({
      ...importedSlice('d2', ['127.0.42.1']),
      metadata: (await slices.get('api-d2')).metadata,
    });
    await expect
      .poll(() => addresses(MCS_NAME), { timeout: 1000, interval: 50 })
      .toEqual(['127.0.41.1', '127.0.42.1']);
  });

  it('runs the resolver entrypoint against the TLS federation from its kubeconfig, keeping static routes', async () => {
    const staticDns = new ClusterDnsServer({
      zone: 'static.flotilla.test',
      catalog: new StaticCatalog([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'default' },
          spec: { clusterIP: '10.96.9.9' },
        },
      ]),
    });
    const staticAddr = await staticDns.start();
    const port = await freePort();
    const stop = new AbortController();
    const running = runResolver(
      {
        ...resolverDefaults,
        port,
        routes: [
          { zone: 'static.flotilla.test', servers: [`127.0.0.1:${String(staticAddr.port)}`] },
          // d1's Cluster object names this zone too: its spec.dns must win over this dead server
          { zone: 'd1.flotilla.local', servers: [`127.0.0.1:${String(await freePort())}`] },
        ],
        upstreams: [],
        federation: 'fleet',
        federationZone: 'flotilla.local',
        federationKubeconfig: join(dir, 'fed'),
        clientClusters: [{ cidr: '127.0.41.0/24', cluster: 'd1' }],
      },
      stop.signal,
    );
    try {
      await expect
        .poll(() => addresses(FED_NAME, '127.0.41.1', port).catch(() => []), { timeout: 30_000 })
        .toEqual(['127.0.41.1']);
      expect(await addresses(FED_NAME, undefined, port)).toEqual(['127.0.41.1', '127.0.42.1']);
      // clusterset.local through the entrypoint's own informers (TLS, kubeconfig)
      expect(await addresses(MCS_NAME, undefined, port)).toEqual(['127.0.41.1', '127.0.42.1']);
      expect(await addresses('web.default.svc.static.flotilla.test', undefined, port)).toEqual([
        '10.96.9.9',
      ]);
      expect(await addresses('api.default.svc.d1.flotilla.local', undefined, port)).toEqual(
        await addresses('api.default.svc.d1.flotilla.local'),
      );
    } finally {
      stop.abort();
      await running;
      await staticDns.stop();
    }
  });

  it('drops a member that goes NotReady', async () => {
    await members[1]?.stop();
    await expect.poll(() => addresses(FED_NAME), { timeout: 30_000 }).toEqual(['127.0.41.1']);
    // the Cluster's readiness drops its zone name's answer at once: a CNAME chain to d1
    await expect
      .poll(() => shortAnswer(D2_ZONE_NAME), { timeout: 1000, interval: 50 })
      .toEqual([`${D2_REGION_NAME}.`, `${FED_NAME}.`, '127.0.41.1']);
  });
});
