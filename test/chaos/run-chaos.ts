/**
 * One chaos run (issue #17), shared by `npm run chaos` (test/chaos/chaos.ts) and the e2e test
 * (test/e2e/chaos.test.ts): a hollow local federation (3-member federation etcd, two
 * leader-elected controller managers, N members of one node each, optionally the resolver), the
 * members joined with the CLI, a steady workload (workload.ts) while a seeded fault schedule runs
 * (faults.ts), then a bounded wait for convergence and the invariants (invariants.ts).
 * No promotion service, registries or redis: this first cut leaves them out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import { isClusterReady } from '../../federation/scheduler/placement.js';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import {
  startLocalFederation,
  type LocalFederation,
  joinMembers,
} from '../../hack/lib/local-federation.js';
import { waitFor } from '../../hack/lib/ports.js';
import { repoRoot } from '../../hack/lib/repo-root.js';
import { resolverProcess } from '../../hack/lib/resolver-process.js';
import { mulberry32, planFaults, runFaults, type FaultKind, type FaultRecord } from './faults.js';
import { checkInvariants, type InvariantReport } from './invariants.js';
import { Workload, type OpStats } from './workload.js';

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  seed: number;
  members: number;
  durationS: number;
  faults: readonly FaultKind[];
  /** Bound of the convergence wait after the run. @defaultValue 120 */
  convergeS?: number;
  /** How long a whole member is held down. @defaultValue 40 (the health window is ~15 s) */
  memberDownS?: number;
  /** How long the federation etcd member is held down. @defaultValue 10 */
  etcdDownS?: number;
  /** One workload operation this often. @defaultValue 500 */
  intervalMs?: number;
  /** Progress lines. @defaultValue console.log */
  log?: (line: string) => void;
  /** Keep the state folder (logs) even when every invariant holds. */
  keepState?: boolean;
}

/** RSS of one process at the start and the end of the run (MiB). */
export interface RssRow {
  name: string;
  startMiB: number;
  endMiB: number;
  /** Automatic restarts by the supervisor during the run. */
  restarts: number;
}

/** The outcome of a run. */
export interface ChaosReport {
  seed: number;
  state: string;
  faults: FaultRecord[];
  ops: OpStats;
  invariants: InvariantReport;
  /** First clean check after the last fault ended (ms); undefined when it never converged. */
  convergedAfterLastFaultMs: number | undefined;
  /** The violations of the first check after the workload stopped (what was still settling). */
  firstCheck: string[];
  /** The same, from the end of the workload. */
  convergedAfterWorkloadMs: number | undefined;
  rss: RssRow[];
  ok: boolean;
}

