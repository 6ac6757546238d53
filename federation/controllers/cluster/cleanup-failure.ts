/**
 * How the cluster-cleanup controller reports an unjoin whose member-side cleanup could not be
 * done within its bound: a `CleanupFailed` condition on the Cluster and a Warning Event, both
 * naming what is left and pointing at `flotilla unjoin --force`.
 */
import type { EventRecorder } from '../../../api/index.js';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { Condition } from '../../../machinery/meta.js';

/** Condition type set on a deleted Cluster whose member-side cleanup timed out. */
export const CONDITION_CLEANUP_FAILED = 'CleanupFailed';
/** Reason of {@link CONDITION_CLEANUP_FAILED} (and of the Warning Event) for a push member. */
export const REASON_MEMBER_UNREACHABLE = 'MemberCleanupFailed';
/** Reason for a Pull cluster whose agent did not release its Works in time. */
export const REASON_AGENT_CLEANUP_PENDING = 'AgentCleanupPending';

/** The Cluster's {@link CONDITION_CLEANUP_FAILED} condition, if set. */
export function cleanupFailedCondition(cluster: Cluster): Condition | undefined {
  return cluster.status?.conditions?.find((c) => c.type === CONDITION_CLEANUP_FAILED);
}

/** What {@link reportCleanupFailure} writes. */
export interface CleanupFailure {
  reason: string;
  message: string;
  /** Writes the Warning Event (best effort: it never throws). */
  events: EventRecorder;
  now?: () => Date;
}

/**
 * Sets {@link CONDITION_CLEANUP_FAILED} (status True) on the Cluster and records a Warning Event,
 * once per distinct reason and message: a later identical report writes nothing, so the slow
 * retry that follows the bound does not flood the Events. The condition write throws (a conflict
 * is retried by the caller's reconcile); the Event is best effort (the recorder logs a failure).
 * @returns true when something new was reported
 */
export async function reportCleanupFailure(
  client: KubeClient,
  cluster: Cluster,
  f: CleanupFailure,
): Promise<boolean> {
  const old = cleanupFailedCondition(cluster);
  if (old?.status === 'True' && old.reason === f.reason && old.message === f.message) return false;
  const ts = (f.now ?? (() => new Date()))()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  const cond: Condition = {
    type: CONDITION_CLEANUP_FAILED,
    status: 'True',
    reason: f.reason,
    message: f.message,
    lastTransitionTime:
      old?.status === 'True' && old.lastTransitionTime ? old.lastTransitionTime : ts,
  };
  const next = structuredClone(cluster);
  next.status = {
    ...(cluster.status ?? {}),
    conditions: [
      ...(cluster.status?.conditions ?? []).filter((c) => c.type !== CONDITION_CLEANUP_FAILED),
      cond,
    ],
  };
  try {
    await client.resource<Cluster>(CLUSTERS).updateStatus(next);
  } catch (err) {
    if (err instanceof NotFoundError) return false; // finalized meanwhile (e.g. unjoin --force)
    throw err;
  }
  await f.events.event(cluster, 'Warning', f.reason, f.message);
  return true;
}
