/**
 * Federation benchmark on the real topology: the local federation as separate processes
 * (hack/lib/local-federation.ts: one etcd per cluster, the federation API server and controller
 * manager, per member its API server, controller manager, one hollow kubelet and the cluster
 * DNS), 3 members (by default) joined with the CLI's `join` as hack/local-up.ts does. Measures
 * propagation throughput (ConfigMaps per second into the members) and p50/p99 latency from apply
 * at the federation to present in all members, next to raw etcd put throughput (npm etcd3, the same
 * number of objects × members, against the federation's own etcd with its client TLS) measured
 * in the same run; then each process's RSS. An object counts from just before its create request
 * to the first ADDED event of its copy in the last of the members (member watches); the
 * rate runs to the last such arrival. Before the burst, a few objects go one at a time (their
 * latency without queueing). Needs the build (`npm run build`; `npm run bench` builds).
 * BENCH_CPU_PROF=<dir> writes a CPU profile of every component process there (on shutdown);
 * BENCH_KEEP_STATE=1 keeps the state folder (logs, audit logs).
 */
import { Etcd3 } from 'etcd3';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIGMAPS } from '../../api/index.js';
import { CLUSTERS, PROPAGATION_POLICIES, type Cluster } from '../../federation/apis/index.js';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { WatchEvent } from '../../machinery/meta.js';
import type { EtcdClientTls } from '../../hack/lib/etcd-cluster.js';
import {
  startLocalFederation,
  type LocalFederation,
  joinMembers,
} from '../../hack/lib/local-federation.js';
import { waitFor } from '../../hack/lib/ports.js';
import { repoRoot } from '../../hack/lib/repo-root.js';
import { isMain, percentile, pool, printResults, type BenchResult } from './bench-result.js';
import { cpuSample, rssResults } from './process-rss.js';

const MEMBERS = 3;
/** Creates in flight at the federation at once. */
const CREATE_CONCURRENCY = 25;
/** Raw etcd puts in flight at once (the reference). */
const PUT_CONCURRENCY = 50;
/** Objects created one at a time (each waited for in all members) before the burst (default). */
const SINGLES = 20;
const CM_DATA = { k: 'v'.repeat(64) };

/** Raw etcd puts per second: `n` ConfigMap-sized values, then the keys are removed. */
async function rawEtcdPutRate(endpoints: string[], tls: EtcdClientTls, n: number): Promise<number> {
  const raw = new Etcd3({
    hosts: endpoints,
    credentials: {
      rootCertificate: Buffer.from(tls.ca),
      certChain: Buffer.from(tls.cert),
      privateKey: Buffer.from(tls.key),
    },
  });
  try {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'bench' },
      data: CM_DATA,
    });
    await raw.put('/rawbench/warmup').value(body).exec();
    const t0 = performance.now();
    await pool(n, PUT_CONCURRENCY, async (i) => {
      await raw
        .put(`/rawbench/${String(i)}`)
        .value(body)
        .exec();
    });
    const rate = n / ((performance.now() - t0) / 1000);
    await raw.delete().prefix('/rawbench/').exec();
    return rate;
  } finally {
    raw.close();
  }
}

/** A client of the kubeconfig's cluster, with the bench's user agent. */
export const clientFor = (kubeconfig: string): RestClient =>
  new RestClient({
    ...clientOptionsFor(loadKubeconfig(kubeconfig)),
    userAgent: 'flotilla-bench',
  });

/** Sizes of the federation benchmark (the quick mode of run-all.ts passes tiny ones). */
export interface FederationBenchOptions {
  /** Objects created in the burst. @defaultValue 300 */
  count?: number;
  /** Objects created one at a time before the burst. @defaultValue 20 */
  singles?: number;
  /**
   * Hollow members joined, each 5 processes (etcd, API server, controller manager, kubelet,
   * cluster DNS). @defaultValue 3
   */
  members?: number;
}

/**
 * Runs the federation benchmark: `singles` objects one at a time, then `count` objects in a burst,
 * into `members` hollow members.
 */
