/**
 * k8s.io/apimachinery meta/v1 messages (pkg/apis/meta/v1/generated.proto numbering), shared by
 * every kind.
 */
import type { Schema } from './schema.js';

/** meta/v1 OwnerReference. */
export const ownerReference: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool', optional: true },
  7: { name: 'blockOwnerDeletion', type: 'bool', optional: true },
};

/** meta/v1 ObjectMeta. Server-set fields (uid, resourceVersion...) are kept: the registry judges them. */
export const objectMeta: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int', optional: true },
  11: { name: 'labels', type: 'string', map: true },
  12: { name: 'annotations', type: 'string', map: true },
  13: { name: 'ownerReferences', type: () => ownerReference, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

/** meta/v1 LabelSelectorRequirement. */
export const labelSelectorRequirement: Schema = {
  1: { name: 'key', type: 'string' },
  2: { name: 'operator', type: 'string' },
  3: { name: 'values', type: 'string', repeated: true },
};

/** meta/v1 LabelSelector. */
export const labelSelector: Schema = {
  1: { name: 'matchLabels', type: 'string', map: true },
  2: { name: 'matchExpressions', type: () => labelSelectorRequirement, repeated: true },
};

/** meta/v1 Preconditions. */
export const preconditions: Schema = {
  1: { name: 'uid', type: 'string', optional: true },
  2: { name: 'resourceVersion', type: 'string', optional: true },
};

/** meta/v1 DeleteOptions (carried by policy/v1 Eviction). */
export const deleteOptions: Schema = {
  1: { name: 'gracePeriodSeconds', type: 'int', optional: true },
  2: { name: 'preconditions', type: () => preconditions },
  3: { name: 'orphanDependents', type: 'bool', optional: true },
  4: { name: 'propagationPolicy', type: 'string', optional: true },
  5: { name: 'dryRun', type: 'string', repeated: true },
};

/** Every top-level kind starts with metadata=1. */
export const withMeta = (rest: Schema): Schema => ({
  1: { name: 'metadata', type: () => objectMeta },
  ...rest,
});
