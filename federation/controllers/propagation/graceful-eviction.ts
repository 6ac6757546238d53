/**
 * Graceful eviction (Karmada's `gracefulEvictionTasks`): when a template leaves a cluster because
 * the cluster may no longer run it (an untolerated NoExecute taint, or the cluster NotReady), its
 * copy there is kept, replicas unchanged, while the new placement's replicas start elsewhere; the
 * copy is released once every cluster of the new placement reports its share ready, or when the
 * grace period has passed. So a workload moved off a tainted member never has fewer ready
 * replicas than the other members' shares. Pure: the propagation controller feeds it the binding,
 * the decision and the members' ready replicas, and writes the tasks it returns.
 */
import type { Cluster, GracefulEvictionTask, ResourceBinding } from '../../apis/index.js';
import { isClusterReady } from '../../scheduler/placement.js';
import type { ApplyResult } from './template-type.js';

/** Karmada's eviction reason for an untolerated NoExecute taint. */
export const EvictionReason = {
  TaintUntolerated: 'TaintUntolerated',
  ClusterNotReady: 'ClusterNotReady',
} as const;

/** Karmada's default grace period of a graceful eviction (10 minutes). */
export const DEFAULT_GRACE_PERIOD_SECONDS = 600;

/** Why a cluster that left the placement is evicted gracefully. */
export interface EvictionCause {
  reason: string;
  message: string;
}

/** One cluster of a placement: its name and, for workloads with replicas, its share. */
export interface PlacedCluster {
  name: string;
  replicas?: number;
}

/** What {@link assessEvictions} decides from. */
export interface EvictionInput {
  /** The binding's clusters before this decision (those with replicas 0 are being released). */
  previous: readonly PlacedCluster[];
  /** The new placement. */
  decision: readonly PlacedCluster[];
  /** The binding's tasks. */
  tasks: readonly GracefulEvictionTask[];
  /** The joined clusters (a task of an unjoined cluster is dropped: its cleanup is elsewhere). */
  joined: ReadonlySet<string>;
  /**
   * Why a cluster of `previous` that is not in `decision` left it, when that is an eviction to
   * carry out gracefully; undefined: its copy is released at once (e.g. a policy change).
   */
  cause: (cluster: string) => EvictionCause | undefined;
  /**
   * The kind has ready replicas to wait for (a workload with a replica count and a ready count
   * in its status); false: every copy is released at once.
   */
  interpretable: boolean;
  /** Ready replicas each cluster of `decision` reports (absent: none, or not known yet). */
  ready: ReadonlyMap<string, number>;
  now: Date;
  /** For tasks without their own `gracePeriodSeconds`. @defaultValue 600 */
  gracePeriodSeconds?: number;
  /** Written into new tasks' `producer`. */
  producer: string;
}

/** A task that ended: its copy is released now. */
export interface EndedEviction {
  task: GracefulEvictionTask;
  /** `Ready`: the new placement is ready; `Timeout`: the grace period passed. */
  why: 'Ready' | 'Timeout';
}

/** What {@link assessEvictions} decided. */
export interface EvictionOutcome {
  /** The clusters whose copies are kept although they are not in the decision. */
  kept: Set<string>;
  /** The binding's tasks from now on (sorted by cluster). */
  tasks: GracefulEvictionTask[];
  /** Tasks that ended now (their copies are to be released). */
  ended: EndedEviction[];
}

/** True when every cluster of the decision reports its whole share ready. */
function placementReady(
  decision: readonly PlacedCluster[],
  ready: ReadonlyMap<string, number>,
): boolean {
  return decision.every((c) => (ready.get(c.name) ?? 0) >= (c.replicas ?? 1));
}

function expired(task: GracefulEvictionTask, now: Date, defaultSeconds: number): boolean {
  const seconds = task.gracePeriodSeconds ?? defaultSeconds;
  return now.getTime() >= Date.parse(task.creationTimestamp) + seconds * 1000;
}

/** RFC 3339 at second precision, as Kubernetes writes metav1.Time. */
const timestamp = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Creates a task for each cluster that left the placement for a graceful cause, then assesses
 * every task: a cluster back in the placement, or no longer joined, drops its task (nothing to
 * release); a task whose new placement is ready, or whose grace period passed, ends (its copy is
 * released); the rest keep their copies. A kind with nothing to wait for creates no task and ends
 * the ones it had.
 */
