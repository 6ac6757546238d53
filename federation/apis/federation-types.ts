/** Federation API types: Cluster, PropagationPolicy, OverridePolicy, ResourceBinding. */
import type { Condition, KubeObject } from '../../machinery/meta.js';
import type { ClusterSyncMode } from './work-types.js';

/** meta/v1 LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A registered member cluster (cluster-scoped). */
export interface Cluster extends KubeObject {
  spec: {
    /**
     * `Push`: the federation writes into the member with the credentials of `secretRef`. `Pull`:
     * the federation cannot reach the member; an agent beside it pulls Works from the execution
     * namespace `fed-es-<name>` and renews a Lease there (no `secretRef`, no `dns`).
     * @defaultValue Push
     */
    syncMode?: ClusterSyncMode;
    /** Kubernetes API URL of the member (for Pull clusters: as the agent sees it, informational). */
    apiEndpoint: string;
    /**
     * Secret with `token` and optional `caData` (base64 PEM); its namespace must be
     * `flotilla-system`. Required for Push clusters, forbidden for Pull clusters.
     */
    secretRef?: { namespace: string; name: string };
    region?: string;
    zone?: string;
    provider?: string;
    /** Environment for image promotion (dev, prod...). */
    environment?: string;
    /** Cluster DNS for the central resolver: zone suffix and `host:port` of its server. */
    dns?: { zone: string; server: string };
    taints?: { key: string; value?: string; effect: 'NoSchedule' | 'NoExecute' }[];
  };
  status?: {
    conditions?: Condition[];
    kubernetesVersion?: string;
    resourceSummary?: {
      allocatablePods: number;
      allocatedPods: number;
      readyNodes: number;
      /** Sum of the Ready nodes' allocatable `cpu`, `memory` and `pods` (quantities). */
      allocatable?: Record<string, string>;
      /** Sum of the running pods' requests (`cpu`, `memory`) and their number (`pods`). */
      allocated?: Record<string, string>;
    };
    lastProbeTime?: string;
  };
}

/** Selects template objects by apiVersion/kind and name or labels. */
export interface ResourceSelector {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  labelSelector?: LabelSelector;
}

/** Selects clusters by name and/or labels. */
export interface ClusterSelector {
  clusterNames?: string[];
  labelSelector?: LabelSelector;
  exclude?: string[];
}

/** What a {@link SpreadConstraint} groups clusters by. */
export type SpreadFieldValue = 'cluster' | 'region' | 'zone' | 'provider';

/** The values {@link SpreadConstraint.spreadByField} accepts. */
export const SPREAD_FIELDS: readonly SpreadFieldValue[] = ['cluster', 'region', 'zone', 'provider'];

/**
 * Karmada's spread constraint: the selected clusters span at least `minGroups` and at most
 * `maxGroups` groups of clusters sharing `spreadByField` (`region`, `zone`, `provider`: the
 * Cluster's spec field, else its `topology.kubernetes.io/*` label; `cluster`: each cluster is a
 * group, which bounds the number of clusters) or the value of the label `spreadByLabel`.
 */
export interface SpreadConstraint {
  spreadByField?: SpreadFieldValue;
  spreadByLabel?: string;
  maxGroups?: number;
  /** @defaultValue 1 */
  minGroups?: number;
}

/** Where and how a template is placed. */
export interface Placement {
  clusterAffinity?: ClusterSelector;
  spreadConstraints?: SpreadConstraint[];
  replicaScheduling?: {
    replicaSchedulingType: 'Duplicated' | 'Divided';
    replicaDivisionPreference?: 'Weighted' | 'Aggregated';
    weightPreference?: {
      staticWeightList?: { targetCluster: ClusterSelector; weight: number }[];
      dynamicWeight?: 'AvailableReplicas';
    };
  };
}

