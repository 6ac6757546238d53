import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import { RCODE, TYPE } from '../wire/dns-wire.js';
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

interface Rr {
  name: string;
  type: number;
  address?: string;
  domain?: string;
  ns?: string;
}

describe('Federation v1 region and zone names', () => {
  const Z = 'fleet.svc.flotilla.local';
  /** Two regions; eu has zones eu-1a (c1, c2) and eu-1b (c3); us has us-1a (c4). */
  const base: ClusterEndpoints[] = [
    { cluster: 'c1', region: 'eu', zone: 'eu-1a', ips: ['10.0.1.1'] },
    { cluster: 'c2', region: 'eu', zone: 'eu-1a', ips: ['10.0.2.1'] },
    { cluster: 'c3', region: 'eu', zone: 'eu-1b', ips: ['10.0.3.1'] },
    { cluster: 'c4', region: 'US', zone: 'US-1A', ips: ['10.0.4.1'] },
  ];
  const without = (...down: string[]): ClusterEndpoints[] =>
    base.map((c) => (down.includes(c.cluster) ? { ...c, ips: [] } : c));

  /** A {@link FederatedNames} over `clusters`, with a topology; `listeners` see its changes. */
  function topo(clusters: ClusterEndpoints[]): {
    f: FederatedNames;
    data: { clusters: ClusterEndpoints[] };
    fire: (svc?: { namespace: string; name: string }) => void;
  } {
    const data = { clusters };
    const listeners: ((s?: { namespace: string; name: string }) => void)[] = [];
    const f = new FederatedNames({
      federation: 'Fleet',
      zone: 'flotilla.local',
      catalog: {
        endpoints: () => Promise.resolve(structuredClone(data.clusters)),
        // every cluster's region and zone: the endpoint listing without the addresses
        topology: () => data.clusters.map((c) => ({ ...c, ips: undefined })),
        onChange: (l) => listeners.push(l),
      },
      clientCluster: (ip) => {
        const m = /^127\.0\.(\d+)\./.exec(ip);
        return m ? `c${m[1] ?? ''}` : undefined;
      },
    });
    return { f, data, fire: (s) => listeners.forEach((l) => l(s)) };
  }

  /** rcode, answers as `name type data`, and the SOA owners in the authority section. */
  async function v1(
    f: FederatedNames,
    name: string,
    type: number = TYPE.A,
    clientIp = '192.0.2.1',
  ): Promise<{ rcode: number; answers: string[]; soa: string[] }> {
    const m = f.match(name.toLowerCase());
    if (!m) throw new Error(`${name} is not federated`);
    const res = Packet.parse(await f.answer(query(name, type), m, clientIp));
    const rr = res.answers as Rr[];
    return {
      rcode: res.header.rcode,
      answers: rr.map((a) =>
        `${a.name} ${String(a.type)} ${a.address ?? a.domain ?? a.ns ?? ''}`.trimEnd(),
      ),
      soa: (res.authorities as Rr[]).filter((a) => a.type === TYPE.SOA).map((a) => a.name),
    };
  }

  it('a zone name answers the ready endpoints of the Ready clusters in that zone', async () => {
    const { f } = topo(base);
    const zone = `web.default.${'fleet.svc.eu-1a.eu.flotilla.local'}`;
    expect(await v1(f, zone)).toEqual({
      rcode: RCODE.NOERROR,
      answers: [`${zone} ${String(TYPE.A)} 10.0.1.1`, `${zone} ${String(TYPE.A)} 10.0.2.1`],
      soa: [],
    });
    // region and zone labels compare case-insensitively (the Cluster says US / US-1A)
    const us = 'web.default.fleet.svc.us-1a.us.flotilla.local';
    expect((await v1(f, us)).answers).toEqual([`${us} ${String(TYPE.A)} 10.0.4.1`]);
    const region = 'web.default.fleet.svc.eu.flotilla.local';
    expect((await v1(f, region)).answers.map((a) => a.split(' ')[2])).toEqual([
      '10.0.1.1',
      '10.0.2.1',
      '10.0.3.1',
    ]);
    // the name exists: other types are NODATA with the SOA of the zone apex
    expect(await v1(f, zone, TYPE.AAAA)).toEqual({
      rcode: RCODE.NOERROR,
      answers: [],
      soa: ['fleet.svc.eu-1a.eu.flotilla.local'],
    });
  });

  it('a zone without ready endpoints is a CNAME to its region name, followed', async () => {
    const { f } = topo(without('c1', 'c2'));
    const zone = 'web.default.fleet.svc.eu-1a.eu.flotilla.local';
    const region = 'web.default.fleet.svc.eu.flotilla.local';
    expect(await v1(f, zone)).toEqual({
      rcode: RCODE.NOERROR,
      answers: [`${zone} ${String(TYPE.CNAME)} ${region}`, `${region} ${String(TYPE.A)} 10.0.3.1`],
      soa: [],
    });
    // asked for the CNAME itself: no chase; other types: the chain, then NODATA at its end
    expect((await v1(f, zone, TYPE.CNAME)).answers).toEqual([
      `${zone} ${String(TYPE.CNAME)} ${region}`,
    ]);
    expect(await v1(f, zone, TYPE.AAAA)).toEqual({
      rcode: RCODE.NOERROR,
      answers: [`${zone} ${String(TYPE.CNAME)} ${region}`],
      soa: ['fleet.svc.eu.flotilla.local'],
    });
  });

  it("a region without ready endpoints is a CNAME to the global name (the client's locality)", async () => {
    const { f } = topo(without('c1', 'c2', 'c3'));
    const zone = 'web.default.fleet.svc.eu-1b.eu.flotilla.local';
    const region = 'web.default.fleet.svc.eu.flotilla.local';
    const global = `web.default.${Z}`;
    expect(await v1(f, region)).toEqual({
      rcode: RCODE.NOERROR,
      answers: [
        `${region} ${String(TYPE.CNAME)} ${global}`,
        `${global} ${String(TYPE.A)} 10.0.4.1`,
      ],
      soa: [],
    });
    expect((await v1(f, zone)).answers).toEqual([
      `${zone} ${String(TYPE.CNAME)} ${region}`,
      `${region} ${String(TYPE.CNAME)} ${global}`,
      `${global} ${String(TYPE.A)} 10.0.4.1`,
    ]);
    // nothing ready anywhere: the chain ends in NXDOMAIN (RFC 6604), with the global zone's SOA
    const { f: none } = topo(without('c1', 'c2', 'c3', 'c4'));
    expect(await v1(none, region)).toEqual({
      rcode: RCODE.NXDOMAIN,
      answers: [`${region} ${String(TYPE.CNAME)} ${global}`],
      soa: [Z],
    });
  });

  it('regions and zones no cluster has are NXDOMAIN', async () => {
    const { f } = topo(base);
    for (const name of [
      'web.default.fleet.svc.mars.flotilla.local',
      'web.default.fleet.svc.eu-1a.us.flotilla.local', // a zone of another region
      'web.default.fleet.svc.eu-9z.eu.flotilla.local',
      'fleet.svc.mars.flotilla.local',
      'default.fleet.svc.mars.flotilla.local',
      'x.web.default.fleet.svc.eu.flotilla.local',
    ]) {
      const r = await v1(f, name);
      expect(r.rcode, name).toBe(RCODE.NXDOMAIN);
      expect(r.soa, name).toHaveLength(1);
    }
    // names of other shapes are not federated (they go to routes and upstreams)
    expect(f.match('web.default.other.svc.eu.flotilla.local')).toBeUndefined();
    expect(f.match('web.default.fleet.svc.a.b.c.flotilla.local')).toBeUndefined();
  });

  it('region and zone apexes answer SOA/NS; the <ns> branches below them are NODATA', async () => {
    const { f } = topo(base);
    for (const apex of ['fleet.svc.eu.flotilla.local', 'fleet.svc.eu-1a.eu.flotilla.local']) {
      expect(await v1(f, apex, TYPE.NS)).toEqual({
        rcode: RCODE.NOERROR,
        answers: [`${apex} ${String(TYPE.NS)} ns.${apex}`],
        soa: [],
      });
      expect((await v1(f, apex, TYPE.SOA)).answers).toHaveLength(1);
      expect(await v1(f, `default.${apex}`)).toEqual({
        rcode: RCODE.NOERROR,
        answers: [],
        soa: [apex],
      });
    }
  });

  it('answers through the resolver cache, dropped at once when the catalog reports a change', async () => {
    const { f, data, fire } = topo(base);
    const r = new Resolver({ routes: new RouteTable(), federated: f });
    const ask1 = async (name: string): Promise<string[] | number> => {
      const res = Packet.parse((await r.handle(query(name), '127.0.1.9')) as Buffer);
      if (res.header.rcode !== RCODE.NOERROR) return res.header.rcode;
      return res.answers.map((a) => (a as { address?: string }).address ?? 'CNAME');
    };
    const zone = 'web.default.fleet.svc.eu-1a.eu.flotilla.local';
    const mars = 'web.default.fleet.svc.mars.flotilla.local';
    expect(await ask1(zone)).toEqual(['10.0.1.1', '10.0.2.1']);
    // cache hits rotate the A records, also behind a CNAME chain
    expect(await ask1(zone)).toEqual(['10.0.2.1', '10.0.1.1']);
    expect(await ask1(mars)).toBe(RCODE.NXDOMAIN);
    data.clusters = without('c1', 'c2');
    fire({ namespace: 'default', name: 'web' });
    expect(await ask1(zone)).toEqual(['CNAME', '10.0.3.1']);
    data.clusters = without('c1', 'c2', 'c3');
    fire({ namespace: 'default', name: 'web' });
    const chained = await ask1(zone);
    expect(chained).toEqual(['CNAME', 'CNAME', '10.0.4.1']);
    data.clusters = [
      ...without('c1', 'c2', 'c3'),
      { cluster: 'c5', region: 'mars', ips: ['10.0.5.1', '10.0.5.2'] },
    ];
    fire();
    expect(await ask1(mars)).toEqual(['10.0.5.1', '10.0.5.2']);
    // the new cluster reaches the global name too (the client's region has none ready)
    expect(await ask1(zone)).toEqual(['CNAME', 'CNAME', '10.0.4.1', '10.0.5.1', '10.0.5.2']);
    // a CNAME chain ending in two A records rotates them on hits
    data.clusters = [
      ...without('c1', 'c2', 'c3', 'c4'),
      { cluster: 'c5', region: 'mars', ips: ['10.0.5.1', '10.0.5.2'] },
    ];
    fire();
    const first = await ask1(zone);
    const second = await ask1(zone);
    expect(first).toEqual(['CNAME', 'CNAME', '10.0.5.1', '10.0.5.2']);
    expect(second).toEqual(['CNAME', 'CNAME', '10.0.5.2', '10.0.5.1']);
  });
});
