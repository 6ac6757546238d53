/**
 * apps/v1, batch/v1 and policy/v1 messages (k8s.io/api generated.proto numbering): what
 * `kubectl create deployment|job|cronjob|poddisruptionbudget` and `kubectl drain` (Eviction) post.
 */
import { labelSelector, podTemplateSpec } from './core-schemas.js';
import {
  deleteOptions,
  kindMessage,
  objectMeta,
  specField,
  statusField,
  withMeta,
} from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const rollingUpdateDeployment: Schema = message(
  { name: 'io.k8s.api.apps.v1.RollingUpdateDeployment' },
  {
    1: {
      name: 'maxUnavailable',
      type: 'intOrString',
      description: 'Pods (number or percentage) that may be unavailable during the update.',
    },
    2: {
      name: 'maxSurge',
      type: 'intOrString',
      description: 'Pods (number or percentage) that may be created above the desired count.',
    },
  },
);

const deploymentStrategy: Schema = message(
  { name: 'io.k8s.api.apps.v1.DeploymentStrategy' },
  {
    1: {
      name: 'type',
      type: 'string',
      description: 'Recreate or RollingUpdate. Defaults to RollingUpdate.',
    },
    2: {
      name: 'rollingUpdate',
      type: () => rollingUpdateDeployment,
      description: 'Parameters of a RollingUpdate.',
    },
  },
);

const deploymentSpec: Schema = message(
  { name: 'io.k8s.api.apps.v1.DeploymentSpec' },
  {
    1: {
      name: 'replicas',
      type: 'int',
      optional: true,
      description: 'Number of desired pods. Defaults to 1.',
    },
    2: {
      name: 'selector',
      type: () => labelSelector,
      required: true,
      description:
        'Label selector for the pods the deployment manages; must match the template labels. Immutable.',
    },
    3: {
      name: 'template',
      type: () => podTemplateSpec,
      required: true,
      description: 'Template of the pods to create.',
    },
    4: {
      name: 'strategy',
      type: () => deploymentStrategy,
      description: 'How existing pods are replaced by new ones.',
    },
    5: {
      name: 'minReadySeconds',
      type: 'int',
      description: 'Seconds a new pod must be ready, without crashing, to count as available.',
    },
    6: {
      name: 'revisionHistoryLimit',
      type: 'int',
      optional: true,
      description: 'Number of old ReplicaSets kept for rollback. Defaults to 10.',
    },
    7: {
      name: 'paused',
      type: 'bool',
      description: 'When true, template changes are not rolled out.',
    },
    9: {
      name: 'progressDeadlineSeconds',
      type: 'int',
      optional: true,
      description: 'Seconds a rollout may make no progress before it is reported as failed.',
    },
  },
);

const jobSpec: Schema = message(
  { name: 'io.k8s.api.batch.v1.JobSpec', open: true },
  {
    1: {
      name: 'parallelism',
      type: 'int',
      optional: true,
      description: 'Maximum number of pods running at once.',
    },
    2: {
      name: 'completions',
      type: 'int',
      optional: true,
      description: 'Number of pods that must succeed.',
    },
    3: { name: 'activeDeadlineSeconds', type: 'int', optional: true },
    4: { name: 'selector', type: () => labelSelector },
    5: { name: 'manualSelector', type: 'bool', optional: true },
    6: {
      name: 'template',
      type: () => podTemplateSpec,
      required: true,
      description: 'Template of the pods to run.',
    },
    7: {
      name: 'backoffLimit',
      type: 'int',
      optional: true,
      description: 'Retries before the job is marked failed. Defaults to 6.',
    },
    8: { name: 'ttlSecondsAfterFinished', type: 'int', optional: true },
    9: { name: 'completionMode', type: 'string', optional: true },
    10: { name: 'suspend', type: 'bool', optional: true },
  },
);

const jobTemplateSpec: Schema = message(
  { name: 'io.k8s.api.batch.v1.JobTemplateSpec' },
  {
    1: { name: 'metadata', type: () => objectMeta },
    2: { name: 'spec', type: () => jobSpec },
  },
);

const cronJobSpec: Schema = message(
  { name: 'io.k8s.api.batch.v1.CronJobSpec' },
  {
    1: {
      name: 'schedule',
      type: 'string',
      required: true,
      description: 'Schedule in cron format, e.g. "*/5 * * * *".',
    },
    2: { name: 'startingDeadlineSeconds', type: 'int', optional: true },
    3: {
      name: 'concurrencyPolicy',
      type: 'string',
      description: 'Allow, Forbid or Replace concurrent runs.',
    },
    4: {
      name: 'suspend',
      type: 'bool',
      optional: true,
      description: 'When true, no new runs start.',
    },
    5: {
      name: 'jobTemplate',
      type: () => jobTemplateSpec,
      required: true,
      description: 'Template of the Jobs to create.',
    },
    6: { name: 'successfulJobsHistoryLimit', type: 'int', optional: true },
    7: { name: 'failedJobsHistoryLimit', type: 'int', optional: true },
    8: { name: 'timeZone', type: 'string', optional: true },
  },
);

const podDisruptionBudgetSpec: Schema = message(
  { name: 'io.k8s.api.policy.v1.PodDisruptionBudgetSpec' },
  {
    1: {
      name: 'minAvailable',
      type: 'intOrString',
      optional: true,
      description: 'Pods (number or percentage) that must stay available after an eviction.',
    },
    2: { name: 'selector', type: () => labelSelector, description: 'The pods of the budget.' },
    3: {
      name: 'maxUnavailable',
      type: 'intOrString',
      optional: true,
      description: 'Pods (number or percentage) that may be unavailable after an eviction.',
    },
    4: { name: 'unhealthyPodEvictionPolicy', type: 'string', optional: true },
  },
);

// status is the server's to write: decoded as an empty object, as the JSON path sends it
const status = (): Schema => ({});

/** Workload kinds by `apiVersion/kind`. */
export const workloadSchemas: Record<string, Schema> = {
  'apps/v1/Deployment': kindMessage(
    'io.k8s.api.apps.v1.Deployment',
    'Runs a replicated, updatable set of pods through ReplicaSets, with rolling updates.',
    { 2: specField(() => deploymentSpec), 3: statusField(status) },
  ),
  'batch/v1/Job': kindMessage(
    'io.k8s.api.batch.v1.Job',
    'Runs pods until a given number of them finish successfully.',
    { 2: specField(() => jobSpec), 3: statusField(status) },
  ),
  'batch/v1/CronJob': kindMessage(
    'io.k8s.api.batch.v1.CronJob',
    'Creates Jobs on a repeating schedule.',
    { 2: specField(() => cronJobSpec), 3: statusField(status) },
  ),
  'policy/v1/PodDisruptionBudget': kindMessage(
    'io.k8s.api.policy.v1.PodDisruptionBudget',
    'Limits how many pods of a set voluntary disruptions (evictions) may take down at a time.',
    { 2: specField(() => podDisruptionBudgetSpec), 3: statusField(status) },
  ),
  'policy/v1/Eviction': withMeta({ 2: { name: 'deleteOptions', type: () => deleteOptions } }),
};
