/**
 * Health of a Pull cluster: the federation cannot probe the member, so its agent renews a Lease
 * named after the cluster in the execution namespace (`fed-es-<cluster>/<cluster>`). The cluster
 * is Ready while the Lease was renewed within its `leaseDurationSeconds`.
 */
import type { Lease } from '../../../api/index.js';
import {
  ANNOTATION_LEASE_KUBERNETES_VERSION,
  ANNOTATION_LEASE_RESOURCE_SUMMARY,
  executionNamespace,
  type Cluster,
} from '../../apis/index.js';

/** Reason of a Pull cluster whose agent stopped renewing its Lease (or never did). */
export const ReasonAgentHeartbeatMissing = 'AgentHeartbeatMissing';
/** Window used when the Lease does not say (`leaseDurationSeconds` absent). */
export const DEFAULT_AGENT_LEASE_SECONDS = 40;

/** The key (`namespace/name`) of a cluster's heartbeat Lease. */
export function heartbeatLeaseKey(cluster: string): string {
  return `${executionNamespace(cluster)}/${cluster}`;
}

/** What the heartbeat says about a Pull cluster. */
export interface HeartbeatVerdict {
  ready: boolean;
  reason: string;
  message: string;
  /** When the verdict turns (ms from now) if nothing is renewed: the next look. */
  recheckInMs?: number;
  /** What the agent reported of the member (Lease annotations). */
  version?: string;
  summary?: NonNullable<Cluster['status']>['resourceSummary'];
}

/** The member's version and resource summary the agent put on its Lease, when well-formed. */
export function leaseSummary(lease: Lease): Pick<HeartbeatVerdict, 'version' | 'summary'> {
  const a = lease.metadata.annotations ?? {};
  const version = a[ANNOTATION_LEASE_KUBERNETES_VERSION];
  let summary: HeartbeatVerdict['summary'];
  try {
    const s = JSON.parse(a[ANNOTATION_LEASE_RESOURCE_SUMMARY] ?? 'null') as Record<
      string,
      unknown
    > | null;
    const n = (k: string): number | undefined => (typeof s?.[k] === 'number' ? s[k] : undefined);
    const [allocatablePods, allocatedPods, readyNodes] = [
      n('allocatablePods'),
      n('allocatedPods'),
      n('readyNodes'),
    ];
    // cpu/memory totals (agents since `flotilla top`): string maps, else left out
    const quantities = (k: string): Record<string, string> | undefined => {
      const v = s?.[k];
      return v && typeof v === 'object' && Object.values(v).every((x) => typeof x === 'string')
        ? (v as Record<string, string>)
        : undefined;
    };
    const [allocatable, allocated] = [quantities('allocatable'), quantities('allocated')];
    if (allocatablePods !== undefined && allocatedPods !== undefined && readyNodes !== undefined) {
      summary = {
        allocatablePods,
        allocatedPods,
        readyNodes,
        ...(allocatable ? { allocatable } : {}),
        ...(allocated ? { allocated } : {}),
      };
    }
  } catch {
    // an unreadable summary is left out; the heartbeat still counts
  }
  return { ...(version ? { version } : {}), ...(summary ? { summary } : {}) };
}

/**
 * Ready when `renewTime + leaseDurationSeconds` is still ahead of `now`; otherwise NotReady with
 * {@link ReasonAgentHeartbeatMissing}; a fresh heartbeat reporting no Ready nodes is NotReady with
 * `notReadyReason` (as a probed member without Ready nodes). `readyReason` / `notReadyReason` are
 * the health controller's condition reasons.
 */
export function heartbeatVerdict(
  cluster: Cluster,
  lease: Lease | undefined,
  now: number,
  readyReason: string,
  notReadyReason: string,
): HeartbeatVerdict {
  const name = cluster.metadata.name ?? '';
  const renewed = lease?.spec.renewTime ? Date.parse(lease.spec.renewTime) : Number.NaN;
  if (!lease || Number.isNaN(renewed)) {
    return {
      ready: false,
      reason: ReasonAgentHeartbeatMissing,
      message: `the agent of cluster ${name} has not renewed its Lease ${heartbeatLeaseKey(name)} yet`,
    };
  }
  const windowMs = (lease.spec.leaseDurationSeconds ?? DEFAULT_AGENT_LEASE_SECONDS) * 1000;
  const left = renewed + windowMs - now;
  const reported = leaseSummary(lease);
  if (left > 0 && reported.summary?.readyNodes === 0) {
    return {
      ready: false,
      reason: notReadyReason,
      message: 'the agent reports no Ready nodes in the member',
      recheckInMs: left,
      ...reported,
    };
  }
  if (left > 0) {
    return {
      ...reported,
      ready: true,
      reason: readyReason,
      message: `agent ${lease.spec.holderIdentity ?? ''} renewed its heartbeat ${String(Math.round((now - renewed) / 1000))}s ago`,
      recheckInMs: left,
    };
  }
  return {
    ready: false,
    reason: ReasonAgentHeartbeatMissing,
    message: `no heartbeat from the agent of cluster ${name} for ${String(Math.round((now - renewed) / 1000))}s (window ${String(windowMs / 1000)}s)`,
  };
}
