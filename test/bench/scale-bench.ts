/**
 * The scale bench (issue #15): 50 member clusters of 10 hollow nodes each, 5,000 Deployments and
 * 5,000 ConfigMaps created at the federation, with the figures Karmada's SLOs are stated in.
 *
 * Topology (scale-members.ts): the federation's etcd, API server and controller manager as in
 * every local federation; each member one `flotilla-member` process (its own API server on its
 * own HTTPS port and CA, controller manager, scheduler, 10 hollow kubelets, cluster DNS), all
 * members sharing one etcd process under distinct key prefixes; joined with `flotilla join`.
 * Five processes per member (hack/lib/local-member.ts) would be ~300 processes for 50 members;
 * this is 54. Measured at 50 members: 220-275 MiB per member process (11.3 GiB in all), and the
 * idle members alone (hollow kubelets' sync loops and leases, controller resyncs) take about 1.2
 * of the 2 cores, which bounds what is left for the federation.
 *
 * Load (scale-load.ts): Cluster i carries `scale-cm=g<i/5>` and `scale-deploy=g<i/2>`; ConfigMap
 * j is Duplicated to the 5 members of ConfigMap group j mod 10, Deployment j (2 replicas) Divided
 * between the 2 members of Deployment group j mod 25, one policy per group and kind. Fan-out at
 * full size: 25,000 ConfigMap and 10,000 Deployment copies (each 1 replica: 10,000 hollow pods),
 * every member holding 500 ConfigMaps and 200 Deployments. Templates are created at a steady rate
 * (BENCH_SCALE_RATE per second, ConfigMaps and Deployments alternating), as Karmada's SLOs are
 * stated under a load the system sustains: a burst would measure its own queue.
 *
 * Figures:
 * - template → present p50/p90/p99: from just before the create request to the first moment the
 *   member watches show the object complete (scale-tracker.ts: a ConfigMap in all 5 members, a
 *   Deployment's replicas adding up to 2); an object never complete counts at the deadline;
 * - API write p99: every template create request during the load; API read p99: a GET of a random
 *   stored template every 100 ms while the creates run;
 * - RSS (VmRSS) at the end of the load: the federation's processes, the members' (max and sum);
 * - converge: the federation controller manager is killed with SIGKILL (the supervisor restarts it
 *   after 1 s), and 100 ConfigMaps and 100 Deployments are changed at once (1 % at full size); the
 *   time from the kill until every changed object is at its new revision in its members and every
 *   other object is still complete there. Under BENCH_CPU_PROF it is stopped with SIGTERM instead,
 *   so that its profile (`--cpu-prof`) is written; the figure's name says which.
 *
 * Not in the default `npm run bench` (starting 50 members alone takes 5-6 min on 2 busy cores; a
 * full run well over 10 min): `BENCH=scale npm run bench`, or
 * `npx tsx test/bench/scale-bench.ts` after `npm run build`. Knobs: BENCH_SCALE_MEMBERS (50),
 * BENCH_SCALE_OBJECTS (5000 per kind), BENCH_SCALE_NODES (10), BENCH_SCALE_RATE (20 templates/s);
 * members must be a multiple of 10 (the group sizes). BENCH_CPU_PROF=<dir> profiles the
 * federation's processes (not the members'); BENCH_KEEP_STATE=1 keeps the state folder. The run
 * stops when the machine's available memory falls under 3 GiB.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { repoRoot } from '../../hack/lib/repo-root.js';
import { isMain, percentile, printResults, type BenchResult } from './bench-result.js';
import { clientFor } from './federation-bench.js';
import { cpuSample, rssMiB, rssResults } from './process-rss.js';
import {
  changeObjects,
  createPaced,
  createPolicies,
  emptyOutcome,
  sampleReads,
  until,
  type ScaleLoad,
} from './scale-load.js';
import { startScaleFederation, type ScaleFederation } from './scale-members.js';
import { ScaleTracker } from './scale-tracker.js';

/** Sizes of the scale bench. */
export interface ScaleBenchOptions {
  /** Member clusters, a multiple of 10. @defaultValue 50 */
  members?: number;
  /** Templates per kind (ConfigMaps, Deployments). @defaultValue 5000 */
  objects?: number;
  /** Hollow nodes per member. @defaultValue 10 */
  nodes?: number;
  /** Templates created per second. @defaultValue 20 */
  rate?: number;
}

