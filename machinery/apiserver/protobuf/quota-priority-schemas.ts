/**
 * scheduling.k8s.io/v1 PriorityClass and core/v1 ResourceQuota (k8s.io/api scheduling/v1 and
 * core/v1 generated.proto numbering): what `kubectl create priorityclass` and `kubectl create
 * quota` post, with every field of the Go types.
 */
import { kindMessage, specField, statusField } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

const scopedResourceSelectorRequirement: Schema = message(
  { name: C + 'ScopedResourceSelectorRequirement' },
  {
    1: {
      name: 'scopeName',
      type: 'string',
      required: true,
      description: 'The scope the selector applies to (e.g. PriorityClass).',
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

const scopeSelector: Schema = message(
  { name: C + 'ScopeSelector' },
  {
    1: { name: 'matchExpressions', type: () => scopedResourceSelectorRequirement, repeated: true },
  },
);

const resourceQuotaSpec: Schema = message(
  { name: C + 'ResourceQuotaSpec' },
  {
    1: {
      name: 'hard',
      type: 'quantity',
      map: true,
      description:
        'The enforced hard limit of each named resource (pods, requests.cpu, count/...).',
    },
    2: {
      name: 'scopes',
      type: 'string',
      repeated: true,
      description: 'Filters on the objects the quota tracks (Terminating, BestEffort...).',
    },
    3: { name: 'scopeSelector', type: () => scopeSelector },
  },
);

const resourceQuotaStatus: Schema = message(
  { name: C + 'ResourceQuotaStatus' },
  {
    1: { name: 'hard', type: 'quantity', map: true, description: 'The enforced hard limits.' },
    2: {
      name: 'used',
      type: 'quantity',
      map: true,
      description: 'What the namespace uses of each resource of the quota.',
    },
  },
);

/** PriorityClass and ResourceQuota by `apiVersion/kind`. */
export const quotaPrioritySchemas: Record<string, Schema> = {
  'scheduling.k8s.io/v1/PriorityClass': kindMessage(
    'io.k8s.api.scheduling.v1.PriorityClass',
    'Maps a priority class name to the integer priority pods of that class get.',
    {
      // int32 value is not a pointer: always written, so a zero is kept
      2: {
        name: 'value',
        type: 'int',
        optional: true,
        required: true,
        description: 'The priority pods naming this class receive; higher schedules first.',
      },
      3: {
        name: 'globalDefault',
        type: 'bool',
        description: 'The priority of pods naming no class; at most one class may be the default.',
      },
      4: {
        name: 'description',
        type: 'string',
        description: 'When this priority class should be used.',
      },
      5: {
        name: 'preemptionPolicy',
        type: 'string',
        optional: true,
        description: 'PreemptLowerPriority (default) or Never.',
      },
    },
  ),
  'v1/ResourceQuota': kindMessage(
    C + 'ResourceQuota',
    'Limits the aggregate resource consumption and object counts of a namespace.',
    {
      2: specField(() => resourceQuotaSpec),
      3: statusField(() => resourceQuotaStatus),
    },
  ),
};
