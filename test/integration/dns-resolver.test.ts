// Cluster DNS and the central resolver, queried with the real `dig` over loopback: spec records
// from a member API server, suffix forwarding, caching (positive and negative), federated names
// across two clusters, TCP and truncation, and garbage packets.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import {
  ClusterDnsServer,
  createClusterDns,
  FederatedNames,
  Resolver,
  RouteTable,
  StaticCatalog,
  type DnsEndpoints,
  type DnsService,
} from '../../dns/index.js';
import { parseQuery } from '../../dns/wire/dns-wire.js';
import { freePort } from '../../hack/lib/ports.js';
import { memberResourceTypes, ENDPOINTS, SERVICES } from '../../api/index.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const run = promisify(execFile);

async function dig(port: number, ...args: string[]): Promise<string> {
  return (
    await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], {
      timeout: 10_000,
    })
  ).stdout;
}

function svc(
  name: string,
  clusterIP: string,
  ports: DnsService['spec']['ports'] = [{ name: 'http', port: 80, protocol: 'TCP' }],
): DnsService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { clusterIP, ports },
  };
}

function eps(name: string, ips: string[], port = 8080): DnsEndpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'default' },
    subsets: [
      { addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', port, protocol: 'TCP' }] },
    ],
  };
}

describe('cluster DNS from a member API server', () => {
  let h: ApiHarness;
  let dns: ReturnType<typeof createClusterDns>;
  let port = 0;
  beforeAll(async () => {
    h = await startApiHarness({ resources: memberResourceTypes });
    const sc = h.client.resource<KubeObject>(SERVICES, 'default');
    await sc.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    await sc.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db' },
      spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
    });
    await h.client.resource<KubeObject>(ENDPOINTS, 'default').create({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'db' },
      subsets: [
        {
          addresses: [{ ip: '127.0.1.1', hostname: 'db-0' }, { ip: '127.0.1.2' }],
          ports: [{ name: 'pg', port: 31000, protocol: 'TCP' }],
        },
      ],
    });
    dns = createClusterDns({
      client: h.client,
      host: '127.0.0.1',
      port: 0,
      clusterDomain: 'member1.local',
    });
    port = (await dns.start()).port;
  });
  afterAll(async () => {
    await dns.stop();
    await h.stop();
  });

  it('answers the Kubernetes DNS spec records', async () => {
    expect((await dig(port, '+short', 'web.default.svc.member1.local')).trim()).toBe('10.96.0.10');
    expect(
      (await dig(port, '+short', 'db.default.svc.member1.local')).trim().split('\n').sort(),
    ).toEqual(['127.0.1.1', '127.0.1.2']);
    expect((await dig(port, '+short', 'db-0.db.default.svc.member1.local')).trim()).toBe(
      '127.0.1.1',
    );
    expect(
      (await dig(port, '+short', 'SRV', '_http._tcp.web.default.svc.member1.local')).trim(),
    ).toBe('0 100 80 web.default.svc.member1.local.');
    expect(
      (await dig(port, '+short', 'SRV', '_pg._tcp.db.default.svc.member1.local'))
        .trim()
        .split('\n')
        .sort(),
    ).toEqual([
      '0 100 31000 127-0-1-2.db.default.svc.member1.local.',
      '0 100 31000 db-0.db.default.svc.member1.local.',
    ]);
    expect((await dig(port, '+short', '-x', '10.96.0.10')).trim()).toBe(
      'web.default.svc.member1.local.',
    );
    expect((await dig(port, '+short', 'TXT', 'dns-version.member1.local')).trim()).toBe('"1.1.0"');
    expect((await dig(port, '+short', '10-1-2-3.default.pod.member1.local')).trim()).toBe(
      '10.1.2.3',
    );
    const nx = await dig(port, 'nope.default.svc.member1.local');
    expect(nx).toContain('status: NXDOMAIN');
    expect(nx).toMatch(/member1\.local\.\s+\d+\s+IN\s+SOA/);
    expect(await dig(port, 'example.org')).toContain('status: REFUSED');
  });

  it('follows Service changes through its informers', async () => {
    await h.client.resource<KubeObject>(SERVICES, 'default').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'late' },
      spec: { clusterIP: '10.96.0.77', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    await expect
      .poll(async () => (await dig(port, '+short', 'late.default.svc.member1.local')).trim(), {
        timeout: 10_000,
      })
      .toBe('10.96.0.77');
  });
});

