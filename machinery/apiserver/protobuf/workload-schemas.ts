/**
 * apps/v1, batch/v1 and policy/v1 messages (k8s.io/api generated.proto numbering): what
 * `kubectl create deployment|job|cronjob` and `kubectl drain` (Eviction) post.
 */
import { labelSelector, podTemplateSpec } from './core-schemas.js';
import { deleteOptions, objectMeta, withMeta } from './meta-schemas.js';
import type { Schema } from './schema.js';

const rollingUpdateDeployment: Schema = {
  1: { name: 'maxUnavailable', type: 'intOrString' },
  2: { name: 'maxSurge', type: 'intOrString' },
};

const deploymentStrategy: Schema = {
  1: { name: 'type', type: 'string' },
  2: { name: 'rollingUpdate', type: () => rollingUpdateDeployment },
};

const deploymentSpec: Schema = {
  1: { name: 'replicas', type: 'int', optional: true },
  2: { name: 'selector', type: () => labelSelector },
  3: { name: 'template', type: () => podTemplateSpec },
  4: { name: 'strategy', type: () => deploymentStrategy },
  5: { name: 'minReadySeconds', type: 'int' },
  6: { name: 'revisionHistoryLimit', type: 'int', optional: true },
  7: { name: 'paused', type: 'bool' },
  9: { name: 'progressDeadlineSeconds', type: 'int', optional: true },
};

const jobSpec: Schema = {
  1: { name: 'parallelism', type: 'int', optional: true },
  2: { name: 'completions', type: 'int', optional: true },
  3: { name: 'activeDeadlineSeconds', type: 'int', optional: true },
  4: { name: 'selector', type: () => labelSelector },
  5: { name: 'manualSelector', type: 'bool', optional: true },
  6: { name: 'template', type: () => podTemplateSpec },
  7: { name: 'backoffLimit', type: 'int', optional: true },
  8: { name: 'ttlSecondsAfterFinished', type: 'int', optional: true },
  9: { name: 'completionMode', type: 'string', optional: true },
  10: { name: 'suspend', type: 'bool', optional: true },
};

const jobTemplateSpec: Schema = {
  1: { name: 'metadata', type: () => objectMeta },
  2: { name: 'spec', type: () => jobSpec },
};

const cronJobSpec: Schema = {
  1: { name: 'schedule', type: 'string' },
  2: { name: 'startingDeadlineSeconds', type: 'int', optional: true },
  3: { name: 'concurrencyPolicy', type: 'string' },
  4: { name: 'suspend', type: 'bool', optional: true },
  5: { name: 'jobTemplate', type: () => jobTemplateSpec },
  6: { name: 'successfulJobsHistoryLimit', type: 'int', optional: true },
  7: { name: 'failedJobsHistoryLimit', type: 'int', optional: true },
  8: { name: 'timeZone', type: 'string', optional: true },
};

// status is the server's to write: decoded as an empty object, as the JSON path sends it
const status = (): Schema => ({});

/** Workload kinds by `apiVersion/kind`. */
export const workloadSchemas: Record<string, Schema> = {
  'apps/v1/Deployment': withMeta({
    2: { name: 'spec', type: () => deploymentSpec },
    3: { name: 'status', type: status },
  }),
  'batch/v1/Job': withMeta({
    2: { name: 'spec', type: () => jobSpec },
    3: { name: 'status', type: status },
  }),
  'batch/v1/CronJob': withMeta({
    2: { name: 'spec', type: () => cronJobSpec },
    3: { name: 'status', type: status },
  }),
  'policy/v1/Eviction': withMeta({ 2: { name: 'deleteOptions', type: () => deleteOptions } }),
};
