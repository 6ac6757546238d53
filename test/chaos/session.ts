/**
 * A chaos session (issue #17): a hollow local federation started once (3-member federation etcd,
 * two leader-elected controller managers, N members of one node each, optionally the resolver),
 * the members joined with the CLI, the workload's namespace and policies and the fixed objects
 * (fixtures.ts) created. On it, the workload (workload.ts) is started and paused, faults
 * (faults.ts) are injected one at a time or as a schedule, and {@link ChaosSession.converge} waits
 * for every invariant (invariants.ts) to hold. `runChaos` (run-chaos.ts, `npm run chaos`) runs one
 * schedule on a session; test/e2e/chaos.test.ts runs a schedule and then one fault per kind on the
 * same session.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEASES, type Lease } from '../../api/index.js';
import { CLUSTERS, type Cluster } from '../../federation/apis/index.js';
import { isClusterReady } from '../../federation/scheduler/placement.js';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import {
  joinMembers,
  startLocalFederation,
  type LocalFederation,
} from '../../hack/lib/local-federation.js';
import { waitFor } from '../../hack/lib/ports.js';
import { repoRoot } from '../../hack/lib/repo-root.js';
import { resolverProcess } from '../../hack/lib/resolver-process.js';
import type { DnsInputs, DnsServer } from './dns-check.js';
import {
  injectFault,
  mulberry32,
  type FaultContext,
  type FaultRecord,
  type PlannedFault,
} from './faults.js';
import { createFixtures } from './fixtures.js';
import { checkInvariants, type InvariantReport } from './invariants.js';
import { Workload } from './workload.js';

/** Options of {@link ChaosSession.start}. */
export interface ChaosSessionOptions {
  /** Seeds the workload's operations. */
  seed: number;
  members: number;
  /** Runs the central resolver (and the DNS invariant asks it too). */
  resolver: boolean;
  /** State folder (PKI, etcd data, logs). @defaultValue a new `flotilla-chaos-*` in the tmpdir */
  state?: string;
  /** More flags of the federation controller managers (e.g. a shorter health window). */
  controllerManagerArgs?: readonly string[];
  /** How late the slow-member fault's proxy makes every answer. @defaultValue 2000 */
  slowDelayMs?: number;
  /** Progress lines. @defaultValue console.log */
  log?: (line: string) => void;
}

/** The outcome of {@link ChaosSession.converge}. */
export interface Convergence {
  /** The last check (the clean one, or the last violations when the bound ran out). */
  invariants: InvariantReport;
  /** The violations of the first check (what was still settling). */
  firstCheck: string[];
  /** performance.now() of the first clean check; undefined when none came within the bound. */
  cleanAt: number | undefined;
}

/** The outcome of {@link ChaosSession.injectUnderLoad}. */
export interface FaultRun {
  record: FaultRecord;
  /** Acknowledged workload writes: in all before the fault, during it, after it until paused. */
  acked: { before: number; during: number; after: number };
  convergence: Convergence;
  /** From the end of the fault to the first clean check; undefined when it never converged. */
  convergedMs: number | undefined;
}

