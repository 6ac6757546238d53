/** Member cluster API types: core/v1, apps/v1, coordination.k8s.io/v1. */
export * from './core-types.js';
export * from './resource-types.js';
export * from './events-types.js';
export * from './apps-resource-types.js';
export * from './gvr.js';
export * from './service-account-type.js';
export * from './workload-types.js';
export * from './batch-resource-types.js';
export * from './stateful-resource-types.js';
export * from './cron-schedule.js';
export * from './certificates-types.js';
export * from './policy-types.js';
export * from './scheduling-types.js';
export * from './resource-quota.js';
export * from './autoscaling-types.js';
export * from './autoscaling-resource-types.js';
export * from './networking-types.js';
export * from './discovery-types.js';
export * from './multicluster-types.js';
export * from './apiextensions-types.js';
export { csrApprovalHandler, signerAttributes } from './certificates-approval.js';
export { podSpecMergeKeys } from './merge-keys.js';
export {
  admitPodUpdate,
  EPHEMERAL_CONTAINERS,
  podContainerNames,
  validateEphemeralContainers,
} from './pod-ephemeral-containers.js';
export {
  defaultPodSpec,
  validateDeploymentStrategy,
  validatePodSpec,
  validateServiceSpec,
  validateWorkloadSpec,
} from './validation.js';
export { EventRecorder, type EventDetails, type EventRecorderOptions } from './event-recorder.js';
export {
  CHANGE_CAUSE_ANNOTATION,
  controllerRef,
  controllerUid,
  equalIgnoreHash,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  revisionOf,
  templateHash,
} from './pod-template-hash.js';
export * from './quantity.js';
