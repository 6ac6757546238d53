/** Pure Job bookkeeping: counting pods, the finished conditions and how many pods should run. */
import type { Job, JobStatus, Pod } from '../../../api/index.js';
import { isPodActive, isPodReady } from '../pod-template.js';

/** Condition reasons and messages as Kubernetes writes them. */
export const JobReasons = {
  backoffLimitExceeded: 'BackoffLimitExceeded',
  deadlineExceeded: 'DeadlineExceeded',
  completionsReached: 'CompletionsReached',
} as const;

/** Pods of a Job grouped by state. */
export interface JobPods {
  active: Pod[];
  succeeded: number;
  failed: number;
  ready: number;
  /** Container restarts of active pods (restartPolicy OnFailure counts them toward backoffLimit). */
  restarts: number;
}

/** Groups `pods`; counts never drop below the last status (a deleted finished pod still counted). */
export function countPods(job: Job, pods: Pod[]): JobPods {
  const active = pods.filter(isPodActive);
  const phase = (ph: string): number => pods.filter((p) => p.status?.phase === ph).length;
  return {
    active,
    succeeded: Math.max(phase('Succeeded'), job.status?.succeeded ?? 0),
    failed: Math.max(phase('Failed'), job.status?.failed ?? 0),
    ready: active.filter(isPodReady).length,
    restarts: active.reduce(
      (n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0),
      0,
    ),
  };
}

/** The finished condition (`Complete` or `Failed` with status True), if any. */
export function finishedCondition(
  job: Job,
): NonNullable<JobStatus['conditions']>[number] | undefined {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** Why the Job must fail now, or undefined. */
export function failureReason(
  job: Job,
  c: JobPods,
  startTime: string,
  now: Date,
): { reason: string; message: string } | undefined {
  const limit = job.spec.backoffLimit ?? 6;
  const onFailure = job.spec.template.spec.restartPolicy === 'OnFailure';
  if (c.failed > limit || (onFailure && (limit === 0 ? c.restarts > 0 : c.restarts >= limit))) {
    return {
      reason: JobReasons.backoffLimitExceeded,
      message: 'Job has reached the specified backoff limit',
    };
  }
  const ads = job.spec.activeDeadlineSeconds;
  if (ads !== undefined && now.getTime() - Date.parse(startTime) >= ads * 1000) {
    return {
      reason: JobReasons.deadlineExceeded,
      message: 'Job was active longer than specified deadline',
    };
  }
  return undefined;
}

/** True when enough pods succeeded (with no completions: one succeeded and none still running). */
export function isComplete(job: Job, c: JobPods): boolean {
  const want = job.spec.completions;
  return want === undefined ? c.succeeded > 0 && c.active.length === 0 : c.succeeded >= want;
}

/** How many pods should be running now. */
export function wantActive(job: Job, c: JobPods): number {
  if (job.spec.suspend) return 0;
  const parallelism = job.spec.parallelism ?? 1;
  const want = job.spec.completions;
  if (want === undefined) return c.succeeded > 0 ? c.active.length : parallelism;
  return Math.max(0, Math.min(parallelism, want - c.succeeded));
}

/** Milliseconds until the next time-based transition (deadline or TTL), or undefined. */
export function nextDeadlineMs(job: Job, startTime: string, now: Date): number | undefined {
  const ads = job.spec.activeDeadlineSeconds;
  if (ads === undefined) return undefined;
  return Math.max(0, Date.parse(startTime) + ads * 1000 - now.getTime());
}
