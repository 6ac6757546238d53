/** Member cluster API types: core/v1, apps/v1, coordination.k8s.io/v1. */
export * from './core-types.js';
export * from './resource-types.js';
export { defaultPodSpec, validatePodSpec } from './validation.js';
