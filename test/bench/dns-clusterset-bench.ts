/**
 * clusterset.local propagation benchmark: the time from an EndpointSlice write at the federation
 * API server (etcd-backed, serving ServiceImports and EndpointSlices) to the resolver answering the
 * new address for `<svc>.<ns>.svc.clusterset.local`, over `changes` writes. Before each write the
 * old answer is cached, so the figure includes the informer's watch event and the cache drop.
 * Reports p50 and p99 against the goal of 1 s. Bounded: 5 s per change at most.
 *
 * Then the rate of cached clusterset.local answers (issue #15: federation-wide names, cached, at
 * the rate of other cache hits): dnsperf `-c 10` against the same resolver (listening, in this
 * process) for that one clusterset name, and for one name of a member zone it forwarded once to a
 * cluster DNS and cached, in interleaved rounds; the ratio is clusterset ÷ member-zone hits.
 * Run: `npx tsx test/bench/dns-clusterset-bench.ts [changes] [seconds]`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import dns2 from 'dns2';
import {
  ENDPOINTSLICES,
  LABEL_MCS_SERVICE_NAME,
  LABEL_MCS_SOURCE_CLUSTER,
  memberResourceTypes,
  SERVICEIMPORTS,
  type EndpointSlice,
} from '../../api/index.js';
import {
  ClusterDnsServer,
  ClusterSetSources,
  FederatedNames,
  Resolver,
  RouteTable,
  StaticCatalog,
} from '../../dns/index.js';
import { startApiHarness } from '../support/api-harness.js';
import { isMain, percentile, printResults, type BenchResult } from './bench-result.js';
import { BENCH_ZONE, benchServices } from './cluster-dns-bench-worker.js';
import { dnsperf, median } from './dns-bench-tools.js';
import { rawAQuery } from '../../dns/wire/raw-query.js';

const NAME = 'bench.default.svc.clusterset.local';
/** The goal: a change reaches answers within 1 s. */
const GOAL_MS = 1000;
const PER_CHANGE_LIMIT_MS = 5000;

/** The A addresses the resolver answers for {@link NAME} now (cache hit or built). */
async function answer(r: Resolver): Promise<string[]> {
  const out = await r.handle(rawAQuery(NAME), '127.0.0.1');
  if (!out) return [];
  return dns2.Packet.parse(out).answers.map((a) => (a as { address: string }).address);
}

function slice(ip: string, resourceVersion?: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'bench-m1',
      namespace: 'default',
      labels: { [LABEL_MCS_SERVICE_NAME]: 'bench', [LABEL_MCS_SOURCE_CLUSTER]: 'm1' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

/**
 * dnsperf `-c 10` rate of `resolver` (listening) answering {@link NAME} from its cache vs answering
 * a member-zone name from its cache (routed to a cluster DNS started here), `rounds` interleaved
 * rounds of `seconds` each per side.
 */
async function cachedRate(
  resolver: Resolver,
  table: RouteTable,
  seconds: number,
  rounds: number,
): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dns-clusterset-bench-'));
  const svc = benchServices()[0];
  const cluster = new ClusterDnsServer({
    zone: BENCH_ZONE,
    catalog: new StaticCatalog(svc ? [svc] : [], []),
    ttl: 3600,
  });
  try {
    const c = await cluster.start();
    const { port } = resolver.address;
    const fed = join(dir, 'clusterset.txt');
    const member = join(dir, 'member.txt');
    await writeFile(fed, `${NAME} A\n`);
    await writeFile(member, `${svc?.metadata.name ?? ''}.default.svc.${BENCH_ZONE} A\n`);
    const routes = [{ zone: BENCH_ZONE, servers: [`127.0.0.1:${String(c.port)}`] }];
    table.set(routes);
    const load = { clients: 10, outstanding: 100 };
    for (const f of [fed, member]) await dnsperf(port, f, dir, load, { passes: 1, timeout: 1 });
    const ours: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const run = async (f: string, into: number[]): Promise<void> => {
        into.push((await dnsperf(port, f, dir, load, { seconds, timeout: 1 })).qps);
      };
      if (i % 2) await run(member, ref);
      await run(fed, ours);
      if (i % 2 === 0) await run(member, ref);
    }
    return {
      name: 'dns clusterset cached QPS, dnsperf -c 10',
      unit: 'qps',
      ours: median(ours),
      reference: median(ref),
      referenceName: 'member-zone cache hits',
      ratio: median(ours.map((q, i) => q / (ref[i] ?? q))),
    };
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `changes` slice updates and returns the p99 and p50 write-to-answer latencies, then the
 * cached clusterset rate against other cache hits ({@link cachedRate}: `rounds` of `seconds`).
 */
export async function runClusterSetBench(
  changes = 50,
  rate: { seconds: number; rounds: number } = { seconds: 2, rounds: 3 },
): Promise<BenchResult[]> {
  const h = await startApiHarness({ resources: memberResourceTypes });
  const abort = new AbortController();
  const sources = new ClusterSetSources(h.client);
  let resolver: Resolver | undefined;
  const routes = new RouteTable();
  try {
    await h.client.resource(SERVICEIMPORTS, 'default').create({
      apiVersion: 'multicluster.x-k8s.io/v1alpha1',
      kind: 'ServiceImport',
      metadata: { name: 'bench' },
      spec: { type: 'Headless', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    });
    const slices = h.client.resource<EndpointSlice>(ENDPOINTSLICES, 'default');
    let current = await slices.create(slice('127.0.200.1'));
    await sources.start(abort.signal);
    // a long TTL: without the cache drop on change, every answer would stay stale for an hour
    resolver = new Resolver({
      routes,
      federated: new FederatedNames({
        federation: 'fleet',
        zone: 'flotilla.local',
        ttl: 3600,
        catalog: { endpoints: () => Promise.resolve([]) },
        clusterset: sources,
      }),
    });
    const samples: number[] = [];
    for (let i = 0; i < changes; i++) {
      const ip = `127.0.${String(201 + Math.floor(i / 250))}.${String((i % 250) + 1)}`;
      await answer(resolver); // the old answer is cached
      const start = performance.now();
      current = await slices.update(slice(ip, current.metadata.resourceVersion));
      for (;;) {
        const got = await answer(resolver);
        const ms = performance.now() - start;
        if (got.length === 1 && got[0] === ip) {
          samples.push(ms);
          break;
        }
        if (ms > PER_CHANGE_LIMIT_MS) throw new Error(`change ${String(i)} not answered in 5 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const row = (name: string, p: number): BenchResult => {
      const ours = percentile(samples, p);
      return {
        name,
        unit: 'ms',
        ours,
        reference: GOAL_MS,
        referenceName: 'goal',
        ratio: ours / GOAL_MS,
      };
    };
    await resolver.start();
    return [
      row('dns clusterset slice write→answer p50', 50),
      row('dns clusterset slice write→answer p99', 99),
      await cachedRate(resolver, routes, rate.seconds, rate.rounds),
    ];
  } finally {
    await resolver?.stop();
    abort.abort();
    await sources.stopped();
    await h.stop();
  }
}

if (isMain(import.meta.url)) {
  const rate = { seconds: Number(process.argv[3] ?? 2), rounds: 3 };
  runClusterSetBench(Number(process.argv[2] ?? 50), rate).then(printResults, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
