import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, ServiceImport } from '../../api/index.js';
import { RCODE, TYPE } from '../wire/dns-wire.js';
import type { ClusterSetCatalog } from './clusterset-catalog.js';
import { ClusterSetNotSyncedError } from './clusterset-not-synced-error.js';
import { FederatedNames, type ClusterEndpoints } from './federated-names.js';
import { Resolver } from './resolver.js';
import { RouteTable } from './route-table.js';

const { Packet } = dns2;

function query(name: string, type: number = TYPE.A): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, type, 0, 1]),
  ]);
}

/** Four clusters in two regions; `clientCluster` maps 127.0.<n>.x to cluster c<n>. */
function names(clusters: ClusterEndpoints[]): FederatedNames {
  return new FederatedNames({
    federation: 'fleet',
    zone: 'flotilla.local',
    catalog: { endpoints: () => Promise.resolve(structuredClone(clusters)) },
    clientCluster: (ip) => {
      const m = /^127\.0\.(\d+)\./.exec(ip);
      return m ? `c${m[1] ?? ''}` : undefined;
    },
  });
}

async function ask(f: FederatedNames, name: string, clientIp: string): Promise<string[]> {
  const m = f.match(name);
  if (!m) throw new Error(`${name} is not federated`);
  const res = Packet.parse(await f.answer(query(name), m, clientIp));
  if (res.header.rcode !== RCODE.NOERROR) return [`rcode ${String(res.header.rcode)}`];
  return res.answers.map((a) => (a as { address: string }).address).sort();
}

describe('FederatedNames locality (Federation v1)', () => {
  const base: ClusterEndpoints[] = [
    { cluster: 'c1', region: 'eu', ips: ['10.0.1.1'] },
    { cluster: 'c2', region: 'eu', ips: ['10.0.2.1'] },
    { cluster: 'c3', region: 'us', ips: ['10.0.3.1', '10.0.3.2'] },
    { cluster: 'c4', region: 'us', ips: ['10.0.4.1'] },
  ];
  const fed = 'api.default.fleet.svc.flotilla.local';

  it("answers only the client's own cluster when it has ready endpoints", async () => {
    expect(await ask(names(base), fed, '127.0.1.9')).toEqual(['10.0.1.1']);
    expect(await ask(names(base), fed, '127.0.3.9')).toEqual(['10.0.3.1', '10.0.3.2']);
  });

  it("falls back to the client's region when its own cluster has no ready endpoints", async () => {
    const c1Down = base.map((c) => (c.cluster === 'c1' ? { ...c, ips: [] } : c));
    expect(await ask(names(c1Down), fed, '127.0.1.9')).toEqual(['10.0.2.1']);
    // a cluster that is listed without endpoints at all (e.g. NotReady) still gives its region
    const c3Gone = base.map((c) =>
      c.cluster === 'c3' ? { cluster: 'c3', region: 'us', ips: [] } : c,
    );
    expect(await ask(names(c3Gone), fed, '127.0.3.9')).toEqual(['10.0.4.1']);
  });

  it('falls back to every healthy cluster when the whole region has none', async () => {
    const euDown = base.map((c) => (c.region === 'eu' ? { ...c, ips: [] } : c));
    expect(await ask(names(euDown), fed, '127.0.1.9')).toEqual([
      '10.0.3.1',
      '10.0.3.2',
      '10.0.4.1',
    ]);
    const all = ['10.0.1.1', '10.0.2.1', '10.0.3.1', '10.0.3.2', '10.0.4.1'];
    // unknown clients, clients of an unknown cluster, and (without a clusterset catalog) MCS names
    // get every healthy cluster
    expect(await ask(names(base), fed, '192.0.2.1')).toEqual(all);
    expect(await ask(names(base), fed, '127.0.9.1')).toEqual(all);
    expect(await ask(names(base), 'api.default.svc.clusterset.local', '127.0.1.9')).toEqual(all);
  });

  it('is NXDOMAIN when no cluster has ready endpoints', async () => {
    const none = base.map((c) => ({ ...c, ips: [] }));
    expect(await ask(names(none), fed, '127.0.1.9')).toEqual([`rcode ${String(RCODE.NXDOMAIN)}`]);
  });
});

/** An in-memory {@link ClusterSetCatalog}: `set*` change it and tell the listeners, as informers do. */
class FakeClusterSet implements ClusterSetCatalog {
  imports = new Map<string, ServiceImport>();
  slices: EndpointSlice[] = [];
  isSynced = true;
  private readonly listeners: ((ns: string, name: string) => void)[] = [];