/** Options of {@link ChaosSession.injectUnderLoad}. */
export interface InjectOptions {
  /** Bound of the convergence wait after the workload paused. */
  convergeS: number;
  /** One workload operation this often. @defaultValue 500 */
  intervalMs?: number;
  /** Workload before the fault. @defaultValue 1000 */
  warmupMs?: number;
  /** Workload after the fault, before it pauses for the check. @defaultValue 1000 */
  afterMs?: number;
  /**
   * Keep the workload running after the fault (beyond `afterMs`, up to 30 s) until this many more
   * writes were acknowledged. @defaultValue 0
   */
  untilAcked?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function rssMiB(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** An admin client from a kubeconfig the local federation wrote. */
export const clientOf = (
  kubeconfig: string,
  timeoutMs: number,
  userAgent = 'flotilla-chaos',
): RestClient =>
  new RestClient({
    ...clientOptionsFor(loadKubeconfig(kubeconfig)),
    userAgent,
    timeoutMs,
  });

/** Starts the resolver (one worker) under the supervisor, reading Clusters from the federation. */
export async function addResolver(
  local: LocalFederation,
  root: string,
  state: string,
): Promise<DnsServer> {
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
  return { host: dns.host, port: dns.port };
}

/** A federation under chaos (see the module comment). */
export class ChaosSession {
  readonly state: string;
  readonly local: LocalFederation;
  /** Federation admin client (5 s timeout: a hung request holds the workload's next tick). */
  readonly federation: RestClient;
  /** Member name → admin client. */
  readonly members: ReadonlyMap<string, RestClient>;
  readonly names: readonly string[];
  readonly workload: Workload;
  readonly resolver: DnsServer | undefined;
  readonly slowDelayMs: number;
  readonly log: (line: string) => void;
  private workloadOn = false;

  private constructor(
    o: ChaosSessionOptions,
    parts: {
      state: string;
      local: LocalFederation;
      federation: RestClient;
      members: Map<string, RestClient>;
      resolver: DnsServer | undefined;
    },
  ) {
    this.state = parts.state;
    this.local = parts.local;
    this.federation = parts.federation;
    this.members = parts.members;
    this.names = parts.local.members.map((m) => m.name);
    this.resolver = parts.resolver;
    this.workload = new Workload(parts.federation, mulberry32(o.seed));
    this.slowDelayMs = o.slowDelayMs ?? 2000;
    this.log = o.log ?? ((s: string) => console.log(s));
  }

  /** Starts the federation and the members, joins them, and creates the workload's objects. */
  static async start(o: ChaosSessionOptions): Promise<ChaosSession> {
    const log = o.log ?? ((s: string) => console.log(s));
    const root = repoRoot(import.meta.url);
    const state = o.state ?? mkdtempSync(join(tmpdir(), 'flotilla-chaos-'));
    const local = await startLocalFederation({
      root,
      state,
      members: o.members,
      nodes: 1,
      runtime: 'hollow',
      etcdMembers: 3,
      controllerManagers: 2,
      zone: 'flotilla.local',
      ...(o.controllerManagerArgs ? { controllerManagerArgs: o.controllerManagerArgs } : {}),
      // the supervisor's restarts are worth seeing; its start and ready lines are not
      log: (l) => {
        if (l.startsWith('restart ')) log(`supervisor: ${l}`);
      },
    });
    const federation = clientOf(local.federation.adminKubeconfig, 5_000);
    const members = new Map(
      local.members.map((m) => [m.name, clientOf(m.adminKubeconfig, 10_000)]),
    );
    try {
      await joinMembers(local);
      const resolver = o.resolver ? await addResolver(local, root, state) : undefined;
      await waitFor(
        'every member Ready at the federation',
        async () => {
          const cl = (await federation.resource<Cluster>(CLUSTERS).list()).items;
          return cl.length === o.members && cl.every(isClusterReady);
        },
        60_000,
        250,
      );
      const s = new ChaosSession(o, { state, local, federation, members, resolver });
      await s.workload.setup(s.names);
      await createFixtures(federation, s.names);
      return s;
    } catch (err) {
      federation.close();
      for (const c of members.values()) c.close();
      await local.stop();
      throw err;
    }
  }

  /** What the DNS invariant asks: every member's cluster DNS, and the resolver when it runs. */
  dnsInputs(): DnsInputs {
    const members = new Map(
      this.local.members.map((m) => [
        m.name,
        { client: this.client(m.name), clusterDomain: m.clusterDomain, dns: m.dns },
      ]),
    );
    return this.resolver ? { members, resolver: this.resolver } : { members };
  }

  /** Member `name`'s admin client. */
  client(name: string): RestClient {
    const c = this.members.get(name);
    if (!c) throw new Error(`no member ${name}`);
    return c;
  }

  /** The context faults run in, their times counted from `t0` (performance.now()). */
  faultContext(t0: number): FaultContext {
    return {
      supervisor: this.local.supervisor,
      federation: this.federation,
      t0,
      log: this.log,
      slow: { federation: this.federation, members: this.members, delayMs: this.slowDelayMs },
    };
  }

  /** Starts the workload, one operation every `intervalMs` (nothing when it runs already). */
  startWorkload(intervalMs: number): void {
    if (this.workloadOn) return;
    this.workloadOn = true;
    this.workload.start(intervalMs);
  }

  /** Stops the workload after the operation in flight; {@link startWorkload} resumes it. */
  async pauseWorkload(): Promise<void> {
    this.workloadOn = false;
    await this.workload.stop();
  }

  /** Workload writes the federation acknowledged so far. */
  acked(): number {
    return Object.values(this.workload.stats).reduce((s, v) => s + v.ok, 0);
  }

  /** The controller managers' Lease holder now ('' when none or unreadable). */
  async leaseHolder(): Promise<string> {
    const lease = await this.federation
      .resource<Lease>(LEASES, 'kube-system')
      .get('flotilla-controller-manager')
      .catch(() => undefined);
    return lease?.spec.holderIdentity ?? '';
  }

  /** Every invariant once; a check that could not run counts as a violation. */
  async check(): Promise<InvariantReport> {
    return checkInvariants({
      federation: this.federation,
      members: new Map(this.members),
      ledger: this.workload.ledger,
      processes: this.local.supervisor.list(),
      dns: this.dnsInputs(),
    }).catch((err: unknown) => ({
      checked: {},
      violations: [
        `check failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      ],
    }));
  }

  /**
   * Checks until every invariant holds or `boundMs` ran out, every `pollMs`; prints the
   * violations every 10 s, with times counted from `t0`.
   */
  async converge(boundMs: number, t0: number, pollMs = 2000): Promise<Convergence> {
    const deadline = performance.now() + boundMs;
    let invariants: InvariantReport = { checked: {}, violations: ['never checked'] };
    let firstCheck: string[] | undefined;
    let lastPrint = -Infinity;
    while (performance.now() < deadline) {
      invariants = await this.check();
      firstCheck ??= invariants.violations;
      if (invariants.violations.length === 0) {
        return { invariants, firstCheck, cleanAt: performance.now() };
      }
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        this.log(
          `[+${((lastPrint - t0) / 1000).toFixed(1)}s] not converged: ${String(invariants.violations.length)} violations, e.g. ${invariants.violations[0] ?? ''}`,
        );
      }
      await sleep(pollMs);
    }
    return { invariants, firstCheck: firstCheck ?? [], cleanAt: undefined };
  }

  /**
   * One fault under the running workload: the workload runs `warmupMs`, the fault is injected
   * (and over: a killed process runs again, a held one was started again), the workload runs
   * `afterMs` more (or until `untilAcked` more writes were acknowledged) and pauses, then
   * {@link converge} within `convergeS`.
   */
  async injectUnderLoad(f: Omit<PlannedFault, 'atMs'>, o: InjectOptions): Promise<FaultRun> {
    const t0 = performance.now();
    this.startWorkload(o.intervalMs ?? 500);
    await sleep(o.warmupMs ?? 1000);
    const before = this.acked();
    const record = await injectFault(this.faultContext(t0), { ...f, atMs: 0 });
    const during = this.acked() - before;
    await sleep(o.afterMs ?? 1000);
    const longest = performance.now() + 30_000;
    while (this.acked() - before - during < (o.untilAcked ?? 0) && performance.now() < longest) {
      await sleep(100);
    }
    await this.pauseWorkload();
    const after = this.acked() - before - during;
    const convergence = await this.converge(o.convergeS * 1000, t0, 500);
    const end = t0 + record.endMs;
    return {
      record,
      acked: { before, during, after },
      convergence,
      convergedMs: convergence.cleanAt === undefined ? undefined : convergence.cleanAt - end,
    };
  }

  /** Each supervised process's RSS now (MiB). */
  rss(): Map<string, number> {
    return new Map(this.local.supervisor.list().map((p) => [p.name, rssMiB(p.pid)]));
  }

  /** Stops the workload and every process; removes the state folder unless `keepState`. */
  async stop(keepState: boolean): Promise<void> {
    await this.pauseWorkload();
    this.federation.close();
    for (const c of this.members.values()) c.close();
    await this.local.stop();
    if (!keepState) rmSync(this.state, { recursive: true, force: true });
  }
}