describe('central resolver', () => {
  const catA = new StaticCatalog(
    [svc('web', '10.96.1.1'), svc('api', 'None')],
    [eps('api', ['127.0.31.1', '127.0.31.2'])],
  );
  const catB = new StaticCatalog(
    [svc('api', 'None'), svc('big', 'None')],
    [
      eps('api', ['127.0.32.1']),
      eps(
        'big',
        Array.from({ length: 60 }, (_, i) => `127.0.33.${String(i + 1)}`),
      ),
    ],
  );
  const a = new ClusterDnsServer({ zone: 'cluster-a.local', catalog: catA, ttl: 30 });
  const b = new ClusterDnsServer({ zone: 'cluster-b.local', catalog: catB, ttl: 30 });
  const routes = new RouteTable();
  let resolver: Resolver;
  let port = 0;
  const ready = { a: true, b: true };

  beforeAll(async () => {
    const pa = await a.start();
    const pb = await b.start();
    routes.set([
      { zone: 'cluster-a.local', servers: [`127.0.0.1:${String(pa.port)}`], cluster: 'a' },
      { zone: 'cluster-b.local', servers: [`127.0.0.1:${String(pb.port)}`], cluster: 'b' },
    ]);
    const fedCatalog = {
      endpoints: (ns: string, name: string) =>
        Promise.resolve([
          {
            cluster: 'a',
            region: 'eu',
            ips: ready.a
              ? (catA.endpoints(ns, name)?.subsets?.[0]?.addresses ?? []).map((x) => x.ip)
              : [],
          },
          {
            cluster: 'b',
            region: 'us',
            ips: ready.b
              ? (catB.endpoints(ns, name)?.subsets?.[0]?.addresses ?? []).map((x) => x.ip)
              : [],
          },
        ]),
    };
    resolver = new Resolver({
      routes,
      cache: { negativeCapSeconds: 1 },
      federated: new FederatedNames({
        federation: 'fleet',
        zone: 'flotilla.local',
        catalog: fedCatalog,
        clientCluster: () => undefined,
      }),
    });
    port = (await resolver.start()).port;
  });
  afterAll(async () => {
    await resolver.stop();
    await a.stop();
    await b.stop();
  });

  const upstreamCount = (): number =>
    [...resolver.upstreams.counts.values()].reduce((x, y) => x + y, 0);

  it("forwards a name in cluster A's suffix to A's DNS and answers the second ask from cache", async () => {
    const first = await dig(port, 'web.default.svc.cluster-a.local');
    expect(first).toMatch(/web\.default\.svc\.cluster-a\.local\.\s+30\s+IN\s+A\s+10\.96\.1\.1/);
    const n = upstreamCount();
    expect(n).toBe(1);
    const second = await dig(port, '+short', 'web.default.svc.cluster-a.local');
    expect(second.trim()).toBe('10.96.1.1');
    expect(upstreamCount()).toBe(n);
    expect(resolver.cache.hits).toBeGreaterThanOrEqual(1);
  });

  it('caches NXDOMAIN (SOA minimum, capped) and lets it expire', async () => {
    const before = upstreamCount();
    expect(await dig(port, 'missing.default.svc.cluster-b.local')).toContain('status: NXDOMAIN');
    expect(await dig(port, 'missing.default.svc.cluster-b.local')).toContain('status: NXDOMAIN');
    expect(upstreamCount()).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 1300));
    expect(await dig(port, 'missing.default.svc.cluster-b.local')).toContain('status: NXDOMAIN');
    expect(upstreamCount()).toBe(before + 2);
  });

  it('answers federated names from both clusters and drops a cluster without ready endpoints', async () => {
    const both = (await dig(port, '+short', 'api.default.fleet.svc.flotilla.local'))
      .trim()
      .split('\n')
      .sort();
    expect(both).toEqual(['127.0.31.1', '127.0.31.2', '127.0.32.1']);
    expect(
      (await dig(port, '+short', 'api.default.svc.clusterset.local')).trim().split('\n').sort(),
    ).toEqual(both);
    // federated answers are cached for their TTL: start each readiness change from an empty cache
    ready.a = false;
    resolver.cache.clear();
    expect((await dig(port, '+short', 'api.default.fleet.svc.flotilla.local')).trim()).toBe(
      '127.0.32.1',
    );
    ready.b = false;
    resolver.cache.clear();
    expect(await dig(port, 'api.default.fleet.svc.flotilla.local')).toContain('status: NXDOMAIN');
    ready.a = true;
    ready.b = true;
    resolver.cache.clear();
  });

  it('serves TCP, and truncates large UDP answers', async () => {
    expect((await dig(port, '+tcp', '+short', 'web.default.svc.cluster-a.local')).trim()).toBe(
      '10.96.1.1',
    );
    const udp = await dig(
      port,
      '+notcp',
      '+ignore',
      '+bufsize=512',
      'big.default.svc.cluster-b.local',
    );
    expect(udp).toMatch(/flags:[^;]*\btc\b/);
    const tcp = (await dig(port, '+tcp', '+short', 'big.default.svc.cluster-b.local'))
      .trim()
      .split('\n');
    expect(tcp).toHaveLength(60);
  });

  it('survives garbage, truncated, huge and looping packets', async () => {
    const sock = createSocket('udp4');
    const loop = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    const packets = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      Buffer.alloc(12),
      Buffer.alloc(3000, 0xff),
      loop,
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      ...Array.from({ length: 50 }, () =>
        Buffer.from(Array.from({ length: 40 }, () => Math.floor(Math.random() * 256))),
      ),
    ];
    for (const p of packets) sock.send(p, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    sock.close();
    await new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.end(Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(100, 0xab)]));
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      setTimeout(() => s.destroy(), 500);
    });
    expect((await dig(port, '+short', 'web.default.svc.cluster-a.local')).trim()).toBe('10.96.1.1');
    // a well-formed header with two questions is answered FORMERR, not dropped
    const two = Buffer.from([
      0x12, 0x34, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 1, 0x62, 0, 0, 1, 0, 1,
    ]);
    const reply = await new Promise<Buffer>((resolve) => {
      const s = createSocket('udp4');
      s.on('message', (m) => {
        s.close();
        resolve(m);
      });
      s.send(two, port, '127.0.0.1');
    });
    expect(reply.readUInt16BE(0)).toBe(0x1234);
    expect(reply.readUInt16BE(2) & 0x0f).toBe(1);
  });
});

