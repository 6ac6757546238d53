/**
 * The federated status of the workloads placed Duplicated because they have no replicas (Karmada's
 * default interpreter, `aggregateDaemonSetStatus` / `aggregateCronJobStatus`): a DaemonSet's
 * counts are the sum of its members' (each runs one pod per eligible node of its own), and a
 * CronJob's active Jobs are all its members' with the latest schedule and success times.
 */
import type { CronJob, DaemonSet } from '../../../api/index.js';
import { federatedObservedGeneration, type MemberWorkload } from './deployment-status.js';

type DaemonSetStatus = NonNullable<DaemonSet['status']>;
type CronJobStatus = NonNullable<CronJob['status']>;

/** The DaemonSet status counts, summed across the members. */
const DAEMONSET_SUMMED = [
  'currentNumberScheduled',
  'numberMisscheduled',
  'desiredNumberScheduled',
  'numberReady',
  'updatedNumberScheduled',
  'numberAvailable',
  'numberUnavailable',
] as const;

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * A federated DaemonSet's status: every count summed over its members (so `desiredNumberScheduled`
 * is the number of eligible nodes in all of them); `observedGeneration` reaches the template's
 * generation once every member observed it, otherwise it keeps `previous`.
 */
export function aggregateDaemonSetStatus(
  generation: number | undefined,
  members: MemberWorkload[],
  previous: DaemonSetStatus | undefined,
): DaemonSetStatus {
  const out: DaemonSetStatus = {};
  const og =
    generation === undefined
      ? undefined
      : federatedObservedGeneration(generation, members, previous?.observedGeneration);
  if (og !== undefined) out.observedGeneration = og;
  for (const f of DAEMONSET_SUMMED) {
    out[f] = members.reduce(
      (n, m) => n + num((m.object?.status as DaemonSetStatus | undefined)?.[f]),
      0,
    );
  }
  return out;
}

/**
 * A federated CronJob's status: the active Jobs of every member (member names, as Karmada lists
 * them) and the latest `lastScheduleTime` / `lastSuccessfulTime` of any member (RFC 3339 UTC
 * strings compare in time order).
 */
export function aggregateCronJobStatus(members: MemberWorkload[]): CronJobStatus {
  const out: CronJobStatus = {};
  const statuses = members.map((m) => (m.object?.status ?? {}) as CronJobStatus);
  const active = statuses.flatMap((s) => s.active ?? []);
  if (active.length > 0) out.active = active;
  const latest = (pick: (s: CronJobStatus) => string | undefined): string | undefined =>
    statuses
      .map(pick)
      .filter((t): t is string => t !== undefined)
      .sort()
      .at(-1);
  const scheduled = latest((s) => s.lastScheduleTime);
  if (scheduled !== undefined) out.lastScheduleTime = scheduled;
  const succeeded = latest((s) => s.lastSuccessfulTime);
  if (succeeded !== undefined) out.lastSuccessfulTime = succeeded;
  return out;
}