/** Namespaced propagation policy. */
export interface PropagationPolicy extends KubeObject {
  spec: {
    resourceSelectors: ResourceSelector[];
    placement: Placement;
    /** Abort: refuse to take over an existing unmanaged object in a member; Overwrite: adopt it. */
    conflictResolution?: 'Abort' | 'Overwrite';
    priority?: number;
    /**
     * The ConfigMaps, Secrets (and other propagated kinds) the selected workloads reference follow
     * them to the same clusters, each through an attached ResourceBinding (`requiredBy`).
     * @defaultValue false
     */
    propagateDeps?: boolean;
  };
}

/** Image component overrides. */
export interface ImageOverrider {
  component: 'Registry' | 'Repository' | 'Tag';
  operator: 'add' | 'remove' | 'replace';
  value?: string;
}

/** Per-cluster changes. */
export interface Overriders {
  imageOverrider?: ImageOverrider[];
  argsOverrider?: { containerName: string; operator: 'add' | 'remove'; value: string[] }[];
  labelsOverrider?: { operator: 'add' | 'remove' | 'replace'; value: Record<string, string> }[];
  annotationsOverrider?: {
    operator: 'add' | 'remove' | 'replace';
    value: Record<string, string>;
  }[];
  replicasOverrider?: number;
  /** JSON patch operations (RFC 6902 with `operator` instead of `op`, as in Karmada). */
  plaintext?: { path: string; operator: 'add' | 'remove' | 'replace'; value?: unknown }[];
}

/** Namespaced override policy. */
export interface OverridePolicy extends KubeObject {
  spec: {
    resourceSelectors: ResourceSelector[];
    overrideRules: { targetCluster: ClusterSelector; overriders: Overriders }[];
  };
}

/**
 * Karmada's graceful eviction task: the template left `fromCluster` (e.g. an untolerated NoExecute
 * taint) but the copy there is kept, with its `replicas`, until the clusters of the new placement
 * hold ready replicas, or `gracePeriodSeconds` after `creationTimestamp`; then it is released.
 */
export interface GracefulEvictionTask {
  fromCluster: string;
  /** The replicas the cluster had (Divided workloads); absent for other kinds. */
  replicas?: number;
  /** Why, in CamelCase (`TaintUntolerated`, `ClusterNotReady`), at most 32 characters. */
  reason: string;
  message?: string;
  /** Who evicted it (the controller's name), at most 32 characters. */
  producer: string;
  /** Overrides the controller's grace period for this task. */
  gracePeriodSeconds?: number;
  /** When the task was created (RFC 3339). */
  creationTimestamp: string;
}

/** The scheduling result for one template (owned by it). */
export interface ResourceBinding extends KubeObject {
  spec: {
    resource: {
      apiVersion: string;
      kind: string;
      namespace?: string;
      name: string;
      uid?: string;
      resourceVersion?: string;
    };
    policy?: { namespace: string; name: string };
    /** The policy's placement, copied by the resource detector (what the scheduler places by). */
    placement?: Placement;
    /** The policy's conflict resolution, for the binding controller's member writes. */
    conflictResolution?: 'Abort' | 'Overwrite';
    /** The policy's `propagateDeps`. */
    propagateDeps?: boolean;
    replicas?: number;
    clusters: { name: string; replicas?: number }[];
    /**
     * Workloads (by their bindings) whose `propagateDeps` policy brings this dependency along, and
     * where they are (Karmada's attached binding snapshot).
     */
    requiredBy?: { namespace: string; name: string; clusters: { name: string }[] }[];
    /**
     * Clusters the template is being moved away from whose copies are kept until the new
     * placement's replicas are ready or the grace period ends (Karmada's graceful eviction).
     */
    gracefulEvictionTasks?: GracefulEvictionTask[];
  };
  status?: {
    conditions?: Condition[];
    aggregatedStatus?: {
      clusterName: string;
      applied: boolean;
      appliedMessage?: string;
      health?: 'Healthy' | 'Unhealthy' | 'Unknown';
      status?: Record<string, unknown>;
    }[];
  };
}
