/**
 * The chaos run's fault schedule: a seeded PRNG ({@link mulberry32}), a plan of faults spread over
 * the run ({@link planFaults}, pure: the same seed, members and faults give the same plan) and
 * their execution against the local federation's supervisor ({@link runFaults}). Short faults
 * are a SIGKILL the supervisor answers with a restart; long ones (an etcd member, a whole member
 * cluster) are `stop(..., 'SIGKILL')`, held down, then `start`; a slow member (slow-member.ts) is
 * reached through a delaying proxy for a window.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEASES, type Lease } from '../../api/index.js';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import type { Supervisor } from '../../hack/lib/supervisor.js';
import { isClusterReady } from '../../federation/scheduler/placement.js';
import { slowMember, type SlowMemberContext } from './slow-member.js';

/** The kinds of fault `--faults` takes. */
export type FaultKind =
  | 'apiserver'
  | 'cm-leader'
  | 'member-apiserver'
  | 'kubelet'
  | 'cluster-dns'
  | 'resolver'
  | 'etcd'
  | 'member-down'
  | 'slow-member';

/** Every fault kind, in the order the issue lists them. */
export const ALL_FAULTS: readonly FaultKind[] = [
  'apiserver',
  'cm-leader',
  'member-apiserver',
  'kubelet',
  'cluster-dns',
  'resolver',
  'etcd',
  'member-down',
  'slow-member',
];

/** A deterministic PRNG in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One fault of the plan. */
export interface PlannedFault {
  kind: FaultKind;
  /** Supervisor name or group; empty for `cm-leader` (found from the Lease when it fires). */
  target: string;
  /** Milliseconds after the start of the run. */
  atMs: number;
  /** How long a stopped target stays down (0: a kill the supervisor restarts at once). */
  holdMs: number;
}

/** Inputs of {@link planFaults}. */
export interface FaultPlanOptions {
  seed: number;
  kinds: readonly FaultKind[];
  members: readonly string[];
  /** Federation etcd member names (`etcd-federation-0..2`). */
  etcdMembers: readonly string[];
  durationMs: number;
  etcdDownMs: number;
  memberDownMs: number;
  /** How long a member is slow. @defaultValue 15000 */
  slowMemberMs?: number;
  /** Whether a resolver process runs (else `resolver` is left out). */
  hasResolver: boolean;
  /** No fault before this. @defaultValue 10% of the duration */
  warmupMs?: number;
}

/**
 * Expands the kinds into faults (`member-apiserver` one per member; `kubelet`, `cluster-dns`,
 * `etcd`, `member-down`, `slow-member` on a random member), shuffles them and gives each a slot: the faults run
 * one after another, each at a random point of the first half of its slot, all within the
 * duration.
 */
export function planFaults(o: FaultPlanOptions): PlannedFault[] {
  const rand = mulberry32(o.seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => {
    const x = xs[Math.floor(rand() * xs.length)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  };
  const faults: Omit<PlannedFault, 'atMs'>[] = [];
  for (const kind of o.kinds) {
    if (kind === 'apiserver') faults.push({ kind, target: 'federation-apiserver', holdMs: 0 });
    if (kind === 'cm-leader') faults.push({ kind, target: '', holdMs: 0 });
    if (kind === 'member-apiserver') {
      for (const m of o.members) faults.push({ kind, target: `${m}-apiserver`, holdMs: 0 });
    }
    if (kind === 'kubelet') {
      faults.push({ kind, target: `${pick(o.members)}-kubelet-1`, holdMs: 0 });
    }
    if (kind === 'cluster-dns') {
      faults.push({ kind, target: `${pick(o.members)}-cluster-dns`, holdMs: 0 });
    }
    if (kind === 'resolver' && o.hasResolver) faults.push({ kind, target: 'resolver', holdMs: 0 });
    if (kind === 'etcd') faults.push({ kind, target: pick(o.etcdMembers), holdMs: o.etcdDownMs });
    if (kind === 'member-down') {
      faults.push({ kind, target: pick(o.members), holdMs: o.memberDownMs });
    }
    if (kind === 'slow-member') {
      faults.push({ kind, target: pick(o.members), holdMs: o.slowMemberMs ?? 15_000 });
    }
  }
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [faults[i], faults[j]] = [faults[j] as (typeof faults)[0], faults[i] as (typeof faults)[0]];
  }
  const warmup = o.warmupMs ?? Math.round(o.durationMs / 10);
  const held = faults.reduce((s, f) => s + f.holdMs, 0);
  const slot = Math.max(1000, (o.durationMs - warmup - held) / Math.max(1, faults.length));
  let t = warmup;
  return faults.map((f) => {
    const atMs = Math.round(t + rand() * slot * 0.5);
    t += slot + f.holdMs;
    return { ...f, atMs };
  });
}

/** What a fault did. */
export interface FaultRecord {
  kind: FaultKind;
  target: string;
  /** ms after the run start: the fault, and when the target ran again. */
  startMs: number;
  endMs: number;
  detail: string;
  /** The fault could not be carried out (or its target did not come back): a finding itself. */
  failed?: boolean;
  /** slow-member: per probe write, ms until the other members held it. */
  samplesMs?: number[];
}

/** What {@link runFaults} acts on. */
export interface FaultContext {
  supervisor: Supervisor;
  /** Federation admin client (Lease, Cluster conditions). */
  federation: RestClient;
  /** Run start (performance.now()). */
  t0: number;
  log: (line: string) => void;
  /** Stop before the next fault when this aborts. */
  signal?: AbortSignal;
  /** What `slow-member` needs (without it that fault fails). */
  slow?: SlowMemberContext;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const secs = (ms: number): string => (ms / 1000).toFixed(1);

/** The supervised process whose log names `identity`, the leader's from the Lease. */
async function leaderProcess(ctx: FaultContext): Promise<{ name: string; holder: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const lease = await ctx.federation
        .resource<Lease>(LEASES, 'kube-system')
        .get('flotilla-controller-manager');
      const holder = lease.spec.holderIdentity ?? '';
      const proc = ctx.supervisor
        .list()
        .filter((p) => p.name.startsWith('federation-controller-manager'))
        .find((p) =>
          readFileSync(join(ctx.supervisor.logDir, `${p.name}.log`), 'utf8').includes(
            `identity ${holder}`,
          ),
        );
      if (holder !== '' && proc) return { name: proc.name, holder };
    } catch {
      // the federation API server may be restarting
    }
    if (Date.now() > deadline) throw new Error('no controller-manager leader found in 20 s');
    await sleep(500);
  }
}

