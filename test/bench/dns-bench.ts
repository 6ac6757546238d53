/**
 * DNS benchmark: dnsperf (Debian) against dnsmasq (Debian) and against ours, same names, same
 * query file, same dnsperf settings, same run, in interleaved rounds (each pair back to back,
 * alternating which side goes first). The rows of issue #15:
 *  - "resolver cache hits" (`resolver`): the built `flotilla-resolver` (one process) with every
 *    name cached, vs dnsmasq forwarding the same zone to the same cluster DNS with every name
 *    cached; dnsperf `-c 10` and `-c 1` (its other settings at their defaults, `-q 100`), each
 *    with the rate, the average and the p99 latency of both sides.
 *  - "resolver misses" (`miss`): every query forwarded to the member cluster DNS: the same
 *    resolver and a second dnsmasq forwarding zone `member2.local` to a cluster DNS that answers
 *    with TTL 0 (our resolver caches nothing of TTL 0) and dnsmasq started with `--cache-size=0`;
 *    that both forwarded every query is checked at the cluster DNS's counter. dnsperf `-c 10`.
 *  - "cluster DNS authoritative" (`cluster-dns`): our ClusterDnsServer (in this process) answering
 *    from its catalog vs dnsmasq's cache hits (the warmed forwarding dnsmasq). dnsperf `-c 10`.
 *  - "resolver, 2 workers" (`workers`): `flotilla-resolver --workers 2` (SO_REUSEPORT, a cache per
 *    worker), warmed, vs the warmed forwarding dnsmasq. dnsperf `-c 10`.
 *  - "cluster-dns, 2 workers" (`cluster-dns-workers`): two processes serving the same catalog on
 *    one port (test/bench/cluster-dns-bench-worker.ts) vs dnsmasq's cache hits. dnsperf `-c 10`.
 * Run: `npx tsx test/bench/dns-bench.ts [seconds]`; `DNS_BENCH_CASES=resolver,miss` (comma list of
 * the case names above) measures only those; `BENCH_CPU_PROF=<dir>` writes a CPU profile of the
 * resolver process there when it stops (summarise with test/bench/cpu-profile-summary.ts).
 */
import { type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterDnsServer, StaticCatalog } from '../../dns/index.js';
import { isMain, printResults, type BenchResult } from './bench-result.js';
import { BENCH_ZONE, benchServices } from './cluster-dns-bench-worker.js';
import {
  answered,
  dnsperf,
  median,
  startDnsmasq,
  type DnsperfLoad,
  type DnsperfRun,
} from './dns-bench-tools.js';
import { startClusterDnsWorkers, startResolver, stopChild } from './dns-bench-processes.js';

/** The zone of the misses case: its cluster DNS answers with TTL 0. */
const MISS_ZONE = 'member2.local';
/** Cluster DNS worker processes of the `cluster-dns-workers` case. */
const CLUSTER_DNS_WORKERS = 2;
/** Interleaved dnsperf rounds per server by default; see {@link runDnsBench}. */
const ROUNDS = 3;
/** Every case, in the order they are measured in each round. */
export const DNS_BENCH_CASES = [
  'resolver',
  'miss',
  'cluster-dns',
  'workers',
  'cluster-dns-workers',
];

const C10: DnsperfLoad = { clients: 10, outstanding: 100 };
const C1: DnsperfLoad = { clients: 1, outstanding: 100 };

/** What {@link runDnsBench} measures and for how long (the quick mode of run-all.ts: tiny). */
export interface DnsBenchOptions {
  /** dnsperf seconds per server and setting, over all rounds. @defaultValue 5 */
  seconds?: number;
  /** Interleaved rounds. @defaultValue 3 */
  rounds?: number;
  /** Of {@link DNS_BENCH_CASES}. @defaultValue all */
  cases?: ReadonlySet<string>;
  /**
   * dnsperf's wait for an unanswered query (`-t`, seconds): dnsmasq drops a few queries of a
   * burst, and each run then waits this long after its time limit. @defaultValue dnsperf's (5)
   */
  queryTimeout?: number;
  /** Directory for a CPU profile of the resolver process (`--cpu-prof`), written when it stops. */
  cpuProfDir?: string;
}

