/** batch/v1 resource types: Job and CronJob (`status`). */
import type { StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { CronSchedule, CronScheduleError, isValidTimeZone } from './cron-schedule.js';
import { podSpecMergeKeys } from './merge-keys.js';
import { defaultPodSpec, invalid, validateWorkloadSpec } from './validation.js';
import type { CronJob, Job, JobSpec } from './workload-types.js';

/** Label on a Job's pods naming the Job (also set without the prefix, as Kubernetes does). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** Label on a Job's pods (and its generated selector) carrying the Job's uid. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

/**
 * Kubernetes' Job defaults: both counts 1 when neither is given (a single pod), parallelism 1,
 * backoffLimit 6, and, on create (the uid is known), a generated selector on the Job's uid with
 * the matching template labels — so Jobs with equal templates never share pods.
 */
function defaultJobSpec(spec: JobSpec | undefined, name: string, uid: string | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.suspend ??= false;
  if (spec.selector === undefined && spec.manualSelector !== true && uid !== undefined) {
    spec.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
    spec.template.metadata ??= {};
    spec.template.metadata.labels = {
      ...spec.template.metadata.labels,
      [CONTROLLER_UID_LABEL]: uid,
      'controller-uid': uid,
      [JOB_NAME_LABEL]: name,
      'job-name': name,
    };
  }
  defaultPodSpec(spec.template.spec);
}

const nonNegative = (field: string, v: number | undefined): StatusCause[] =>
  v !== undefined && (!Number.isInteger(v) || v < 0)
    ? [invalid(field, v, 'must be greater than or equal to 0')]
    : [];

/** Validates a JobSpec at `path` (`spec` or `spec.jobTemplate.spec`). */
function validateJobSpec(
  spec: JobSpec | undefined,
  path: string,
  withSelector: boolean,
): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [invalid(path, spec, 'Required value')];
  const out: StatusCause[] = [];
  // only a Job has a selector of its own; a CronJob's Jobs get theirs when created
  if (withSelector) out.push(...validateWorkloadSpec(spec, false));
  for (const f of [
    'completions',
    'parallelism',
    'backoffLimit',
    'ttlSecondsAfterFinished',
  ] as const) {
    out.push(...nonNegative(`${path}.${f}`, spec[f]));
  }
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (!Number.isInteger(ads) || ads <= 0)) {
    out.push(invalid(`${path}.activeDeadlineSeconds`, ads, 'must be greater than 0'));
  }
  const rp = spec.template.spec.restartPolicy;
  if (rp !== 'Never' && rp !== 'OnFailure') {
    out.push({
      reason: 'FieldValueNotSupported',
      field: `${path}.template.spec.restartPolicy`,
      message: `Unsupported value: "${String(rp)}": supported values: "OnFailure", "Never"`,
    });
  }
  return out;
}

/** `job` resource type. */
export const jobType: ResourceType<Job> = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  subresources: { status: true },
  patchMergeKeys: { ...podSpecMergeKeys('.spec.template.spec'), '.status.conditions': 'type' },
  defaults: (o) => {
    defaultJobSpec(o.spec, o.metadata.name ?? '', o.metadata.uid);
  },
  validate: (o) =>
    (o.spec as JobSpec | undefined)?.template?.spec
      ? validateJobSpec(o.spec, 'spec', true)
      : validateWorkloadSpec(o.spec, false),
  printerColumns: [
    {
      name: 'Status',
      type: 'string',
      value: (j) =>
        j.status?.conditions?.find(
          (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
        )?.type ?? (j.spec.suspend ? 'Suspended' : 'Running'),
    },
    {
      name: 'Completions',
      type: 'string',
      value: (j) =>
        `${String(j.status?.succeeded ?? 0)}/${j.spec.completions === undefined ? '1 of ' + String(j.spec.parallelism ?? 1) : String(j.spec.completions)}`,
    },
    { name: 'Active', type: 'integer', value: (j) => j.status?.active ?? 0, priority: 1 },
  ],
};

/** `cronJob` resource type. */
export const cronJobType: ResourceType<CronJob> = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  subresources: { status: true },
  patchMergeKeys: podSpecMergeKeys('.spec.jobTemplate.spec.template.spec'),
  defaults: (o) => {
    if (!o.spec || typeof o.spec !== 'object') return;
    o.spec.concurrencyPolicy ??= 'Allow';
    o.spec.suspend ??= false;
    o.spec.successfulJobsHistoryLimit ??= 3;
    o.spec.failedJobsHistoryLimit ??= 1;
    // the selector is generated per Job when the controller creates it (it needs the Job's uid)
    const js = o.spec.jobTemplate?.spec as JobSpec | undefined;
    if (js?.template) defaultPodSpec(js.template.spec);
  },
  validate: (o) => {
    const spec = o.spec as CronJob['spec'] | undefined;
    if (!spec || typeof spec !== 'object') return [invalid('spec', spec, 'Required value')];
    const out: StatusCause[] = [];
    try {
      CronSchedule.parse(spec.schedule);
    } catch (err) {
      if (!(err instanceof CronScheduleError)) throw err;
      out.push(invalid('spec.schedule', spec.schedule, err.message));
    }
    if (spec.timeZone !== undefined && !isValidTimeZone(spec.timeZone)) {
      out.push(invalid('spec.timeZone', spec.timeZone, 'unknown time zone'));
    }
    const cp = spec.concurrencyPolicy;
    if (cp !== undefined && !['Allow', 'Forbid', 'Replace'].includes(cp)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.concurrencyPolicy',
        message: `Unsupported value: "${String(cp)}": supported values: "Allow", "Forbid", "Replace"`,
      });
    }
    out.push(...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
    out.push(...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit));
    out.push(...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
    const js = spec.jobTemplate?.spec as JobSpec | undefined;
    if (!js?.template?.spec) {
      out.push(invalid('spec.jobTemplate.spec.template', undefined, 'Required value'));
    } else out.push(...validateJobSpec(js, 'spec.jobTemplate.spec', false));
    return out;
  },
  printerColumns: [
    { name: 'Schedule', type: 'string', value: (c) => c.spec.schedule },
    { name: 'Timezone', type: 'string', value: (c) => c.spec.timeZone ?? '<none>' },
    { name: 'Suspend', type: 'boolean', value: (c) => c.spec.suspend ?? false },
    { name: 'Active', type: 'integer', value: (c) => c.status?.active?.length ?? 0 },
    { name: 'Last Schedule', type: 'date', value: (c) => c.status?.lastScheduleTime ?? '<none>' },
  ],
};
