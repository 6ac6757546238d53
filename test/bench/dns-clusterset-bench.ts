/**
 * clusterset.local propagation benchmark: the time from an EndpointSlice write at the federation
 * API server (etcd-backed, serving ServiceImports and EndpointSlices) to the resolver answering the
 * new address for `<svc>.<ns>.svc.clusterset.local`, over `changes` writes. Before each write the
 * old answer is cached, so the figure includes the informer's watch event and the cache drop.
 * Reports p50 and p99 against the goal of 1 s. Bounded: 5 s per change at most.
 * Run: `npx tsx test/bench/dns-clusterset-bench.ts [changes]`.
 */
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
import { ClusterSetSources, FederatedNames, Resolver, RouteTable } from '../../dns/index.js';
import { startApiHarness } from '../support/api-harness.js';
import { isMain, percentile, type BenchResult } from './bench-result.js';

const NAME = 'bench.default.svc.clusterset.local';
/** The goal: a change reaches answers within 1 s. */
const GOAL_MS = 1000;
const PER_CHANGE_LIMIT_MS = 5000;

function query(name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}

/** The A addresses the resolver answers for {@link NAME} now (cache hit or built). */
async function answer(r: Resolver): Promise<string[]> {
  const out = await r.handle(query(NAME), '127.0.0.1');
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

/** Runs `changes` slice updates and returns the p99 and p50 write-to-answer latencies. */
export async function runClusterSetBench(changes = 50): Promise<BenchResult[]> {
  const h = await startApiHarness({ resources: memberResourceTypes });
  const abort = new AbortController();
  const sources = new ClusterSetSources(h.client);
  let resolver: Resolver | undefined;
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
      routes: new RouteTable(),
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
    return [
      row('dns clusterset slice write→answer p50', 50),
      row('dns clusterset slice write→answer p99', 99),
    ];
  } finally {
    abort.abort();
    await sources.stopped();
    await h.stop();
  }
}

if (isMain(import.meta.url)) {
  runClusterSetBench(Number(process.argv[2] ?? 50)).then(
    (rows) => {
      for (const r of rows) {
        console.log(
          `${r.name.padEnd(46)} ${r.ours.toFixed(1)} ms (goal < ${String(r.reference)} ms)`,
        );
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