  synced(): boolean {
    return this.isSynced;
  }
  serviceImport(ns: string, name: string): ServiceImport | undefined {
    return this.imports.get(`${ns}/${name}`);
  }
  endpointSlices(ns: string, name: string): EndpointSlice[] {
    return this.slices.filter(
      (s) =>
        s.metadata.namespace === ns &&
        s.metadata.labels?.['multicluster.kubernetes.io/service-name'] === name,
    );
  }
  onChange(listener: (ns: string, name: string) => void): void {
    this.listeners.push(listener);
  }
  setImport(name: string, spec: ServiceImport['spec']): void {
    this.imports.set(`default/${name}`, {
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name, namespace: 'default' },
      spec,
    });
    for (const l of this.listeners) l('default', name);
  }
  setSlice(svc: string, cluster: string, endpoints: EndpointSlice['endpoints']): void {
    const name = `${svc}-${cluster}`;
    this.slices = this.slices.filter((s) => s.metadata.name !== name);
    this.slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: 'default',
        labels: {
          'multicluster.kubernetes.io/service-name': svc,
          'multicluster.kubernetes.io/source-cluster': cluster,
        },
      },
      addressType: 'IPv4',
      endpoints,
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });
    for (const l of this.listeners) l('default', svc);
  }
}

interface Rr {
  name: string;
  type: number;
  address?: string;
  port?: number;
  target?: string;
}

/** rcode, answers and additionals of one question to `f` (answer owner names lower-cased). */
async function mcs(
  f: FederatedNames,
  name: string,
  type: number = TYPE.A,
): Promise<{ rcode: number; answers: Rr[]; additionals: Rr[]; soa: string[] }> {
  const m = f.match(name);
  if (!m) throw new Error(`${name} is not federated`);
  const res = Packet.parse(await f.answer(query(name, type), m, '127.0.0.1'));
  const pick = (rr: Rr): Rr => ({
    name: rr.name,
    type: rr.type,
    ...(rr.address ? { address: rr.address } : {}),
    ...(rr.port ? { port: rr.port } : {}),
    ...(rr.target ? { target: rr.target } : {}),
  });
  return {
    rcode: res.header.rcode,
    answers: (res.answers as Rr[]).map(pick),
    additionals: (res.additionals as Rr[]).map(pick),
    soa: (res.authorities as Rr[]).filter((a) => a.type === TYPE.SOA).map((a) => a.name),
  };
}

