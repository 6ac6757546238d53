/**
 * k8s.io/apimachinery meta/v1 messages (pkg/apis/meta/v1/generated.proto numbering), shared by
 * every kind.
 */
import { message, type Schema } from './schema.js';

/** meta/v1 OwnerReference. */
export const ownerReference: Schema = message(
  { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference' },
  {
    1: { name: 'kind', type: 'string', required: true, description: 'Kind of the owner.' },
    3: { name: 'name', type: 'string', required: true, description: 'Name of the owner.' },
    4: { name: 'uid', type: 'string', required: true, description: 'UID of the owner.' },
    5: {
      name: 'apiVersion',
      type: 'string',
      required: true,
      description: 'API version of the owner.',
    },
    6: {
      name: 'controller',
      type: 'bool',
      optional: true,
      description: 'True if the owner is the managing controller; at most one owner may be.',
    },
    7: { name: 'blockOwnerDeletion', type: 'bool', optional: true },
  },
);

/** meta/v1 ManagedFieldsEntry: which manager set which fields (fieldsV1 is free-form JSON). */
export const managedFieldsEntry: Schema = message(
  { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry' },
  {
    1: { name: 'manager', type: 'string' },
    2: { name: 'operation', type: 'string' },
    3: { name: 'apiVersion', type: 'string' },
    4: { name: 'time', type: 'time' },
    6: { name: 'fieldsType', type: 'string' },
    7: { name: 'fieldsV1', type: 'json' },
    8: { name: 'subresource', type: 'string' },
  },
);

/** meta/v1 ObjectMeta. Server-set fields (uid, resourceVersion...) are kept: the registry judges them. */
export const objectMeta: Schema = message(
  {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    description:
      'Standard metadata every persisted object has: name, namespace, labels, annotations and the fields the server sets.',
  },
  {
    1: {
      name: 'name',
      type: 'string',
      description:
        'Name of the object, unique within its namespace and kind. Cannot be changed after creation.',
    },
    2: {
      name: 'generateName',
      type: 'string',
      description: 'A prefix the server completes with a random suffix when name is empty.',
    },
    3: {
      name: 'namespace',
      type: 'string',
      description: 'Namespace the object lives in; empty for cluster-scoped kinds.',
    },
    4: { name: 'selfLink', type: 'string' },
    5: {
      name: 'uid',
      type: 'string',
      description: 'Unique identifier the server assigns at creation. Read-only.',
    },
    6: {
      name: 'resourceVersion',
      type: 'string',
      description:
        'Opaque version of the object, changed on every write; send it back to update only the version you read. Read-only.',
    },
    7: {
      name: 'generation',
      type: 'int',
      description: 'Sequence number of spec changes, set by the server. Read-only.',
    },
    8: {
      name: 'creationTimestamp',
      type: 'time',
      description: 'When the server created the object. Read-only.',
    },
    9: {
      name: 'deletionTimestamp',
      type: 'time',
      description:
        'When deletion was requested; the object goes once its finalizers are gone. Read-only.',
    },
    10: { name: 'deletionGracePeriodSeconds', type: 'int', optional: true },
    11: {
      name: 'labels',
      type: 'string',
      map: true,
      description: 'Key/value pairs to organise and select objects (label selectors).',
    },
    12: {
      name: 'annotations',
      type: 'string',
      map: true,
      description: 'Key/value pairs for tools and controllers; not used for selection.',
    },
    13: {
      name: 'ownerReferences',
      type: () => ownerReference,
      repeated: true,
      description:
        'Objects this one depends on; the garbage collector deletes it when all owners are gone.',
    },
    14: {
      name: 'finalizers',
      type: 'string',
      repeated: true,
      description: 'Names of controllers that must clean up before the object is deleted.',
    },
    17: { name: 'managedFields', type: () => managedFieldsEntry, repeated: true },
  },
);

/** meta/v1 LabelSelectorRequirement. */
export const labelSelectorRequirement: Schema = message(
  { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement' },
  {
    1: {
      name: 'key',
      type: 'string',
      required: true,
      description: 'The label key the requirement applies to.',
    },
    2: {
      name: 'operator',
      type: 'string',
      required: true,
      description: 'In, NotIn, Exists or DoesNotExist.',
    },
    3: { name: 'values', type: 'string', repeated: true },
  },
);

/** meta/v1 LabelSelector. */
export const labelSelector: Schema = message(
  {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
    description:
      'Selects objects by label; an empty selector matches everything, a missing one nothing.',
  },
  {
    1: {
      name: 'matchLabels',
      type: 'string',
      map: true,
      description: 'Labels an object must have, all of them (ANDed with matchExpressions).',
    },
    2: {
      name: 'matchExpressions',
      type: () => labelSelectorRequirement,
      repeated: true,
      description: 'Requirements on labels, all of which must hold.',
    },
  },
);

/** meta/v1 Preconditions. */
export const preconditions: Schema = message(
  { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.Preconditions' },
  {
    1: { name: 'uid', type: 'string', optional: true },
    2: { name: 'resourceVersion', type: 'string', optional: true },
  },
);

/** meta/v1 DeleteOptions (carried by policy/v1 Eviction). */
export const deleteOptions: Schema = message(
  { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions' },
  {
    1: { name: 'gracePeriodSeconds', type: 'int', optional: true },
    2: { name: 'preconditions', type: () => preconditions },
    3: { name: 'orphanDependents', type: 'bool', optional: true },
    4: { name: 'propagationPolicy', type: 'string', optional: true },
    5: { name: 'dryRun', type: 'string', repeated: true },
  },
);

/** Every top-level kind starts with metadata=1. */
export const withMeta = (rest: Schema): Schema => ({
  1: {
    name: 'metadata',
    type: () => objectMeta,
    description: 'Standard object metadata: name, namespace, labels, annotations.',
  },
  ...rest,
});

/** A top-level kind: metadata=1 plus `rest`, named and described for OpenAPI. */
export const kindMessage = (name: string, description: string, rest: Schema): Schema =>
  message({ name, description }, withMeta(rest));

/** The usual `spec` field of a kind. */
export const specField = (type: () => Schema): Schema[number] => ({
  name: 'spec',
  type,
  description: 'The desired state of the object, written by its owner.',
});

/** The usual `status` field of a kind: written by the server and controllers. */
export const statusField = (type: () => Schema): Schema[number] => ({
  name: 'status',
  type,
  description: 'The observed state of the object, written by the system. Read-only for users.',
});