/** Waits (up to 60 s) until `target` runs again under a pid other than the killed ones. */
async function waitRunning(ctx: FaultContext, target: string, killed: number[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const rows = ctx.supervisor.list().filter((p) => p.name === target || p.group === target);
    if (rows.every((p) => p.state === 'running' && p.pid !== null && !killed.includes(p.pid))) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`${target} was not running again 60 s after the kill`);
}

/** Polls the Cluster's Ready condition while a member is held down; returns when it went False. */
async function watchNotReady(
  ctx: FaultContext,
  member: string,
  until: number,
): Promise<number | undefined> {
  const from = performance.now();
  while (performance.now() < until) {
    try {
      const c = await ctx.federation.resource<Cluster>(CLUSTERS).get(member);
      if (!isClusterReady(c)) return performance.now() - from;
    } catch {
      // retried
    }
    await sleep(500);
  }
  return undefined;
}

/** Runs one fault; returns its record. */
async function runFault(ctx: FaultContext, f: PlannedFault): Promise<FaultRecord> {
  const now = (): number => performance.now() - ctx.t0;
  const startMs = now();
  if (f.kind === 'slow-member') {
    if (!ctx.slow) throw new Error('slow-member needs the member clients (FaultContext.slow)');
    ctx.log(
      `[+${secs(startMs)}s] fault ${f.kind}: ${f.target} ${String(ctx.slow.delayMs)} ms late for ${secs(f.holdMs)} s`,
    );
    const out = await slowMember(ctx.slow, f.target, f.holdMs);
    ctx.log(`[+${secs(now())}s] fault ${f.kind}: ${f.target} direct again; ${out.detail}`);
    const { kind, target } = f;
    return { kind, target, startMs, endMs: now(), detail: out.detail, samplesMs: out.samplesMs };
  }
  if (f.holdMs === 0) {
    let target = f.target;
    let detail = '';
    if (f.kind === 'cm-leader') {
      const leader = await leaderProcess(ctx);
      target = leader.name;
      detail = `leader ${leader.holder}; `;
    }
    const pids = ctx.supervisor.kill(target, 'SIGKILL');
    ctx.log(`[+${secs(startMs)}s] fault ${f.kind}: SIGKILL ${target} (pid ${pids.join(',')})`);
    await waitRunning(ctx, target, pids);
    const endMs = now();
    detail += `pid ${pids.join(',')}, running again after ${secs(endMs - startMs)} s`;
    ctx.log(`[+${secs(endMs)}s] fault ${f.kind}: ${target} running again`);
    return { kind: f.kind, target, startMs, endMs, detail };
  }
  const stopped = await ctx.supervisor.stop(f.target, 'SIGKILL');
  ctx.log(
    `[+${secs(startMs)}s] fault ${f.kind}: stop ${f.target} with SIGKILL (${stopped.join(', ')}), held ${secs(f.holdMs)} s`,
  );
  const until = performance.now() + f.holdMs;
  let detail = `held down ${secs(f.holdMs)} s`;
  if (f.kind === 'member-down') {
    const notReady = await watchNotReady(ctx, f.target, until);
    detail +=
      notReady === undefined
        ? '; the federation never marked it NotReady'
        : `; NotReady after ${secs(notReady)} s`;
    ctx.log(`[+${secs(now())}s] fault ${f.kind}: ${f.target} ${detail.split('; ')[1] ?? ''}`);
  }
  await sleep(until - performance.now());
  await ctx.supervisor.start(f.target);
  const endMs = now();
  ctx.log(`[+${secs(endMs)}s] fault ${f.kind}: started ${f.target} again`);
  return { kind: f.kind, target: f.target, startMs, endMs, detail };
}

/**
 * Runs one fault now (`atMs` is not waited for); a fault that cannot be carried out, or whose
 * target does not come back, is returned as `failed` rather than thrown.
 */
export async function injectFault(ctx: FaultContext, f: PlannedFault): Promise<FaultRecord> {
  try {
    return await runFault(ctx, f);
  } catch (err) {
    const at = performance.now() - ctx.t0;
    const msg = err instanceof Error ? err.message : String(err);
    ctx.log(`[+${secs(at)}s] fault ${f.kind} ${f.target} FAILED: ${msg}`);
    return { ...f, startMs: at, endMs: at, detail: `FAILED: ${msg}`, failed: true };
  }
}

/** Runs the plan in order, each fault at its time; stops early when the signal aborts. */
export async function runFaults(
  ctx: FaultContext,
  plan: readonly PlannedFault[],
): Promise<FaultRecord[]> {
  const out: FaultRecord[] = [];
  for (const f of plan) {
    if (ctx.signal?.aborted) break;
    await sleep(ctx.t0 + f.atMs - performance.now());
    out.push(await injectFault(ctx, f));
  }
  return out;
}
