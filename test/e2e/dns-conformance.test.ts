// DNS conformance: RFC 1035/2308/6891/8020/8914 and the Kubernetes DNS spec, checked with the real
// `dig` against a cluster DNS server fed by a real member API server (etcd-backed) and against
// the central resolver forwarding to it. Each test is one rule of docs/dns.md.
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import {
  ClusterDnsServer,
  ClusterSetSources,
  FederatedNames,
  InformerCatalog,
  Resolver,
  RouteTable,
  type DnsEndpoints,
} from '../../dns/index.js';
import {
  ENDPOINTS,
  ENDPOINTSLICES,
  LABEL_MCS_SERVICE_NAME,
  LABEL_MCS_SOURCE_CLUSTER,
  memberResourceTypes,
  SERVICEIMPORTS,
  SERVICES,
} from '../../api/index.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { parseDig, type DigReply } from '../support/dig-output.js';

const run = promisify(execFile);
const ZONE = 'member1.local';
const FED = 'fleet.svc.flotilla.local';

/** Runs dig against 127.0.0.1:`port`; a dig that gets no usable reply yields its output anyway. */
async function dig(port: number, ...args: string[]): Promise<DigReply> {
  const argv = ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args];
  try {
    return parseDig((await run('dig', argv, { timeout: 10_000 })).stdout);
  } catch (err) {
    return parseDig((err as { stdout?: string }).stdout ?? '');
  }
}

const ips = (n: number, third: number): string[] =>
  Array.from({ length: n }, (_, i) => `127.0.${String(third)}.${String(i + 1)}`);

let h: ApiHarness;
let cdns: ClusterDnsServer;
let resolver: Resolver;
const abort = new AbortController();
let fedLookups = 0;
let clusterset: ClusterSetSources;
/** [label, port] of both servers under test. */
const servers: [string, number][] = [];

beforeAll(async () => {
  h = await startApiHarness({ resources: memberResourceTypes });
  const sc = h.client.resource<KubeObject>(SERVICES, 'default');
  const ec = h.client.resource<KubeObject>(ENDPOINTS, 'default');
  const port = { name: 'http', port: 80, protocol: 'TCP' };
  await sc.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { clusterIP: '10.96.0.10', ports: [port] },
  });
  const headless = async (name: string, addrs: string[]): Promise<void> => {
    await sc.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { clusterIP: 'None', ports: [port] },
    });
    await ec.create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name },
      subsets: [{ addresses: addrs.map((ip) => ({ ip })), ports: [port] }],
    });
  };
  await headless('api', ips(4, 41));
  await headless('big', ips(50, 42)); // ~ 900 bytes: over 512, under 1232
  await headless('huge', ips(90, 43)); // ~ 1550 bytes: over 1232
  // the cluster set as the federation's MCS controller writes it: `api` imported headless (its
  // four endpoints from member1), `web` with a cluster-set IP; `big` and `huge` not imported
  await h.client.resource<KubeObject>(SERVICEIMPORTS, 'default').create({
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceImport',
    metadata: { name: 'api' },
    spec: { type: 'Headless', ports: [port] },
  });
  await h.client.resource<KubeObject>(SERVICEIMPORTS, 'default').create({
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceImport',
    metadata: { name: 'web' },
    spec: { type: 'ClusterSetIP', ips: ['10.112.0.10'], ports: [port] },
  });
  await h.client.resource<KubeObject>(ENDPOINTSLICES, 'default').create({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'api-member1',
      labels: { [LABEL_MCS_SERVICE_NAME]: 'api', [LABEL_MCS_SOURCE_CLUSTER]: 'member1' },
    },
    addressType: 'IPv4',
    endpoints: ips(4, 41).map((ip, i) => ({
      addresses: [ip],
      conditions: { ready: true },
      hostname: `api-${String(i)}`,
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  });
  clusterset = new ClusterSetSources(h.client);
  await clusterset.start(abort.signal);
  const catalog = new InformerCatalog(h.client);
  await catalog.start(abort.signal);
  cdns = new ClusterDnsServer({ zone: ZONE, catalog, ttl: 30 });
  const cdnsServer = `127.0.0.1:${String((await cdns.start()).port)}`;
  const routes = new RouteTable();
  routes.set([
    { zone: ZONE, servers: [cdnsServer], cluster: 'member1' },
    { zone: '96.10.in-addr.arpa', servers: [cdnsServer], cluster: 'member1' },
  ]);
  resolver = new Resolver({
    routes,
    federated: new FederatedNames({
      federation: 'fleet',
      zone: 'flotilla.local',
      ttl: 30,
      clientCluster: () => 'member1',
      catalog: {
        endpoints: async (ns, name) => {
          fedLookups++;
          const ep = await h.client.resource<DnsEndpoints>(ENDPOINTS, ns).get(name);
          const addrs = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
          return [{ cluster: 'member1', ips: addrs }];
        },
      },
      clusterset,
    }),
  });
  servers.push(['cluster DNS', cdns.address.port], ['resolver', (await resolver.start()).port]);
});

