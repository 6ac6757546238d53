/**
 * One chaos run (issue #17), shared by `npm run chaos` (test/chaos/chaos.ts) and the e2e test
 * (test/e2e/chaos.test.ts): on a {@link ChaosSession} (a hollow local federation with its members
 * joined), a steady workload (workload.ts) while a seeded fault schedule runs (faults.ts), then a
 * bounded wait for convergence and the invariants (invariants.ts). {@link runChaos} starts and
 * stops its own session; {@link runSchedule} runs on one the caller owns.
 * No promotion service, registries or redis: this first cut leaves them out.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFaults, runFaults, type FaultKind, type FaultRecord } from './faults.js';
import type { InvariantReport } from './invariants.js';
import { ChaosSession } from './session.js';
import type { OpStats } from './workload.js';

/** Options of {@link runSchedule}. */
export interface ScheduleOptions {
  /** Seeds the fault plan. */
  seed: number;
  durationS: number;
  faults: readonly FaultKind[];
  /** Bound of the convergence wait after the run. @defaultValue 120 */
  convergeS?: number;
  /** How long a whole member is held down. @defaultValue 40 (the health window is ~15 s) */
  memberDownS?: number;
  /** How long the federation etcd member is held down. @defaultValue 10 */
  etcdDownS?: number;
  /** How long a member is slow. @defaultValue 15 */
  slowMemberS?: number;
  /** One workload operation this often. @defaultValue 500 */
  intervalMs?: number;
}

/** Options of {@link runChaos}. */
export interface ChaosOptions extends ScheduleOptions {
  members: number;
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

/**
 * Runs the seeded schedule on `s`: the workload for `durationS` with the faults spread over it,
 * then the convergence wait; the workload is paused at the end. Returns the report.
 */
export async function runSchedule(s: ChaosSession, o: ScheduleOptions): Promise<ChaosReport> {
  const log = s.log;
  const rssStart = s.rss();
  const plan = planFaults({
    seed: o.seed,
    kinds: o.faults,
    members: s.names,
    etcdMembers: s.local.federation.etcd.members,
    durationMs: o.durationS * 1000,
    etcdDownMs: (o.etcdDownS ?? 10) * 1000,
    memberDownMs: (o.memberDownS ?? 40) * 1000,
    slowMemberMs: (o.slowMemberS ?? 15) * 1000,
    hasResolver: s.resolver !== undefined,
  });
  log(
    `plan: ${plan.map((f) => `+${String(Math.round(f.atMs / 1000))}s ${f.kind} ${f.target || '(leader)'}`).join(', ')}`,
  );
  const t0 = performance.now();
  s.startWorkload(o.intervalMs ?? 500);
  const faults = await runFaults(s.faultContext(t0), plan);
  const lastFault = t0 + Math.max(0, ...faults.map((f) => f.endMs));
  const workloadEnd = t0 + o.durationS * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, workloadEnd - performance.now())));
  await s.pauseWorkload();
  const stopped = performance.now();
  log(
    `[+${((stopped - t0) / 1000).toFixed(1)}s] workload stopped: ${JSON.stringify(s.workload.stats)}`,
  );
  const c = await s.converge((o.convergeS ?? 120) * 1000, t0, 500);
  // a fault that could not be carried out, or whose target did not come back, is a finding
  const failed = faults
    .filter((f) => f.failed === true)
    .map((f) => `faults: ${f.kind} ${f.target}: ${f.detail}`);
  const rssEnd = s.rss();
  return {
    seed: o.seed,
    state: s.state,
    faults,
    ops: structuredClone(s.workload.stats),
    invariants: { ...c.invariants, violations: [...failed, ...c.invariants.violations] },
    firstCheck: c.firstCheck,
    convergedAfterLastFaultMs: c.cleanAt === undefined ? undefined : c.cleanAt - lastFault,
    convergedAfterWorkloadMs: c.cleanAt === undefined ? undefined : c.cleanAt - stopped,
    rss: s.local.supervisor.list().map((p) => ({
      name: p.name,
      startMiB: rssStart.get(p.name) ?? 0,
      endMiB: rssEnd.get(p.name) ?? 0,
      restarts: p.restarts,
    })),
    ok: c.cleanAt !== undefined && failed.length === 0,
  };
}

/** Runs the chaos run described in the module comment on its own session; returns its report. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((s: string) => console.log(s));
  const state = mkdtempSync(join(tmpdir(), 'flotilla-chaos-'));
  log(
    `chaos: seed ${String(o.seed)}, ${String(o.members)} members, ${String(o.durationS)} s, faults ${o.faults.join(',')}; state ${state}`,
  );
  const session = await ChaosSession.start({
    seed: o.seed,
    members: o.members,
    resolver: o.faults.includes('resolver'),
    state,
    log,
  });
  let report: ChaosReport | undefined;
  try {
    report = await runSchedule(session, o);
    return report;
  } finally {
    await session.stop(report?.ok !== true || o.keepState === true);
  }
}
