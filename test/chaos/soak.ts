/**
 * `npm run soak` (issue #17): the chaos run's hollow local federation (3-member federation etcd,
 * two leader-elected controller managers, N one-node members, the resolver) under the chaos
 * workload (workload.ts) with no faults, for a long time. Samples the RSS (VmRSS) of every
 * supervised process every `--sample` seconds. Memory saws (GC, etcd's raft log between snapshots
 * and its history between compactions), so growth compares peaks: the highest sample of the last
 * `--window` of the run against the highest of the `--window` before the end of the warm-up.
 * The warm-up is 15 min by default: the stored Events reach their steady count after the Event
 * TTL (5 min), and etcd compacts every 5 min to the revision of 5 min before, so it holds 5 to
 * 10 min of history and is at its steady size only after TTL + 2 × retention; the 30 min after
 * that are the soak proper (measured: etcd's RSS still climbs until minute 12–15, then saws flat).
 * Prints a table per process (start, after warm-up, end, max, growth after
 * warm-up) and exits 1 when a process grew by more than `--max-growth` % after the warm-up,
 * restarted, or the invariants (invariants.ts) do not hold at the end; 2 on bad flags. Every API
 * server runs with `--event-ttl` (5 min by default, Kubernetes' is 1 h) so that the stored Events
 * reach their steady count within the run.
 *   npm run soak -- [--duration 45m] [--warmup 15m] [--window 5m] [--members 3] [--seed N]
 *     [--sample 30s] [--max-growth 20] [--interval-ms 500] [--event-ttl 5m] [--keep-state]
 *     [--csv rss.csv]
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import { isClusterReady } from '../../federation/scheduler/placement.js';
import { joinMembers, startLocalFederation } from '../../hack/lib/local-federation.js';
import { waitFor } from '../../hack/lib/ports.js';
import { repoRoot } from '../../hack/lib/repo-root.js';
import { mulberry32 } from './faults.js';
import { checkInvariants, type InvariantReport } from './invariants.js';
import { addResolver, clientOf } from './session.js';
import { Workload } from './workload.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '45m' },
    warmup: { type: 'string', default: '15m' },
    window: { type: 'string', default: '5m' },
    members: { type: 'string', default: '3' },
    seed: { type: 'string' },
    sample: { type: 'string', default: '30s' },
    'max-growth': { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '500' },
    'event-ttl': { type: 'string', default: '5m' },
    'keep-state': { type: 'boolean', default: false },
    csv: { type: 'string' },
  },
});
const fail = (msg: string): never => {
  console.error(`error: ${msg}`);
  process.exit(2);
};
/** `90`, `90s`, `5m`, `1h` → seconds. */
const seconds = (v: string | undefined, name: string): number => {
  const m = /^(\d+)(s|m|h)?$/.exec(v ?? '');
  if (!m) return fail(`--${name} must be a duration like 90s, 5m or 1h`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
};
const int = (v: string | undefined, name: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    fail(`--${name} must be an integer in ${String(min)}..${String(max)}`);
  }
  return n;
};
const durationS = seconds(values.duration, 'duration');
const warmupS = seconds(values.warmup, 'warmup');
const sampleS = Math.max(1, seconds(values.sample, 'sample'));
const windowS = seconds(values.window, 'window');
if (warmupS >= durationS) fail('--warmup must be shorter than --duration');
if (windowS < sampleS || windowS > warmupS) fail('--window must be within --sample..--warmup');
const members = int(values.members, 'members', 1, 5);
const maxGrowth = int(values['max-growth'], 'max-growth', 0, 1000);
const intervalMs = int(values['interval-ms'], 'interval-ms', 50, 60_000);
// checked here (a bad value would otherwise stop the API servers from starting)
const eventTtl = `${String(seconds(values['event-ttl'], 'event-ttl'))}s`;
const seed =
  values.seed === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : int(values.seed, 'seed', 0, 2 ** 32 - 1);

/** RSS samples of one process: seconds into the run → MiB. */
interface Series {
  samples: { at: number; mib: number }[];
  restarts: number;
}

/** The highest sample in (from, to]; undefined when there is none. */
function peak(s: Series, from: number, to: number): number | undefined {
  const xs = s.samples.filter((x) => x.at > from && x.at <= to).map((x) => x.mib);
  return xs.length === 0 ? undefined : Math.max(...xs);
}

function rssMiB(pid: number | null): number | undefined {
  if (pid === null) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(1)).padStart(8);