/** One measured pair: our server and the reference, under one dnsperf load. */
interface Pair {
  /** Row name prefix, e.g. `dns resolver cache-hit`. */
  name: string;
  /** Suffix naming the load, e.g. `-c 10`. */
  load: DnsperfLoad;
  file: string;
  ours: number;
  reference: number;
  /** Also print the average and p99 latency rows. */
  latency: boolean;
}

/**
 * Rows of dnsperf rate (and, where asked, average and p99 latency) of our DNS servers against
 * dnsmasq, measured in the same run: `rounds` interleaved rounds of `seconds / rounds` each per
 * server and pair (rounded to whole seconds when that is at least 1 s). Figures are medians over
 * the rounds; a ratio is the median of the per-round ratios.
 */
export async function runDnsBench(opts: DnsBenchOptions = {}): Promise<BenchResult[]> {
  const seconds = opts.seconds ?? 5;
  const rounds = opts.rounds ?? ROUNDS;
  const cases = opts.cases ?? new Set(DNS_BENCH_CASES);
  for (const c of cases) {
    if (!DNS_BENCH_CASES.includes(c)) throw new Error(`unknown DNS bench case ${c}`);
  }
  const timeout = opts.queryTimeout;
  const dir = await mkdtemp(join(tmpdir(), 'dns-bench-'));
  const svcs = benchServices();
  // shuffled so that neither server benefits from ordering
  const order = svcs.map((_, i) => i).sort(() => Math.random() - 0.5);
  const queryFile = async (zone: string): Promise<string> => {
    const file = join(dir, `${zone}.txt`);
    const names = order.map((i) => `${svcs[i]?.metadata.name ?? ''}.default.svc.${zone}`);
    await writeFile(file, names.map((n) => `${n} A`).join('\n') + '\n');
    return file;
  };
  const file = await queryFile(BENCH_ZONE);
  const missFile = await queryFile(MISS_ZONE);
  const probe = `svc-0.default.svc.${BENCH_ZONE}`;
  const catalog = new StaticCatalog(svcs, []);
  const cluster = new ClusterDnsServer({ zone: BENCH_ZONE, catalog, ttl: 3600 });
  const missCluster = new ClusterDnsServer({ zone: MISS_ZONE, catalog, ttl: 0 });
  const children: ChildProcess[] = [];
  try {
    const c = await cluster.start();
    const mc = await missCluster.start();
    const route = (zone: string, port: number): { zone: string; server: string } => ({
      zone,
      server: `127.0.0.1#${String(port)}`,
    });
    const routeFlag = (zone: string, port: number): string => `${zone}=127.0.0.1:${String(port)}`;
    const needResolver = cases.has('resolver') || cases.has('miss');
    // started together: on a busy machine each Node process takes a second or more to start
    const [masq, missMasq, resolver, workers, dnsWorkers] = await Promise.all([
      startDnsmasq([route(BENCH_ZONE, c.port)], 10_000, probe),
      cases.has('miss')
        ? startDnsmasq([route(MISS_ZONE, mc.port)], 0, `svc-0.default.svc.${MISS_ZONE}`)
        : undefined,
      needResolver
        ? startResolver(
            1,
            [routeFlag(BENCH_ZONE, c.port), routeFlag(MISS_ZONE, mc.port)],
            opts.cpuProfDir,
          )
        : undefined,
      cases.has('workers') ? startResolver(2, [routeFlag(BENCH_ZONE, c.port)]) : undefined,
      cases.has('cluster-dns-workers') ? startClusterDnsWorkers(CLUSTER_DNS_WORKERS) : undefined,
    ]);
    children.push(masq.child);
    for (const p of [missMasq, resolver, workers]) if (p) children.push(p.child);
    children.push(...(dnsWorkers?.children ?? []));
    await answered(c.port, probe);
    const warm = Math.min(1, seconds);
    // fill the caches and answer tables (not measured): dnsmasq, the resolver and each worker
    await dnsperf(masq.port, file, dir, C10, { passes: 2, timeout });
    if (resolver) await dnsperf(resolver.port, file, dir, C10, { passes: 2, timeout });
    if (workers) await dnsperf(workers.port, file, dir, C10, { seconds: warm, timeout });
    if (dnsWorkers) await dnsperf(dnsWorkers.port, file, dir, C10, { seconds: warm, timeout });
    const pairs: Pair[] = [];
    const pair = (p: Omit<Pair, 'file' | 'reference'> & Partial<Pair>): void => {
      pairs.push({ file, reference: masq.port, ...p });
    };
    if (resolver && cases.has('resolver')) {
      const base = { name: 'dns resolver cache-hit', ours: resolver.port, latency: true };
      pair({ ...base, load: C10 });
      pair({ ...base, load: C1 });
    }
    if (resolver && missMasq) {
      pair({
        name: 'dns resolver miss (forwarded)',
        load: C10,
        file: missFile,
        ours: resolver.port,
        reference: missMasq.port,
        latency: true,
      });
    }
    if (cases.has('cluster-dns')) {
      pair({ name: 'dns cluster-dns authoritative', load: C10, ours: c.port, latency: false });
    }
    if (workers) {
      pair({
        name: 'dns resolver 2 workers cache-hit',
        load: C10,
        ours: workers.port,
        latency: false,
      });
    }
    if (dnsWorkers) {
      const name = `dns cluster-dns ${String(CLUSTER_DNS_WORKERS)} workers auth`;
      pair({ name, load: C10, ours: dnsWorkers.port, latency: false });
    }
    const perRound = seconds < rounds ? seconds / rounds : Math.round(seconds / rounds);
    const runs = pairs.map(() => ({ ours: [] as DnsperfRun[], reference: [] as DnsperfRun[] }));
    const missQueriesBefore = missCluster.metrics.requestsByType.get(1) ?? 0;
    let missCompleted = 0;
    for (let round = 0; round < rounds; round++) {
      for (const [i, p] of pairs.entries()) {
        const sides = (['ours', 'reference'] as const).slice();
        // alternate which side goes first, so a slow spell of the machine hits both alike
        if ((round + i) % 2) sides.reverse();
        for (const side of sides) {
          const r = await dnsperf(p[side], p.file, dir, p.load, { seconds: perRound, timeout });
          runs[i]?.[side].push(r);
          if (p.file === missFile) missCompleted += r.completed;
        }
      }
    }
    if (cases.has('miss')) {
      const forwarded = (missCluster.metrics.requestsByType.get(1) ?? 0) - missQueriesBefore;
      // both sides must have forwarded (nearly) every query: nothing served from a cache
      if (forwarded < missCompleted * 0.99) {
        throw new Error(
          `misses case: ${String(forwarded)} queries reached the cluster DNS for ${String(missCompleted)} answered`,
        );
      }
    }
    return pairs.flatMap((p, i) => rows(p, runs[i]?.ours ?? [], runs[i]?.reference ?? []));
  } finally {
    await Promise.all(children.map((ch) => stopChild(ch)));
    await cluster.stop();
    await missCluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows of one pair: QPS, and with `latency` the average and p99 latency (ms). */
function rows(p: Pair, ours: DnsperfRun[], reference: DnsperfRun[]): BenchResult[] {
  const load = `dnsperf -c ${String(p.load.clients)}`;
  const row = (what: string, unit: string, pick: (r: DnsperfRun) => number): BenchResult => ({
    name: `${p.name} ${what}, ${load}`,
    unit,
    ours: median(ours.map(pick)),
    reference: median(reference.map(pick)),
    referenceName: 'dnsmasq',
    ratio: median(ours.map((r, k) => pick(r) / pick(reference[k] ?? r))),
  });
  return [
    row('QPS', 'qps', (r) => r.qps),
    ...(p.latency
      ? [row('avg latency', 'ms', (r) => r.avgMs), row('p99 latency', 'ms', (r) => r.p99Ms)]
      : []),
  ];
}

if (isMain(import.meta.url)) {
  const cases = process.env.DNS_BENCH_CASES;
  const prof = process.env.BENCH_CPU_PROF;
  runDnsBench({
    seconds: Number(process.argv[2] ?? 5),
    ...(cases ? { cases: new Set(cases.split(',')) } : {}),
    ...(prof ? { cpuProfDir: prof } : {}),
  }).then(printResults, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