export function assessEvictions(input: EvictionInput): EvictionOutcome {
  const placed = new Set(input.decision.map((c) => c.name));
  const had = new Set(input.tasks.map((t) => t.fromCluster));
  const created: GracefulEvictionTask[] = input.interpretable
    ? input.previous.flatMap((c) => {
        if (c.replicas === 0 || placed.has(c.name) || had.has(c.name)) return [];
        const cause = input.cause(c.name);
        if (!cause) return [];
        const task: GracefulEvictionTask = {
          fromCluster: c.name,
          ...(c.replicas !== undefined ? { replicas: c.replicas } : {}),
          reason: cause.reason,
          message: cause.message,
          producer: input.producer,
          creationTimestamp: timestamp(input.now),
        };
        return [task];
      })
    : [];
  const ready = placementReady(input.decision, input.ready);
  const grace = input.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
  const tasks: GracefulEvictionTask[] = [];
  const ended: EndedEviction[] = [];
  for (const task of [...input.tasks, ...created]) {
    if (placed.has(task.fromCluster) || !input.joined.has(task.fromCluster)) continue;
    if (!input.interpretable || ready) ended.push({ task, why: 'Ready' });
    else if (expired(task, input.now, grace)) ended.push({ task, why: 'Timeout' });
    else tasks.push(task);
  }
  tasks.sort((a, b) => a.fromCluster.localeCompare(b.fromCluster));
  return { kept: new Set(tasks.map((t) => t.fromCluster)), tasks, ended };
}

/**
 * Why the placement left `cluster` when that is an eviction to carry out gracefully: an
 * untolerated NoExecute taint (`TaintUntolerated`), or the cluster not Ready (failover,
 * `ClusterNotReady`). Undefined for a cluster gone or being removed (its cleanup releases it).
 */
export function evictionCause(cluster: Cluster | undefined): EvictionCause | undefined {
  if (!cluster || cluster.metadata.deletionTimestamp) return undefined;
  const name = cluster.metadata.name ?? '';
  const taint = (cluster.spec.taints ?? []).find((t) => t.effect === 'NoExecute');
  if (taint) {
    const value = taint.value !== undefined ? `=${taint.value}` : '';
    return {
      reason: EvictionReason.TaintUntolerated,
      message: `cluster ${name} has the taint ${taint.key}${value}:NoExecute`,
    };
  }
  if (!isClusterReady(cluster)) {
    return { reason: EvictionReason.ClusterNotReady, message: `cluster ${name} is not Ready` };
  }
  return undefined;
}

/** The built-in workloads whose status counts ready replicas against a replica count. */
const READY_KINDS = new Set(['apps/v1/Deployment', 'apps/v1/ReplicaSet', 'apps/v1/StatefulSet']);

/** True when the template's copies report ready replicas to wait for (see {@link READY_KINDS}). */
export function hasReadyReplicas(
  t: { apiVersion: string; kind: string },
  replicas: number | undefined,
): boolean {
  return replicas !== undefined && READY_KINDS.has(`${t.apiVersion}/${t.kind}`);
}

/** Each member's ready replicas (`status.readyReplicas`) of the copies applied there. */
export function readyReplicas(results: readonly ApplyResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results) {
    const ready = (r.object?.status as { readyReplicas?: unknown } | undefined)?.readyReplicas;
    if (r.applied && typeof ready === 'number') out.set(r.cluster, ready);
  }
  return out;
}

/** What {@link assessBindingEvictions} needs besides the binding and the clusters. */
export interface BindingEvictionOptions {
  /** The template's kind. */
  kind: { apiVersion: string; kind: string };
  /** The template's replicas (undefined: a kind without replicas). */
  replicas: number | undefined;
  producer: string;
  /** @defaultValue 600 */
  gracePeriodSeconds?: number | undefined;
  /** @defaultValue the current time */
  now?: Date;
}

/**
 * {@link assessEvictions} for a template's reconcile: the binding's clusters and tasks, the new
 * decision, the joined clusters (the causes) and the members' ready replicas from `results`.
 */
export function assessBindingEvictions(
  binding: ResourceBinding | undefined,
  decision: readonly PlacedCluster[],
  clusters: readonly Cluster[],
  results: readonly ApplyResult[],
  o: BindingEvictionOptions,
): EvictionOutcome {
  return assessEvictions({
    previous: binding?.spec.clusters ?? [],
    decision,
    tasks: binding?.spec.gracefulEvictionTasks ?? [],
    joined: new Set(clusters.map((c) => c.metadata.name ?? '')),
    cause: (name) => evictionCause(clusters.find((c) => c.metadata.name === name)),
    interpretable: hasReadyReplicas(o.kind, o.replicas),
    ready: readyReplicas(results),
    now: o.now ?? new Date(),
    producer: o.producer,
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
  });
}