const CM_GROUP_SIZE = 5;
const DEPLOY_GROUP_SIZE = 2;
const MIN_AVAILABLE_MIB = 3 * 1024;
const CONTROLLER_MANAGER = 'federation-controller-manager';
/** The CPU sample taken before the load (printed to stderr). */
const IDLE_SAMPLE_MS = 15_000;

/** The sizes from BENCH_SCALE_MEMBERS, BENCH_SCALE_OBJECTS, BENCH_SCALE_NODES, BENCH_SCALE_RATE. */
export function scaleOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ScaleBenchOptions {
  const n = (v: string | undefined): number | undefined =>
    v === undefined ? undefined : Number(v);
  const o: ScaleBenchOptions = {};
  const members = n(env.BENCH_SCALE_MEMBERS);
  const objects = n(env.BENCH_SCALE_OBJECTS);
  const nodes = n(env.BENCH_SCALE_NODES);
  const rate = n(env.BENCH_SCALE_RATE);
  if (members !== undefined) o.members = members;
  if (objects !== undefined) o.objects = objects;
  if (nodes !== undefined) o.nodes = nodes;
  if (rate !== undefined) o.rate = rate;
  return o;
}

/** MemAvailable of the machine in MiB. */
function availableMiB(): number {
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : Infinity;
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const say = (s: string): void => void process.stderr.write(`scale bench: ${s}\n`);

/** Runs the scale bench (see the module comment). */
export async function runScaleBench(opts: ScaleBenchOptions = {}): Promise<BenchResult[]> {
  const size = {
    members: opts.members ?? 50,
    objects: opts.objects ?? 5000,
    nodes: opts.nodes ?? 10,
    rate: opts.rate ?? 20,
  };
  if (!(size.members > 0 && size.members % (CM_GROUP_SIZE * DEPLOY_GROUP_SIZE) === 0)) {
    throw new Error(
      `scale bench: BENCH_SCALE_MEMBERS must be a multiple of 10, got ${String(size.members)}`,
    );
  }
  const root = repoRoot(import.meta.url);
  if (!existsSync(join(root, 'dist', 'member', 'cmd', 'member.js'))) {
    throw new Error('scale bench: run `npm run build` first (it starts the built binaries)');
  }
  const state = mkdtempSync(join(tmpdir(), 'scale-state-'));
  const prof = process.env.BENCH_CPU_PROF;
  if (prof !== undefined) mkdirSync(resolve(prof), { recursive: true });
  say(`${JSON.stringify(size)}; state ${state}; load average ${load()}`);
  const scale = await startScaleFederation({
    root,
    state,
    members: size.members,
    nodes: size.nodes,
    groups: { cmGroupSize: CM_GROUP_SIZE, deployGroupSize: DEPLOY_GROUP_SIZE },
    ...(prof !== undefined
      ? { federationNodeOptions: `--cpu-prof --cpu-prof-dir=${resolve(prof)}` }
      : {}),
    log: say,
  });
  let failed = true;
  try {
    const results = await measure(
      scale,
      {
        objects: size.objects,
        rate: size.rate,
        cmGroups: size.members / CM_GROUP_SIZE,
        cmGroupSize: CM_GROUP_SIZE,
        deployGroups: size.members / DEPLOY_GROUP_SIZE,
      },
      prof !== undefined,
    );
    failed = false;
    return results;
  } finally {
    say(`load average at the end ${load()}`);
    await scale.local.stop();
    // a failed run keeps its logs; a good one keeps them only with BENCH_KEEP_STATE
    if (failed || process.env.BENCH_KEEP_STATE !== undefined) say(`state kept in ${state}`);
    else rmSync(state, { recursive: true, force: true });
  }
}

/** The load, its figures, the RSS, then the controller manager restart. */
async function measure(
  scale: ScaleFederation,
  l: ScaleLoad,
  profiling: boolean,
): Promise<BenchResult[]> {
  const fc = clientFor(scale.local.federation.adminKubeconfig);
  const reader = clientFor(scale.local.federation.adminKubeconfig);
  const members = scale.members.map((m) => ({
    name: m.name,
    client: clientFor(m.adminKubeconfig),
  }));
  const tracker = new ScaleTracker();
  const abort = new AbortController();
  let progress: () => string = () => 'starting';
  let ticks = 0;
  const guard = setInterval(() => {
    const mib = availableMiB();
    if (mib < MIN_AVAILABLE_MIB && !abort.signal.aborted) {
      abort.abort(new Error(`available memory ${mib.toFixed(0)} MiB < 3 GiB: run stopped`));
    }
    if (++ticks % 15 === 0) say(`${progress()}; available ${mib.toFixed(0)} MiB; load ${load()}`);
  }, 2000);
  try {
    tracker.start(members);
    await createPolicies(fc, l);
    // what the processes use with nothing to propagate (nodes' heartbeats, cluster probes)
    say(`CPU of ${String(IDLE_SAMPLE_MS / 1000)} s before the load:`);
    const idle = cpuSample(scale.local);
    await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
    idle();
    const out = emptyOutcome();
    const cpu = cpuSample(scale.local);
    progress = () => {
      const complete = [...out.created.keys()].filter((k) => tracker.doneAt(k, 1) !== undefined);
      return `${String(out.stored.length)} stored, ${String(complete.length)} complete`;
    };
    const creating = createPaced(fc, l, tracker, out, abort.signal);
    const readFailures: unknown[] = [];
    const reads = sampleReads(reader, out.stored, creating, readFailures);
    await creating;
    const readMs = await reads;
    for (const [what, errs] of [
      ['creates', out.failed],
      ['sampled GETs', readFailures],
    ] as const) {
      const first = errs[0];
      if (first !== undefined) {
        say(
          `${String(errs.length)} ${what} failed, the first: ${first instanceof Error ? first.message : inspect(first)}`,
        );
      }
    }
    const keys = [...out.created.keys()];
    await until(() => keys.every((k) => tracker.doneAt(k, 1) !== undefined), 300_000, abort.signal);
    const tEnd = performance.now();
    cpu();
    const t0 = Math.min(...out.created.values());
    const missing = keys.filter((k) => tracker.doneAt(k, 1) === undefined);
    if (missing.length > 0) {
      say(`${String(missing.length)} objects not complete in their members in time`);
    }
    const doneAt = (k: string): number => tracker.doneAt(k, 1) ?? tEnd;
    const latencies = keys.map((k) => doneAt(k) - (out.created.get(k) ?? 0));
    const lastDone = Math.max(...keys.map(doneAt));
    say(
      `load done in ${((tEnd - t0) / 1000).toFixed(0)} s; load average ${load()}; available ${availableMiB().toFixed(0)} MiB`,
    );
    const rss = [...rssResults(scale.local), ...memberRss(scale)];
    const converge = await restartConverge(scale, fc, tracker, keys, profiling, abort.signal);
    say(
      `watch streams re-opened ${String(tracker.reopened)}, member copies deleted ${String(tracker.deletions)}`,
    );
    const n = `${String(keys.length)} templates, ${String(members.length)} members`;
    const slo = (name: string, ms: number, goalMs: number, what: string): BenchResult => ({
      name,
      unit: 'ms',
      ours: ms,
      reference: goalMs,
      referenceName: what,
      ratio: ms / goalMs,
    });
    const present = (p: number): BenchResult =>
      slo(
        `scale template→present p${String(p)} (${n})`,
        percentile(latencies, p),
        2000,
        'Karmada SLO p99',
      );
    const presentRate = (keys.length - missing.length) / ((lastDone - t0) / 1000);
    return [
      present(50),
      present(90),
      present(99),
      {
        name: `scale templates complete per second (${n})`,
        unit: 'objs/s',
        ours: presentRate,
        reference: keys.length / (out.wallMs / 1000),
        referenceName: 'offered create rate',
        ratio: presentRate / (keys.length / (out.wallMs / 1000)),
      },
      slo(
        `scale API write p99 (${String(out.writeMs.length)} template creates, ${String(out.failed.length)} failed)`,
        percentile(out.writeMs, 99),
        1000,
        'SLO',
      ),
      slo(
        `scale API read p99 (${String(readMs.length)} sampled GETs, ${String(readFailures.length)} failed)`,
        percentile(readMs, 99),
        1000,
        'SLO',
      ),
      converge,
      ...rss,
    ];
  } finally {
    clearInterval(guard);
    await tracker.stop();
    fc.close();
    reader.close();
    for (const m of members) m.client.close();
  }
}

/**
 * Kills the federation controller manager (SIGKILL; SIGTERM when profiling), changes 1 % of the
 * objects (100 of each kind at most, 1 at least) and times until all is converged.
 */
async function restartConverge(
  scale: ScaleFederation,
  fc: ReturnType<typeof clientFor>,
  tracker: ScaleTracker,
  keys: string[],
  profiling: boolean,
  signal: AbortSignal,
): Promise<BenchResult> {
  const sig = profiling ? 'SIGTERM' : 'SIGKILL';
  const count = Math.max(1, Math.min(100, Math.floor(keys.length / 200)));
  const tKill = performance.now();
  scale.local.supervisor.kill(CONTROLLER_MANAGER, sig);
  const changed = await changeObjects(fc, count);
  const converged = (): boolean =>
    changed.every((k) => tracker.doneAt(k, 2) !== undefined) &&
    keys.every((k) => tracker.presentNow(k, 1));
  const ok = await until(converged, 300_000, signal);
  const seconds = (performance.now() - tKill) / 1000;
  const cm = scale.local.supervisor.list().find((p) => p.name === CONTROLLER_MANAGER);
  say(
    `converge after ${sig}: ${ok ? 'converged' : 'NOT converged'} in ${seconds.toFixed(1)} s; controller manager restarts ${String(cm?.restarts ?? 0)}, state ${cm?.state ?? '?'}`,
  );
  return {
    name: `scale converge after controller manager ${sig} (${String(2 * count)} changed)`,
    unit: 's',
    ours: seconds,
    reference: 60,
    referenceName: 'goal',
    ratio: seconds / 60,
  };
}

/** The members' processes: the largest and the sum, each vs the members' shared etcd. */
function memberRss(scale: ScaleFederation): BenchResult[] {
  const procs = scale.local.supervisor.list();
  const pid = (name: string): number | null => procs.find((p) => p.name === name)?.pid ?? null;
  const each = scale.members.map((m) => rssMiB(pid(m.process)));
  const etcd = rssMiB(pid(scale.membersEtcd));
  const line = (name: string, ours: number): BenchResult => ({
    name,
    unit: 'MiB',
    ours,
    reference: etcd,
    referenceName: 'the members’ shared etcd RSS',
    ratio: etcd > 0 ? ours / etcd : 0,
  });
  return [
    line('RSS member process max (one whole member)', Math.max(...each)),
    line(
      `RSS member processes sum (${String(each.length)})`,
      each.reduce((s, r) => s + r, 0),
    ),
  ];
}

if (isMain(import.meta.url)) printResults(await runScaleBench(scaleOptionsFromEnv()));