function rssMiB(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const rssNow = (local: LocalFederation): Map<string, number> =>
  new Map(local.supervisor.list().map((p) => [p.name, rssMiB(p.pid)]));

const clientOf = (kubeconfig: string, timeoutMs: number): RestClient =>
  new RestClient({
    ...clientOptionsFor(loadKubeconfig(kubeconfig)),
    userAgent: 'flotilla-chaos',
    timeoutMs,
  });

/** Starts the resolver (one worker) under the supervisor, reading Clusters from the federation. */
async function addResolver(local: LocalFederation, root: string, state: string): Promise<void> {
  const dns = await resolverProcess({
    root,
    kubeconfig: local.federation.adminKubeconfig,
    context: 'federation',
    federation: 'fleet',
    zone: 'flotilla.local',
    clientClusters: local.members.map((m, i) => `127.0.${String(101 + i)}.0/24=${m.name}`),
    workers: 1,
    logFile: join(state, 'logs', 'resolver.log'),
  });
  await local.supervisor.add(dns.spec);
}

/** Runs the chaos run described in the module comment and returns its report. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((s: string) => console.log(s));
  const root = repoRoot(import.meta.url);
  const state = mkdtempSync(join(tmpdir(), 'flotilla-chaos-'));
  log(
    `chaos: seed ${String(o.seed)}, ${String(o.members)} members, ${String(o.durationS)} s, faults ${o.faults.join(',')}; state ${state}`,
  );
  const local = await startLocalFederation({
    root,
    state,
    members: o.members,
    nodes: 1,
    runtime: 'hollow',
    etcdMembers: 3,
    controllerManagers: 2,
    zone: 'flotilla.local',
    // the supervisor's restarts are worth seeing; its start and ready lines are not
    log: (l) => {
      if (l.startsWith('restart ')) log(`supervisor: ${l}`);
    },
  });
  const fed = clientOf(local.federation.adminKubeconfig, 5_000);
  const members = new Map(local.members.map((m) => [m.name, clientOf(m.adminKubeconfig, 10_000)]));
  let report: ChaosReport | undefined;
  let workload: Workload | undefined;
  try {
    await joinMembers(local);
    if (o.faults.includes('resolver')) await addResolver(local, root, state);
    await waitFor(
      'every member Ready at the federation',
      async () => {
        const cl = (await fed.resource<Cluster>(CLUSTERS).list()).items;
        return cl.length === o.members && cl.every(isClusterReady);
      },
      60_000,
      250,
    );
    const rssStart = rssNow(local);
    const names = local.members.map((m) => m.name);
    const plan = planFaults({
      seed: o.seed,
      kinds: o.faults,
      members: names,
      etcdMembers: local.federation.etcd.members,
      durationMs: o.durationS * 1000,
      etcdDownMs: (o.etcdDownS ?? 10) * 1000,
      memberDownMs: (o.memberDownS ?? 40) * 1000,
      hasResolver: o.faults.includes('resolver'),
    });
    log(
      `plan: ${plan.map((f) => `+${String(Math.round(f.atMs / 1000))}s ${f.kind} ${f.target || '(leader)'}`).join(', ')}`,
    );
    workload = new Workload(fed, mulberry32(o.seed));
    await workload.setup(names);
    const t0 = performance.now();
    workload.start(o.intervalMs ?? 500);
    const faults = await runFaults(
      { supervisor: local.supervisor, federation: fed, t0, log },
      plan,
    );
    const lastFault = t0 + Math.max(0, ...faults.map((f) => f.endMs));
    const workloadEnd = t0 + o.durationS * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, workloadEnd - performance.now())));
    await workload.stop();
    const stopped = performance.now();
    log(
      `[+${((stopped - t0) / 1000).toFixed(1)}s] workload stopped: ${JSON.stringify(workload.stats)}`,
    );
    const deadline = stopped + (o.convergeS ?? 120) * 1000;
    let inv: InvariantReport = { checked: {}, violations: ['never checked'] };
    let cleanAt: number | undefined;
    let lastPrint = -Infinity;
    let firstCheck: string[] | undefined;
    while (performance.now() < deadline) {
      inv = await checkInvariants({
        federation: fed,
        members,
        ledger: workload.ledger,
        processes: local.supervisor.list(),
      }).catch((err: unknown) => ({
        checked: {},
        violations: [
          `check failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        ],
      }));
      firstCheck ??= inv.violations;
      if (inv.violations.length === 0) {
        cleanAt = performance.now();
        break;
      }
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        log(
          `[+${((lastPrint - t0) / 1000).toFixed(1)}s] not converged: ${String(inv.violations.length)} violations, e.g. ${inv.violations[0] ?? ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    // a fault that could not be carried out, or whose target did not come back, is a finding
    const failed = faults
      .filter((f) => f.failed === true)
      .map((f) => `faults: ${f.kind} ${f.target}: ${f.detail}`);
    inv = { ...inv, violations: [...failed, ...inv.violations] };
    const rssEnd = rssNow(local);
    report = {
      seed: o.seed,
      state,
      faults,
      ops: workload.stats,
      invariants: inv,
      firstCheck: firstCheck ?? [],
      convergedAfterLastFaultMs: cleanAt === undefined ? undefined : cleanAt - lastFault,
      convergedAfterWorkloadMs: cleanAt === undefined ? undefined : cleanAt - stopped,
      rss: local.supervisor.list().map((p) => ({
        name: p.name,
        startMiB: rssStart.get(p.name) ?? 0,
        endMiB: rssEnd.get(p.name) ?? 0,
        restarts: p.restarts,
      })),
      ok: cleanAt !== undefined && failed.length === 0,
    };
    return report;
  } finally {
    await workload?.stop();
    fed.close();
    for (const c of members.values()) c.close();
    await local.stop();
    if (report?.ok === true && o.keepState !== true) {
      rmSync(state, { recursive: true, force: true });
    }
  }
}