describe('clusterset.local from ServiceImports and EndpointSlices (MCS DNS 1.0.0)', () => {
  const Z = 'svc.clusterset.local';
  function setUp(): { cs: FakeClusterSet; f: FederatedNames } {
    const cs = new FakeClusterSet();
    cs.setImport('web', {
      type: 'ClusterSetIP',
      ips: ['10.112.0.7'],
      ports: [
        { name: 'http', protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 81 },
      ],
    });
    cs.setImport('db', { type: 'Headless', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    cs.setSlice('db', 'm1', [
      { addresses: ['127.0.101.5'], conditions: { ready: true }, hostname: 'db-0' },
      { addresses: ['127.0.101.6'], conditions: { ready: false }, hostname: 'db-1' },
    ]);
    cs.setSlice('db', 'm2', [{ addresses: ['127.0.102.5'], conditions: { ready: true } }]);
    // exported by the members, but no ServiceImport (yet): does not exist in the cluster set
    cs.setSlice('stray', 'm1', [{ addresses: ['127.0.101.9'], conditions: { ready: true } }]);
    const f = new FederatedNames({
      federation: 'fleet',
      zone: 'flotilla.local',
      catalog: { endpoints: () => Promise.reject(new Error('clusterset must not ask members')) },
      clusterset: cs,
    });
    return { cs, f };
  }

  it('ClusterSetIP: A is the import IP; SRV per named port targets the service name', async () => {
    const { f } = setUp();
    expect((await mcs(f, `web.default.${Z}`)).answers).toEqual([
      { name: `web.default.${Z}`, type: TYPE.A, address: '10.112.0.7' },
    ]);
    const srv = await mcs(f, `_http._tcp.web.default.${Z}`, TYPE.SRV);
    expect(srv.answers).toEqual([
      { name: `_http._tcp.web.default.${Z}`, type: TYPE.SRV, port: 80, target: `web.default.${Z}` },
    ]);
    expect(srv.additionals).toEqual([
      { name: `web.default.${Z}`, type: TYPE.A, address: '10.112.0.7' },
    ]);
    // the branch above the SRV names exists (NODATA); unknown ports, protocols and clusters do not
    expect(await mcs(f, `_tcp.web.default.${Z}`)).toMatchObject({ rcode: 0, answers: [] });
    for (const name of [`_https._tcp.web.default.${Z}`, `_http._udp.web.default.${Z}`]) {
      expect((await mcs(f, name, TYPE.SRV)).rcode, name).toBe(RCODE.NXDOMAIN);
    }
    expect((await mcs(f, `m1.web.default.${Z}`)).rcode).toBe(RCODE.NXDOMAIN);
    const aaaa = await mcs(f, `web.default.${Z}`, TYPE.AAAA);
    expect(aaaa).toMatchObject({ rcode: 0, answers: [], soa: ['clusterset.local'] });
  });

  it('Headless: A is every ready endpoint; <hostname>.<clusterid> names; SRV targets them', async () => {
    const { f } = setUp();
    const a = await mcs(f, `db.default.${Z}`);
    expect(a.answers.map((r) => r.address)).toEqual(['127.0.101.5', '127.0.102.5']);
    expect((await mcs(f, `db-0.m1.db.default.${Z}`)).answers).toEqual([
      { name: `db-0.m1.db.default.${Z}`, type: TYPE.A, address: '127.0.101.5' },
    ]);
    // no hostname: the dashed address names it; not-ready endpoints and wrong clusters do not exist
    expect((await mcs(f, `127-0-102-5.m2.db.default.${Z}`)).answers).toHaveLength(1);
    for (const name of [`db-1.m1.db.default.${Z}`, `db-0.m2.db.default.${Z}`]) {
      expect((await mcs(f, name)).rcode, name).toBe(RCODE.NXDOMAIN);
    }
    // <clusterid>.<svc>... has no records but names below it: an empty non-terminal
    expect(await mcs(f, `m1.db.default.${Z}`)).toMatchObject({ rcode: 0, answers: [] });
    const srv = await mcs(f, `_http._tcp.db.default.${Z}`, TYPE.SRV);
    expect(srv.answers.map((r) => `${String(r.port)} ${r.target ?? ''}`).sort()).toEqual([
      `8080 127-0-102-5.m2.db.default.${Z}`,
      `8080 db-0.m1.db.default.${Z}`,
    ]);
    expect(srv.additionals.map((r) => r.address).sort()).toEqual(['127.0.101.5', '127.0.102.5']);
  });

  it('a service without a ServiceImport, or a headless one without ready endpoints, is NXDOMAIN', async () => {
    const { cs, f } = setUp();
    for (const name of [
      `stray.default.${Z}`,
      `nope.default.${Z}`,
      `_http._tcp.stray.default.${Z}`,
    ]) {
      const r = await mcs(f, name);
      expect(r.rcode, name).toBe(RCODE.NXDOMAIN);
      expect(r.soa).toEqual(['clusterset.local']);
    }
    cs.setSlice('db', 'm1', []);
    cs.setSlice('db', 'm2', [{ addresses: ['127.0.102.5'], conditions: { ready: false } }]);
    expect((await mcs(f, `db.default.${Z}`)).rcode).toBe(RCODE.NXDOMAIN);
  });

  it('is SERVFAIL-worthy (throws) until the catalog synced', async () => {
    const { cs, f } = setUp();
    cs.isSynced = false;
    await expect(mcs(f, `web.default.${Z}`)).rejects.toBeInstanceOf(ClusterSetNotSyncedError);
  });

  it('a changed import or slice reaches the next answer at once (the cached one is dropped)', async () => {
    const { cs, f } = setUp();
    const r = new Resolver({ routes: new RouteTable(), federated: f });
    const addrs = async (name: string): Promise<string[] | number> => {
      const res = Packet.parse((await r.handle(query(name), '127.0.0.1')) as Buffer);
      if (res.header.rcode !== RCODE.NOERROR) return res.header.rcode;
      return res.answers.map((a) => (a as { address: string }).address).sort();
    };
    expect(await addrs(`db.default.${Z}`)).toEqual(['127.0.101.5', '127.0.102.5']);
    expect(await addrs(`stray.default.${Z}`)).toBe(RCODE.NXDOMAIN);
    expect(await addrs(`db-0.m1.db.default.${Z}`)).toEqual(['127.0.101.5']);
    expect(r.cache.size).toBe(3);
    cs.setSlice('db', 'm1', [{ addresses: ['127.0.101.7'], hostname: 'db-0' }]);
    expect(await addrs(`db.default.${Z}`)).toEqual(['127.0.101.7', '127.0.102.5']);
    expect(await addrs(`db-0.m1.db.default.${Z}`)).toEqual(['127.0.101.7']);
    // the cached NXDOMAIN of a service goes as soon as it is imported
    cs.setImport('stray', { type: 'ClusterSetIP', ips: ['10.112.0.9'], ports: [] });
    expect(await addrs(`stray.default.${Z}`)).toEqual(['10.112.0.9']);
    cs.setImport('web', { type: 'ClusterSetIP', ips: ['10.112.0.8'], ports: [] });
    expect(await addrs(`web.default.${Z}`)).toEqual(['10.112.0.8']);
  });
});