export async function runFederationBench(
  opts: FederationBenchOptions = {},
): Promise<BenchResult[]> {
  const size = {
    count: opts.count ?? 300,
    singles: opts.singles ?? SINGLES,
    members: opts.members ?? MEMBERS,
  };
  const root = repoRoot(import.meta.url);
  if (!existsSync(join(root, 'dist', 'federation', 'cmd', 'federation-apiserver.js'))) {
    throw new Error('federation bench: run `npm run build` first (it starts the built binaries)');
  }
  const state = mkdtempSync(join(tmpdir(), 'flotilla-bench-fed-'));
  const prof = process.env.BENCH_CPU_PROF;
  const savedNodeOptions = process.env.NODE_OPTIONS;
  const restoreNodeOptions = (): void => {
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = savedNodeOptions;
  };
  if (prof !== undefined) {
    mkdirSync(resolve(prof), { recursive: true });
    // the supervisor hands its environment to every process it starts
    process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --cpu-prof --cpu-prof-dir=${resolve(prof)}`;
  }
  let local: LocalFederation | undefined;
  try {
    local = await startLocalFederation({
      root,
      state,
      members: size.members,
      nodes: 1,
      runtime: 'hollow',
      zone: 'flotilla.local',
    });
    restoreNodeOptions();
    const fedEtcd = local.federation.etcd;
    // reference: raw etcd puts of the same objects, one per (object, member)
    const rawRate = await rawEtcdPutRate(fedEtcd.endpoints, fedEtcd.tls, size.count * size.members);
    await joinMembers(local);
    const results = await propagate(local, size, rawRate);
    const rss = rssResults(local);
    await local.stop();
    if (process.env.BENCH_KEEP_STATE === undefined) rmSync(state, { recursive: true, force: true });
    else process.stderr.write(`federation bench: state kept in ${state}\n`);
    return [...results, ...rss];
  } catch (err) {
    restoreNodeOptions();
    await local?.stop();
    process.stderr.write(`federation bench failed; logs kept in ${state}/logs\n`);
    throw err;
  }
}

/** Waits for the members to be Ready, then creates the policy and the ConfigMaps and times them. */
async function propagate(
  local: LocalFederation,
  size: Required<FederationBenchOptions>,
  rawRate: number,
): Promise<BenchResult[]> {
  const { count, singles, members } = size;
  const fc = clientFor(local.federation.adminKubeconfig);
  const mcs = local.members.map((m) => clientFor(m.adminKubeconfig));
  try {
    await waitFor(
      `${String(members)} Ready clusters`,
      async () => {
        const cl = (await fc.resource(CLUSTERS).list()).items as Cluster[];
        return (
          cl.length === members &&
          cl.every((c) =>
            c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
          )
        );
      },
      60_000,
      200,
    );
    await fc.resource(PROPAGATION_POLICIES, 'default').create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'all-cm' },
      spec: {
        resourceSelectors: [
          { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: { matchLabels: { bench: 'yes' } } },
        ],
        placement: {},
      },
    });
    // first arrival time per object per member, from member watches
    const arrivals = new Map<string, Map<number, number>>();
    const arrived = (n: string): number => arrivals.get(n)?.size ?? 0;
    const watches = mcs.map((c) =>
      c.resource(CONFIGMAPS, 'default').watch({ labelSelector: 'bench=yes' }),
    );
    const pumps = watches.map(async (w, i) => {
      for await (const ev of w as AsyncIterable<WatchEvent>) {
        if (ev.type !== 'ADDED') continue;
        const n = ev.object.metadata.name ?? '';
        const per = arrivals.get(n) ?? new Map<number, number>();
        if (!per.has(i)) per.set(i, performance.now());
        arrivals.set(n, per);
      }
    });
    const cc = fc.resource(CONFIGMAPS, 'default');
    const create = async (name: string): Promise<void> => {
      await cc.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels: { bench: 'yes' } },
        data: CM_DATA,
      });
    };
    // unloaded: one object at a time, the pipeline's own latency (no queueing behind a burst)
    const single: number[] = [];
    for (let i = 0; i < singles; i++) {
      const name = `one-${String(i)}`;
      const t = performance.now();
      await create(name);
      const all = (): Promise<boolean> => Promise.resolve(arrived(name) >= members);
      await waitFor(`${name} in all members`, all, 30_000, 5);
      single.push(Math.max(...(arrivals.get(name)?.values() ?? [])) - t);
    }
    const created = new Map<string, number>();
    const cpu = cpuSample(local);
    const t0 = performance.now();
    await pool(count, CREATE_CONCURRENCY, async (i) => {
      const name = `cm-${String(i)}`;
      created.set(name, performance.now());
      await create(name);
    });
    const deadline = Date.now() + 240_000;
    while ([...created.keys()].some((n) => arrived(n) < members) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const timedOut = performance.now();
    cpu();
    for (const w of watches) w.stop();
    await Promise.allSettled(pumps);
    // an object is done when its last member copy arrived; one still missing counts as arriving
    // at the deadline (never dropped from the figures)
    const doneAt = (n: string): number =>
      arrived(n) >= members ? Math.max(...(arrivals.get(n)?.values() ?? [])) : timedOut;
    const missing = [...created.keys()].filter((n) => arrived(n) < members);
    if (missing.length > 0) {
      process.stderr.write(
        `federation bench: ${String(missing.length)} of ${String(count)} objects not in all members within the deadline\n`,
      );
    }
    const latencies = [...created].map(([n, t]) => doneAt(n) - t);
    const done = Math.max(...[...created.keys()].map(doneAt));
    const rate = ((count - missing.length) * members) / ((done - t0) / 1000);
    const perObject = 1000 / rawRate;
    const latency = (p: number): BenchResult => ({
      name: `propagation p${String(p)} apply → present in all members`,
      unit: 'ms',
      ours: percentile(latencies, p),
      reference: perObject,
      referenceName: 'raw etcd put (per object)',
      ratio: percentile(latencies, p) / perObject,
    });
    return [
      {
        name: `propagation: ${String(count)} ConfigMaps into ${String(members)} member${members === 1 ? '' : 's'}`,
        unit: 'objs/s',
        ours: rate,
        reference: rawRate,
        referenceName: 'raw etcd put',
        ratio: rate / rawRate,
      },
      latency(50),
      latency(99),
      {
        name: `propagation p50 one at a time (${String(singles)} objects)`,
        unit: 'ms',
        ours: percentile(single, 50),
        reference: perObject,
        referenceName: 'raw etcd put (per object)',
        ratio: percentile(single, 50) / perObject,
      },
    ];
  } finally {
    fc.close();
    for (const c of mcs) c.close();
  }
}

if (isMain(import.meta.url)) printResults(await runFederationBench());