afterAll(async () => {
  await resolver.stop();
  await cdns.stop();
  abort.abort();
  await clusterset.stopped();
  await h.stop();
});

/** The SOA owner names in the authority section. */
const soaOwners = (r: DigReply): string[] =>
  r.authority.filter((rr) => rr[3] === 'SOA').map((rr) => rr[0] ?? '');

/** NOERROR, no answers, the SOA of `zone` in the authority section. */
function expectNodata(r: DigReply, zone: string): void {
  expect(r.status).toBe('NOERROR');
  expect(r.answer).toEqual([]);
  expect(soaOwners(r)).toEqual([`${zone}.`]);
}

describe('DNS conformance (dig against the cluster DNS and the resolver)', () => {
  it('RFC 6891: every reply to an EDNS query carries an OPT record (version 0, udp 1232)', async () => {
    for (const [, port] of servers) {
      for (const args of [
        ['web.default.svc.member1.local'],
        ['+bufsize=4096', 'nope.default.svc.member1.local'],
        ['SOA', ZONE],
      ]) {
        const r = await dig(port, ...args);
        expect(r.edns, `${String(port)} ${args.join(' ')}`).toMatchObject({
          version: 0,
          udp: 1232,
        });
      }
      expect((await dig(port, '+noedns', 'web.default.svc.member1.local')).edns).toBeUndefined();
    }
  });

  it('RFC 6891 §6.1.3: an EDNS version above 0 is answered BADVERS with an OPT of version 0', async () => {
    for (const [, port] of servers) {
      const r = await dig(port, '+edns=1', '+noednsnegotiation', 'web.default.svc.member1.local');
      expect(r.status).toBe('BADVERS');
      expect(r.edns).toMatchObject({ version: 0, udp: 1232 });
      expect(r.answer).toEqual([]);
    }
  });

  it("honours the client's UDP size up to 1232, and truncated replies keep the OPT record", async () => {
    for (const [, port] of servers) {
      const small = await dig(
        port,
        '+notcp',
        '+ignore',
        '+bufsize=512',
        'big.default.svc.member1.local',
      );
      expect(small.flags).toContain('tc');
      expect(small.edns).toMatchObject({ version: 0, udp: 1232 });
      const fits = await dig(
        port,
        '+notcp',
        '+ignore',
        '+bufsize=4096',
        'big.default.svc.member1.local',
      );
      expect(fits.flags).not.toContain('tc');
      expect(fits.answer).toHaveLength(50);
      const capped = await dig(
        port,
        '+notcp',
        '+ignore',
        '+bufsize=4096',
        'huge.default.svc.member1.local',
      );
      expect(capped.flags).toContain('tc');
      expect(capped.edns).toMatchObject({ version: 0, udp: 1232 });
      expect((await dig(port, '+tcp', 'huge.default.svc.member1.local')).answer).toHaveLength(90);
    }
  });

  it("echoes each query's own letter case in the question and in answers owned by it (0x20)", async () => {
    for (const [, port] of servers) {
      for (const name of ['WeB.DeFaUlT.sVc.member1.local', 'wEb.dEfAuLt.SvC.MEMBER1.local']) {
        const r = await dig(port, name);
        expect(r.question[0]).toBe(`${name}.`);
        expect(r.answer.map((rr) => rr[0])).toEqual([`${name}.`]);
      }
    }
  });

  it('reverse lookups: PTR via the route of the reverse zone, negative answers with SOA', async () => {
    for (const [, port] of servers) {
      const ptr = await dig(port, '-x', '10.96.0.10');
      expect(ptr.answer.map((rr) => rr.slice(3))).toEqual([
        ['PTR', 'web.default.svc.member1.local.'],
      ]);
      const nx = await dig(port, '-x', '10.96.9.9');
      expect(nx.status).toBe('NXDOMAIN');
      expect(soaOwners(nx)).toEqual(['in-addr.arpa.']);
      expectNodata(await dig(port, 'A', '10.0.96.10.in-addr.arpa'), 'in-addr.arpa');
    }
    // no route and no upstream for 192.0.2.0/24: refused like any other name
    expect((await dig(servers[1]?.[1] ?? 0, '-x', '192.0.2.1')).status).toBe('REFUSED');
  });

  it('the zone apex answers SOA and NS (with glue for the name server)', async () => {
    for (const [, port] of servers) {
      const soa = await dig(port, 'SOA', ZONE);
      expect(soa.flags).toContain('aa');
      expect(soa.answer.map((rr) => [rr[0], rr[3], rr[4]])).toEqual([
        [`${ZONE}.`, 'SOA', `ns.dns.${ZONE}.`],
      ]);
      const ns = await dig(port, 'NS', ZONE);
      expect(ns.answer.map((rr) => [rr[0], rr[3], rr[4]])).toEqual([
        [`${ZONE}.`, 'NS', `ns.dns.${ZONE}.`],
      ]);
      expect((await dig(port, '+short', `ns.dns.${ZONE}`)).raw.trim()).toBe('127.0.0.1');
    }
  });

  it('empty non-terminals (svc, pod, <ns>.svc, <ns>.pod) are NODATA, not NXDOMAIN', async () => {
    for (const [, port] of servers) {
      for (const name of ['svc', 'pod', 'default.svc', 'default.pod']) {
        expectNodata(await dig(port, `${name}.${ZONE}`), ZONE);
      }
      expect((await dig(port, `nothing.${ZONE}`)).status).toBe('NXDOMAIN');
    }
  });

  it('clusterset.local: the resolver is authoritative (SOA, NODATA, NXDOMAIN), never REFUSED', async () => {
    const port = servers[1]?.[1] ?? 0;
    const soa = await dig(port, 'SOA', 'clusterset.local');
    expect(soa.status).toBe('NOERROR');
    expect(soa.answer.map((rr) => rr[3])).toEqual(['SOA']);
    for (const name of [
      'clusterset.local',
      'svc.clusterset.local',
      'default.svc.clusterset.local',
    ]) {
      expectNodata(await dig(port, name), 'clusterset.local');
    }
    for (const name of ['nope.clusterset.local', 'x.api.default.svc.clusterset.local']) {
      const nx = await dig(port, name);
      expect(nx.status).toBe('NXDOMAIN');
      expect(soaOwners(nx)).toEqual(['clusterset.local.']);
    }
    expect((await dig(port, '+short', 'TXT', 'dns-version.clusterset.local')).raw.trim()).toBe(
      '"1.0.0"',
    );
  });

  it('clusterset.local answers the ServiceImports and their EndpointSlices (MCS DNS 1.0.0)', async () => {
    const port = servers[1]?.[1] ?? 0;
    const Z = 'svc.clusterset.local';
    expect((await dig(port, '+short', `web.default.${Z}`)).raw.trim()).toBe('10.112.0.10');
    expect((await dig(port, '+short', 'SRV', `_http._tcp.web.default.${Z}`)).raw.trim()).toBe(
      `0 100 80 web.default.${Z}.`,
    );
    const srv = (await dig(port, '+short', 'SRV', `_http._tcp.api.default.${Z}`)).raw.trim();
    expect(srv.split('\n').sort()).toEqual(
      [0, 1, 2, 3].map((i) => `0 100 8080 api-${String(i)}.member1.api.default.${Z}.`),
    );
    expect((await dig(port, '+short', `api-2.member1.api.default.${Z}`)).raw.trim()).toBe(
      '127.0.41.3',
    );
    expectNodata(await dig(port, `member1.api.default.${Z}`), 'clusterset.local');
    // a Service of a member that is not imported does not exist in the cluster set
    for (const name of [`big.default.${Z}`, `api-2.member2.api.default.${Z}`]) {
      const nx = await dig(port, name);
      expect(nx.status, name).toBe('NXDOMAIN');
      expect(soaOwners(nx)).toEqual(['clusterset.local.']);
    }
  });

  it('pod names: only octets 0..255 form an address; others are NXDOMAIN', async () => {
    for (const [, port] of servers) {
      const good = await dig(port, '+short', `10-1-2-3.default.pod.${ZONE}`);
      expect(good.raw.trim()).toBe('10.1.2.3');
      for (const bad of ['999-1-2-3', '1-2-3-256', '1-2-3']) {
        const r = await dig(port, `${bad}.default.pod.${ZONE}`);
        expect(r.status, bad).toBe('NXDOMAIN');
        expect(soaOwners(r)).toEqual([`${ZONE}.`]);
      }
    }
  });

  it('classes other than IN are REFUSED (CH included)', async () => {
    for (const [, port] of servers) {
      expect((await dig(port, '-c', 'CH', 'web.default.svc.member1.local')).status).toBe('REFUSED');
      expect((await dig(port, '-c', 'CH', 'TXT', 'version.bind')).status).toBe('REFUSED');
      expect((await dig(port, '-c', 'HS', 'SOA', ZONE)).answer).toEqual([]);
    }
  });

  it("NOTIMP replies echo the query's opcode", async () => {
    for (const [, port] of servers) {
      const r = await dig(port, '+opcode=status', 'web.default.svc.member1.local');
      expect(r.opcode).toBe('STATUS');
      expect(r.status).toBe('NOTIMP');
      expect(r.edns).toMatchObject({ version: 0 });
    }
  });

  it('one client holding idle TCP connections cannot lock other clients out', async () => {
    for (const [, port] of servers) {
      const hog: Socket[] = [];
      await Promise.all(
        Array.from(
          { length: 256 },
          () =>
            new Promise<void>((resolve) => {
              const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, resolve);
              s.on('error', () => resolve());
              hog.push(s);
            }),
        ),
      );
      // let the server accept (and refuse) them all before the other client connects
      await new Promise((r) => setTimeout(r, 300));
      try {
        const r = await dig(
          port,
          '+tcp',
          '-b',
          '127.0.0.3',
          '+short',
          'web.default.svc.member1.local',
        );
        expect(r.raw.trim()).toBe('10.96.0.10');
      } finally {
        for (const s of hog) s.destroy();
      }
    }
  });

  it('federated answers are cached for their TTL and rotate their A records (round robin)', async () => {
    const port = servers[1]?.[1] ?? 0;
    for (const name of [`api.default.${FED}`, 'api.default.svc.clusterset.local']) {
      const before = fedLookups;
      const misses = resolver.metrics.cacheMisses;
      const orders: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await dig(port, name);
        const addrs = r.answer.map((rr) => rr[4] ?? '');
        expect([...addrs].sort()).toEqual(ips(4, 41).sort());
        expect(Number(r.answer[0]?.[1])).toBeLessThanOrEqual(30);
        orders.push(addrs.join(','));
      }
      // built once (from the member for the federation name, the informers for clusterset)
      expect(resolver.metrics.cacheMisses - misses).toBe(1);
      expect(fedLookups - before).toBe(name.endsWith('clusterset.local') ? 0 : 1);
      expect(new Set(orders).size).toBe(4);
    }
  });

  it('AAAA for a name with only A records is NODATA with the SOA', async () => {
    for (const [, port] of servers) {
      for (const name of [
        `web.default.svc.${ZONE}`,
        `10-1-2-3.default.pod.${ZONE}`,
        `ns.dns.${ZONE}`,
      ]) {
        expectNodata(await dig(port, 'AAAA', name), ZONE);
      }
    }
    expectNodata(await dig(servers[1]?.[1] ?? 0, 'AAAA', `api.default.${FED}`), FED);
  });

  it('REFUSED without an upstream carries the Extended DNS Error 20 (Not Authoritative)', async () => {
    for (const [, port] of servers) {
      const r = await dig(port, 'www.example.org');
      expect(r.status).toBe('REFUSED');
      expect(r.ede).toEqual([20]);
      expect(r.flags).not.toContain('aa');
    }
  });
});
