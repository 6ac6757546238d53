/** batch/v1 Job and CronJob, apps/v1 StatefulSet, DaemonSet and ControllerRevision shapes. */
import type { Condition, KubeObject, ObjectMeta } from '../machinery/meta.js';
import type { LabelSelectorSpec, PodTemplateSpec } from './core-types.js';

/** batch/v1 JobSpec (the fields the Job controller honours). */
export interface JobSpec {
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  manualSelector?: boolean;
  selector?: LabelSelectorSpec;
  template: PodTemplateSpec;
}

/** batch/v1 JobStatus. */
export interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: (Condition & { lastProbeTime?: string })[];
}

/** batch/v1 Job. */
export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

/** batch/v1 CronJob. */
export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    startingDeadlineSeconds?: number;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: { metadata?: ObjectMeta; spec: JobSpec };
  };
  status?: {
    active?: {
      apiVersion?: string;
      kind?: string;
      name: string;
      namespace?: string;
      uid?: string;
    }[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}

/** apps/v1 StatefulSet. */
export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: {
      type?: 'RollingUpdate' | 'OnDelete';
      rollingUpdate?: { partition?: number; maxUnavailable?: number | string };
    };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    collisionCount?: number;
  };
}

/** apps/v1 DaemonSet. */
export interface DaemonSet extends KubeObject {
  spec: {
    selector: LabelSelectorSpec;
    template: PodTemplateSpec;
    updateStrategy?: {
      type?: 'RollingUpdate' | 'OnDelete';
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
  };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberMisscheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
  };
}

/** apps/v1 ControllerRevision: an immutable snapshot of a StatefulSet/DaemonSet template. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}
