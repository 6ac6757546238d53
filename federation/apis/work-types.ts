/**
 * Pull mode (Karmada's agent model): the `work.flotilla.io/v1alpha1` Work, one per (template,
 * cluster) in the cluster's execution namespace, and the names an agent and the federation agree on.
 */
import type { Condition, KubeObject } from '../../machinery/meta.js';

/** How the federation reaches a member: it calls the member (Push) or an agent pulls (Pull). */
export type ClusterSyncMode = 'Push' | 'Pull';

/** Prefix of a cluster's execution namespace (`fed-es-<cluster>`), where its Works live. */
export const EXECUTION_NAMESPACE_PREFIX = 'fed-es-';
/** User-name prefix of pull agents (`system:flotilla:agent:<cluster>`, the certificate's CN). */
export const AGENT_USER_PREFIX = 'system:flotilla:agent:';
/** Group of every pull agent (the certificate's O). */
export const AGENTS_GROUP = 'system:flotilla:agents';
/** Finalizer the agent puts on a Work: its member objects are removed before the Work goes. */
export const FINALIZER_WORK_MEMBER_CLEANUP = 'work.flotilla.io/member-cleanup';
/** Annotation on a Work being deleted: keep the member objects (without federation labels). */
export const ANNOTATION_WORK_ORPHAN = 'work.flotilla.io/orphan';
/** Annotation on a Work: `Abort` (default) or `Overwrite` an unmanaged member object. */
export const ANNOTATION_CONFLICT_RESOLUTION = 'work.flotilla.io/conflict-resolution';
/** Label on a Work naming its cluster. */
export const LABEL_WORK_CLUSTER = 'work.flotilla.io/cluster';
/** Annotation on an agent's heartbeat Lease: the member's resource summary (JSON). */
export const ANNOTATION_LEASE_RESOURCE_SUMMARY = 'cluster.flotilla.io/resource-summary';
/** Annotation on an agent's heartbeat Lease: the member's `gitVersion`. */
export const ANNOTATION_LEASE_KUBERNETES_VERSION = 'cluster.flotilla.io/kubernetes-version';
/** Work condition types. */
export const WorkApplied = 'Applied';
export const WorkAvailable = 'Available';

/** True when the federation reaches the cluster only through its agent (Works, Lease). */
export function isPullCluster(c: { spec: { syncMode?: ClusterSyncMode } }): boolean {
  return c.spec.syncMode === 'Pull';
}

/** The execution namespace of a cluster. */
export function executionNamespace(cluster: string): string {
  return `${EXECUTION_NAMESPACE_PREFIX}${cluster}`;
}

/** The cluster an execution namespace belongs to, or undefined for other namespaces. */
export function clusterOfExecutionNamespace(ns: string | undefined): string | undefined {
  return ns?.startsWith(EXECUTION_NAMESPACE_PREFIX)
    ? ns.slice(EXECUTION_NAMESPACE_PREFIX.length) || undefined
    : undefined;
}

/** The user name of a cluster's agent. */
export function agentUserName(cluster: string): string {
  return `${AGENT_USER_PREFIX}${cluster}`;
}

/** The cluster an agent user stands for, or undefined for users that are not agents. */
export function clusterOfAgent(user: string | undefined): string | undefined {
  return user?.startsWith(AGENT_USER_PREFIX)
    ? user.slice(AGENT_USER_PREFIX.length) || undefined
    : undefined;
}

/**
 * The Work name of a template in a cluster: `<kind>.<namespace>.<name>` (`<kind>.<name>` for
 * cluster-scoped templates), lower-case kind, the same for every cluster.
 */
export function workName(kind: string, namespace: string | undefined, name: string): string {
  return [kind.toLowerCase(), namespace, name].filter((s) => s !== undefined && s !== '').join('.');
}

/** Which member object a manifest status is about. */
export interface ManifestIdentifier {
  /** Index in `spec.workload.manifests`. */
  ordinal: number;
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What the agent saw of one applied manifest in the member. */
export interface ManifestStatus {
  identifier: ManifestIdentifier;
  /** The member object's `.status`, as the member reports it. */
  status?: Record<string, unknown>;
  health?: 'Healthy' | 'Unhealthy' | 'Unknown';
}

/** Objects to apply to one member cluster (namespaced: the cluster's execution namespace). */
export interface Work extends KubeObject {
  spec: {
    workload: {
      /** Complete member objects (overrides applied), written by the propagation controller. */
      manifests: KubeObject[];
    };
  };
  status?: {
    /** `Applied` (every manifest written to the member) and `Available` (every one healthy). */
    conditions?: Condition[];
    manifestStatuses?: ManifestStatus[];
  };
}
