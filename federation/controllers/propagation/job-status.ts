/**
 * The status of a federated Job from its members' Jobs (each runs its share of the completions):
 * `active`, `succeeded`, `failed` and `ready` are sums, so a Job with completions 6 divided 3:3
 * reports succeeded 6 once both members finished; `Complete` is True once every member's Job is
 * complete, `Failed` once any member's failed (the federated Job cannot complete then). Pure.
 */
import type { JobStatus } from '../../../api/index.js';
import type { Condition } from '../../../machinery/meta.js';
import type { MemberWorkload } from './deployment-status.js';

type JobCondition = NonNullable<JobStatus['conditions']>[number];

const SUMMED = ['active', 'succeeded', 'failed', 'ready'] as const;

const statusOf = (m: MemberWorkload): JobStatus | undefined =>
  m.object?.status as JobStatus | undefined;
const isTrue = (m: MemberWorkload, type: string): boolean =>
  statusOf(m)?.conditions?.some((c) => c.type === type && c.status === 'True') === true;

/** Keeps the previous condition's transition time while its status stays. */
function withTime(
  next: Condition,
  previous: JobCondition[] | undefined,
  now: string,
): JobCondition {
  const old = previous?.find((c) => c.type === next.type);
  return {
    ...next,
    lastTransitionTime: old?.status === next.status ? (old.lastTransitionTime ?? now) : now,
  };
}

/**
 * The federated Job's status: the members' counts summed, the earliest `startTime`, and, once
 * every member's Job completed, `Complete` with the latest `completionTime`; `Failed` (naming the
 * members) when any member's Job failed. `previous` is the template's status (condition times
 * carry over).
 */
export function aggregateJobStatus(
  members: MemberWorkload[],
  previous: JobStatus | undefined,
  now: Date,
): JobStatus {
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const out: JobStatus = {};
  for (const f of SUMMED) {
    out[f] = members.reduce((n, m) => n + (statusOf(m)?.[f] ?? 0), 0);
  }
  const starts = members.flatMap((m) => statusOf(m)?.startTime ?? []).sort();
  if (starts[0] !== undefined) out.startTime = starts[0];
  const conditions: JobCondition[] = [];
  const failed = members.filter((m) => isTrue(m, 'Failed')).map((m) => m.cluster);
  if (failed.length > 0) {
    conditions.push(
      withTime(
        {
          type: 'Failed',
          status: 'True',
          reason: 'MemberJobFailed',
          message: `Job failed in cluster(s) ${failed.join(', ')}`,
        },
        previous?.conditions,
        ts,
      ),
    );
  } else if (members.length > 0 && members.every((m) => isTrue(m, 'Complete'))) {
    const ends = members.flatMap((m) => statusOf(m)?.completionTime ?? []).sort();
    const last = ends[ends.length - 1];
    if (last !== undefined) out.completionTime = last;
    conditions.push(
      withTime(
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Job completed in every cluster',
        },
        previous?.conditions,
        ts,
      ),
    );
  }
  if (conditions.length > 0) out.conditions = conditions;
  return out;
}
