import { describe, expect, it } from 'vitest';
import { RCODE, TYPE } from '../wire/dns-wire.js';
import { ClusterDnsServer } from './cluster-dns-server.js';
import { StaticCatalog, type DnsEndpoints, type DnsService } from './service-catalog.js';

interface QueryOptions {
  type?: number;
  id?: number;
  /** The header's second 16-bit word (0x0100 = RD). */
  flags?: number;
  cls?: number;
  /** Adds an OPT record (version 0 unless given), with the DO bit when `dnssecOk`. */
  edns?: { dnssecOk?: boolean; version?: number; udpSize?: number };
}

function query(name: string, o: QueryOptions = {}): Buffer {
  const id = o.id ?? 0x1234;
  const flags = o.flags ?? 0x0100;
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const type = o.type ?? TYPE.A;
  const cls = o.cls ?? 1;
  const opt = o.edns
    ? Buffer.from([
        0,
        0,
        41,
        (o.edns.udpSize ?? 1232) >> 8,
        (o.edns.udpSize ?? 1232) & 0xff,
        0,
        o.edns.version ?? 0,
        o.edns.dnssecOk ? 0x80 : 0,
        0,
        0,
        0,
      ])
    : Buffer.alloc(0);
  return Buffer.concat([
    Buffer.from([
      id >> 8,
      id & 0xff,
      flags >> 8,
      flags & 0xff,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      o.edns ? 1 : 0,
    ]),
    ...labels,
    Buffer.from([0, type >> 8, type & 0xff, cls >> 8, cls & 0xff]),
    opt,
  ]);
}

const svcs: DnsService[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { clusterIP: '10.96.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db', namespace: 'default' },
    spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ext', namespace: 'default' },
    spec: { type: 'ExternalName', externalName: 'example.org' },
  },
];
const eps: DnsEndpoints[] = [
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'db', namespace: 'default' },
    subsets: [
      {
        addresses: [{ ip: '10.1.0.5', hostname: 'db-0' }, { ip: '10.1.0.6' }],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      },
    ],
  },
];

const ZONE = 'cluster.local';
const server = (catalog = new StaticCatalog(svcs, eps)): ClusterDnsServer => {
  const s = new ClusterDnsServer({ zone: ZONE, catalog, ttl: 30 });
  s.records.nsAddress = '127.0.0.1';
  return s;
};

/** Every reply the fast path gives must be byte for byte what a fresh server builds (slow path). */
const cases: [string, QueryOptions][] = [
  ['web.default.svc.cluster.local', {}],
  ['WeB.DeFault.SVC.cluster.LOCAL', { id: 7, flags: 0 }],
  ['web.default.svc.cluster.local', { edns: {} }],
  ['Web.default.svc.cluster.local', { edns: { dnssecOk: true, udpSize: 4096 } }],
  ['web.default.svc.cluster.local', { type: TYPE.AAAA }],
  ['web.default.svc.cluster.local', { type: TYPE.AAAA, edns: { dnssecOk: true } }],
  ['_http._tcp.web.default.svc.cluster.local', { type: TYPE.SRV }],
  ['_PG._TCP.db.default.svc.cluster.local', { type: TYPE.SRV, edns: {} }],
  ['db.default.svc.cluster.local', {}],
  ['DB-0.db.default.svc.cluster.local', {}],
  ['10-1-0-6.db.default.svc.cluster.local', {}],
  ['ext.default.svc.cluster.local', { type: TYPE.A }],
  ['nope.default.svc.cluster.local', { edns: {} }],
  ['default.svc.cluster.local', {}],
  ['10-0-0-1.default.pod.cluster.local', {}],
  ['300-0-0-1.default.pod.cluster.local', {}],
  ['7.0.96.10.in-addr.arpa', { type: TYPE.PTR }],
  ['6.0.1.10.IN-ADDR.ARPA', { type: TYPE.PTR, edns: {} }],
  ['9.9.9.10.in-addr.arpa', { type: TYPE.PTR }],
  ['cluster.local', { type: TYPE.SOA }],
  ['Cluster.Local', { type: TYPE.NS, edns: {} }],
  ['dns-version.cluster.local', { type: TYPE.TXT }],
  ['example.com', {}],
  ['Example.com', { edns: { dnssecOk: true } }],
];

describe('AnswerTable (cluster DNS fast path)', () => {
  it('replays byte for byte what the slow path builds, per ID, RD, letter case and EDNS', () => {
    const warm = server();
    // warm with other IDs, case and EDNS variants so every reply below is a replay
    for (const [name, o] of cases) {
      warm.handle(query(name.toUpperCase(), { ...o, id: 1, flags: 0x0100 ^ (o.flags ?? 0x0100) }));
      warm.handle(query(name.toLowerCase(), { type: o.type ?? TYPE.A, id: 2 }));
    }
    expect(warm.storedAnswers).toBeGreaterThan(0);
    const stored = warm.storedAnswers;
    for (const [name, o] of cases) {
      const q = query(name, o);
      expect(warm.handle(q), `${name} ${JSON.stringify(o)}`).toEqual(server().handle(q));
    }
    expect(warm.storedAnswers).toBe(stored);
  });

  it('leaves non-plain queries to the slow path and never stores them', () => {
    const s = server();
    const odd: Buffer[] = [
      query('web.default.svc.cluster.local', { cls: 3 }),
      query('web.default.svc.cluster.local', { flags: 0x1000 }),
      query('web.default.svc.cluster.local', { edns: { version: 1 } }),
      Buffer.concat([query('web.default.svc.cluster.local'), Buffer.from([0])]),
      query('we b.default.svc.cluster.local'),
    ];
    for (const q of odd) {
      expect(s.handle(q)).toEqual(server().handle(q));
      expect(s.handle(q)).toEqual(server().handle(q));
    }
    expect(s.storedAnswers).toBe(0);
  });

  it('drops stored replies when the catalog changes', () => {
    const catalog = new StaticCatalog(svcs, eps);
    const s = server(catalog);
    const q = query('web.default.svc.cluster.local');
    const before = s.handle(q);
    expect(s.handle(q)).toEqual(before);
    expect(s.storedAnswers).toBe(1);
    const web = svcs[0];
    if (!web) throw new Error('fixture');
    catalog.svcs = [{ ...web, spec: { ...web.spec, clusterIP: '10.96.0.8' } }];
    const after = s.handle(q);
    expect(after).not.toEqual(before);
    expect(after?.subarray(-4)).toEqual(Buffer.from([10, 96, 0, 8]));
    catalog.svcs = [];
    expect((s.handle(q)?.[3] ?? 0) & 0x0f).toBe(RCODE.NXDOMAIN);
  });

  it('empties itself when full instead of growing', () => {
    const s = new ClusterDnsServer({
      zone: ZONE,
      catalog: new StaticCatalog(svcs, eps),
      maxStoredAnswers: 3,
    });
    for (let i = 0; i < 10; i++) s.handle(query(`n${String(i)}.default.svc.cluster.local`));
    expect(s.storedAnswers).toBeLessThanOrEqual(3);
  });
});