/**
 * A UDP DNS server scripted by the test: `reply(query, send)` decides what goes back. `answer`
 * builds a real reply (A record, TTL 60) that echoes the query's OPT record as an EDNS server does.
 */
interface ScriptedUpstream {
  server: string;
  queries: Buffer[];
  stop(): Promise<void>;
}

function answer(query: Buffer, ip: string, opts: { id?: number; name?: string } = {}): Buffer {
  const q = parseQuery(query);
  const question = opts.name
    ? Buffer.concat([
        ...opts.name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]),
        Buffer.from([0, 0, 1, 0, 1]),
      ])
    : query.subarray(12, q.questionEnd);
  const hdr = Buffer.alloc(12);
  hdr.writeUInt16BE(opts.id ?? q.id, 0);
  hdr.writeUInt16BE(0x8180, 2);
  hdr.writeUInt16BE(1, 4);
  hdr.writeUInt16BE(1, 6);
  hdr.writeUInt16BE(q.edns ? 1 : 0, 10);
  const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)]);
  // a minimal OPT: root name, type 41, payload 1232, DO copied, no options
  const opt = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, q.dnssecOk ? 0x80 : 0, 0, 0, 0]);
  return Buffer.concat([hdr, question, rr, ...(q.edns ? [opt] : [])]);
}