const root = repoRoot(import.meta.url);
const state = mkdtempSync(join(tmpdir(), 'flotilla-chaos-soak-'));
console.log(
  `soak: seed ${String(seed)}, ${String(members)} members, ${String(durationS)} s (warm-up ${String(warmupS)} s), RSS every ${String(sampleS)} s; state ${state}`,
);
const local = await startLocalFederation({
  root,
  state,
  members,
  nodes: 1,
  runtime: 'hollow',
  etcdMembers: 3,
  controllerManagers: 2,
  zone: 'flotilla.local',
  eventTtl,
  log: (l) => {
    if (l.startsWith('restart ')) console.log(`supervisor: ${l}`);
  },
});
const fed = clientOf(local.federation.adminKubeconfig, 5_000, 'flotilla-soak');
const memberClients = new Map(
  local.members.map((m) => [m.name, clientOf(m.adminKubeconfig, 10_000, 'flotilla-soak')]),
);
let ok = false;
let workload: Workload | undefined;
try {
  await joinMembers(local);
  await addResolver(local, root, state);
  await waitFor(
    'every member Ready at the federation',
    async () => {
      const cl = (await fed.resource<Cluster>(CLUSTERS).list()).items;
      return cl.length === members && cl.every(isClusterReady);
    },
    60_000,
    250,
  );
  const series = new Map<string, Series>();
  const sample = (at: number): void => {
    for (const p of local.supervisor.list()) {
      const v = rssMiB(p.pid);
      if (v === undefined) continue;
      if (values.csv !== undefined) {
        appendFileSync(values.csv, `${new Date().toISOString()},${p.name},${v.toFixed(1)}\n`);
      }
      const s = series.get(p.name) ?? { samples: [], restarts: 0 };
      s.samples.push({ at, mib: v });
      s.restarts = p.restarts;
      series.set(p.name, s);
    }
  };
  sample(0);
  workload = new Workload(fed, mulberry32(seed));
  await workload.setup(local.members.map((m) => m.name));
  const t0 = performance.now();
  workload.start(intervalMs);
  let warmedUp = false;
  for (let at = sampleS; at <= durationS; at += sampleS) {
    await sleep(Math.max(0, t0 + at * 1000 - performance.now()));
    const warm: boolean = !warmedUp && at >= warmupS;
    sample(at);
    warmedUp ||= warm;
    if (at % 300 === 0 || warm) {
      const total = [...series.values()].reduce((n, s) => n + (s.samples.at(-1)?.mib ?? 0), 0);
      console.log(
        `[+${String(at)}s]${warm ? ' warm-up over (baseline);' : ''} RSS total ${total.toFixed(0)} MiB, ops ${JSON.stringify(workload.stats)}`,
      );
    }
  }
  await workload.stop();
  let inv: InvariantReport = { checked: {}, violations: ['never checked'] };
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    inv = await checkInvariants({
      federation: fed,
      members: memberClients,
      ledger: workload.ledger,
      processes: local.supervisor.list(),
    }).catch((err: unknown) => ({
      checked: {},
      violations: [`check failed: ${err instanceof Error ? err.message : String(err)}`],
    }));
    if (inv.violations.length === 0) break;
    await sleep(2000);
  }
  console.log(`\n== soak summary (seed ${String(seed)}, ${String(durationS)} s) ==`);
  const ops = Object.entries(workload.stats).map(
    ([k, v]) => `${k} ${String(v.ok)}/${String(v.ok + v.failed)}`,
  );
  console.log(`operations (acknowledged/sent): ${ops.join(', ')}`);
  console.log(
    `${'process'.padEnd(34)} ${'start'.padStart(8)} ${'warm-up'.padStart(8)} ${'end'.padStart(8)} ${'max'.padStart(8)} ${'growth'.padStart(8)}  restarts`,
  );
  const grown: string[] = [];
  for (const [name, s] of series) {
    const before = peak(s, warmupS - windowS, warmupS);
    const last = peak(s, durationS - windowS, durationS);
    const growth =
      before !== undefined && last !== undefined ? ((last - before) / before) * 100 : undefined;
    if (growth === undefined || growth > maxGrowth || s.restarts > 0) grown.push(name);
    const g = growth === undefined ? '-' : `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %`;
    console.log(
      `${name.padEnd(34)} ${mib(s.samples[0]?.mib)} ${mib(s.samples.find((x) => x.at >= warmupS)?.mib)} ${mib(s.samples.at(-1)?.mib)} ${mib(peak(s, -1, durationS))} ${g.padStart(8)}  ${String(s.restarts)}`,
    );
  }
  console.log('invariants (objects checked):');
  for (const [k, n] of Object.entries(inv.checked)) console.log(`  ${k.padEnd(14)} ${String(n)}`);
  console.log(`violations: ${String(inv.violations.length)}`);
  for (const v of inv.violations.slice(0, 20)) console.log(`  ${v}`);
  console.log(
    grown.length === 0
      ? `RSS: no process grew by more than ${String(maxGrowth)} % after the warm-up`
      : `RSS: grew by more than ${String(maxGrowth)} % after the warm-up, restarted or not sampled: ${grown.join(', ')}`,
  );
  ok = grown.length === 0 && inv.violations.length === 0;
  console.log(ok ? 'PASS' : `FAIL (logs kept in ${state}/logs)`);
} finally {
  await workload?.stop();
  fed.close();
  for (const c of memberClients.values()) c.close();
  await local.stop();
  if (ok && !values['keep-state']) rmSync(state, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
