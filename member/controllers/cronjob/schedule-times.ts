/** Which scheduled start times of a CronJob were missed, and the Job built for one of them. */
import type { CronJob, CronSchedule, Job } from '../../../api/index.js';
import { controllerRef } from '../pod-template.js';

/** Kubernetes' limit: with more missed start times than this an event asks to fix the deadline. */
export const MAX_MISSED_STARTS = 100;
/** Annotation on created Jobs with the start time they were scheduled for. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** The missed start times since `earliest`: the most recent one and how many there were. */
export interface MissedStarts {
  mostRecent: Date | undefined;
  /** Capped just above {@link MAX_MISSED_STARTS}; the exact number does not matter beyond it. */
  count: number;
}

/**
 * Start times in (`earliest`, `now`]. Only the most recent is ever run (at most one catch-up run);
 * when many were missed the search restarts from ever wider windows before `now`, so a
 * minutely schedule after a year of downtime costs a few hundred steps, not half a million.
 */
export function missedStarts(
  sched: CronSchedule,
  tz: string,
  earliest: Date,
  now: Date,
): MissedStarts {
  let count = 0;
  let mostRecent: Date | undefined;
  for (let t = sched.next(earliest, tz); t && t <= now; t = sched.next(t, tz)) {
    mostRecent = t;
    if (++count > MAX_MISSED_STARTS) break;
  }
  if (count <= MAX_MISSED_STARTS) return { mostRecent, count };
  const HOUR = 3_600_000;
  for (const span of [HOUR, 24 * HOUR, 32 * 24 * HOUR, 367 * 24 * HOUR, 5 * 367 * 24 * HOUR]) {
    const from = new Date(Math.max(earliest.getTime(), now.getTime() - span));
    let last: Date | undefined;
    for (let t = sched.next(from, tz); t && t <= now; t = sched.next(t, tz)) last = t;
    if (last) return { mostRecent: last, count };
  }
  return { mostRecent, count };
}

/** The Job a CronJob runs for start time `scheduled` (name `<cronjob>-<minutes since epoch>`). */
export function jobForSchedule(cj: CronJob, scheduled: Date): Job {
  const tmpl = structuredClone(cj.spec.jobTemplate);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled),
      namespace: cj.metadata.namespace ?? 'default',
      labels: tmpl.metadata?.labels ?? {},
      annotations: {
        ...tmpl.metadata?.annotations,
        [SCHEDULED_TIMESTAMP_ANNOTATION]: scheduled.toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      ownerReferences: [controllerRef(cj)],
    },
    spec: tmpl.spec,
  };
}

/** Deterministic Job name: a second reconcile of the same start time cannot create a second Job. */
export function jobNameFor(cj: CronJob, scheduled: Date): string {
  return `${cj.metadata.name ?? 'cronjob'}-${String(Math.floor(scheduled.getTime() / 60_000))}`;
}