async function scriptedUpstream(
  reply: (
    query: Buffer,
    send: (msg: Buffer) => void,
    to: { address: string; port: number },
  ) => void,
): Promise<ScriptedUpstream> {
  const sock = createSocket('udp4');
  const queries: Buffer[] = [];
  sock.on('message', (msg, rinfo) => {
    queries.push(msg);
    reply(msg, (m) => sock.send(m, rinfo.port, rinfo.address), rinfo);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${String(sock.address().port)}`,
    queries,
    stop: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}

describe('resolver EDNS handling and reply validation (scripted upstream)', () => {
  const routes = new RouteTable();
  let resolver: Resolver;
  let port = 0;
  let honest: ScriptedUpstream;
  let spoofed: ScriptedUpstream;
  const forger = createSocket('udp4');

  beforeAll(async () => {
    honest = await scriptedUpstream((q, send) => send(answer(q, '10.9.9.9')));
    await new Promise<void>((resolve) => forger.bind(0, '127.0.0.2', resolve));
    // before the genuine reply: a forgery from another address (right ID and question), and from
    // the upstream's own address a reply with the wrong question and one with the wrong ID
    spoofed = await scriptedUpstream((q, send, to) => {
      forger.send(answer(q, '6.6.6.6'), to.port, to.address);
      send(answer(q, '6.6.6.7', { name: 'other.spoof.test' }));
      send(answer(q, '6.6.6.8', { id: (parseQuery(q).id + 1) & 0xffff }));
      setTimeout(() => send(answer(q, '10.9.9.9')), 100);
    });
    routes.set([
      { zone: 'edns.test', servers: [honest.server] },
      { zone: 'spoof.test', servers: [spoofed.server] },
    ]);
    resolver = new Resolver({ routes });
    port = (await resolver.start()).port;
  });
  afterAll(async () => {
    await resolver.stop();
    await honest.stop();
    await spoofed.stop();
    forger.close();
  });

  it('never replays a cached answer carrying OPT to a client that sent no EDNS', async () => {
    const withEdns = await dig(port, 'a.edns.test');
    expect(withEdns).toContain('OPT PSEUDOSECTION');
    expect(withEdns).toMatch(/a\.edns\.test\.\s+60\s+IN\s+A\s+10\.9\.9\.9/);
    const plain = await dig(port, '+noedns', 'a.edns.test');
    expect(plain).toMatch(/a\.edns\.test\.\s+\d+\s+IN\s+A\s+10\.9\.9\.9/);
    expect(plain).not.toContain('OPT PSEUDOSECTION');
    expect(plain).toContain('ADDITIONAL: 0');
    // each kind of client got its own upstream round trip, then is served from its own entry
    expect(honest.queries).toHaveLength(2);
    const hits = resolver.cache.hits;
    expect(await dig(port, '+noedns', 'a.edns.test')).not.toContain('OPT PSEUDOSECTION');
    expect(await dig(port, '+dnssec', 'a.edns.test')).toMatch(/flags:[^;]*; udp: \d+/);
    expect(await dig(port, 'a.edns.test')).toContain('OPT PSEUDOSECTION');
    expect(resolver.cache.hits).toBe(hits + 2);
    expect(honest.queries).toHaveLength(3); // the DO query is keyed apart from plain EDNS
  });

  it('ignores replies from another address, with another question or with another ID', async () => {
    const before = resolver.upstreams.mismatched;
    expect((await dig(port, '+short', 'x.spoof.test')).trim()).toBe('10.9.9.9');
    expect(spoofed.queries).toHaveLength(1);
    // the wrong-question and wrong-ID replies were seen and refused; the forgery from 127.0.0.2
    // never reaches the connected socket at all
    expect(resolver.upstreams.mismatched - before).toBe(2);
  });
});

describe('resolver upstreams: default forwarding, failover and circuit breaker', () => {
  const catalog = new StaticCatalog([svc('web', '10.96.5.5')]);
  const live = new ClusterDnsServer({ zone: 'example.test', catalog, ttl: 30 });
  const second = new ClusterDnsServer({ zone: 'example.test', catalog, ttl: 30 });
  let dead = '';
  let liveServer = '';
  let secondServer = '';
  let resolver: Resolver;
  let port = 0;

  beforeAll(async () => {
    // a port nothing listens on: the kernel answers ICMP port unreachable at once
    dead = `127.0.0.1:${String(await freePort())}`;
    liveServer = `127.0.0.1:${String((await live.start()).port)}`;
    secondServer = `127.0.0.1:${String((await second.start()).port)}`;
    resolver = new Resolver({
      routes: new RouteTable(),
      upstreams: [dead, liveServer, secondServer],
      upstream: { timeoutMs: 2000, failureThreshold: 2, halfOpenAfterMs: 600_000 },
    });
    port = (await resolver.start()).port;
  });
  afterAll(async () => {
    await resolver.stop();
    await live.stop();
    await second.stop();
  });

  const count = (s: string): number => resolver.upstreams.counts.get(s) ?? 0;

  it('forwards names outside every route to the upstreams, failing over past a dead one', async () => {
    expect((await dig(port, '+short', 'web.default.svc.example.test')).trim()).toBe('10.96.5.5');
    expect(count(dead)).toBe(1);
    expect(count(liveServer)).toBe(1);
    expect(resolver.upstreams.circuitState(dead)).toBe('closed');
  });

  it('opens the dead upstream’s circuit after consecutive failures and then skips it', async () => {
    // distinct names, so each one is a cache miss (NXDOMAIN from the live upstream)
    expect(await dig(port, 'a.default.svc.example.test')).toContain('status: NXDOMAIN');
    expect(count(dead)).toBe(2);
    expect(resolver.upstreams.circuitState(dead)).toBe('open');
    expect(await dig(port, 'b.default.svc.example.test')).toContain('status: NXDOMAIN');
    expect(await dig(port, 'c.default.svc.example.test')).toContain('status: NXDOMAIN');
    expect(count(dead)).toBe(2);
    expect(count(liveServer)).toBe(4);
    expect(resolver.upstreams.circuitState(liveServer)).toBe('closed');
  });

  it('fails over to the next upstream when a working one goes down, and SERVFAILs when none is left', async () => {
    await live.stop();
    expect((await dig(port, '+short', 'web2.default.svc.example.test')).trim()).toBe('');
    expect(count(secondServer)).toBe(1);
    expect(
      (await dig(port, '+short', 'SRV', '_http._tcp.web.default.svc.example.test')).trim(),
    ).toBe('0 100 80 web.default.svc.example.test.');
    expect(count(secondServer)).toBe(2);
    await second.stop();
    expect(await dig(port, 'd.default.svc.example.test')).toContain('status: SERVFAIL');
  });
});
