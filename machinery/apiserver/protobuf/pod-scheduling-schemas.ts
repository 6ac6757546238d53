/**
 * core/v1 messages that place a pod (k8s.io/api core/v1/generated.proto numbering): affinity,
 * tolerations and topology spread constraints. Every Go field is listed, so unknown fields are
 * reported.
 */
import { labelSelector } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

const nodeSelectorRequirement: Schema = message(
  { name: C + 'NodeSelectorRequirement' },
  {
    1: { name: 'key', type: 'string', required: true },
    2: {
      name: 'operator',
      type: 'string',
      required: true,
      description: 'In, NotIn, Exists, DoesNotExist, Gt or Lt.',
    },
    3: { name: 'values', type: 'string', repeated: true },
  },
);

const nodeSelectorTerm: Schema = message(
  { name: C + 'NodeSelectorTerm' },
  {
    1: { name: 'matchExpressions', type: () => nodeSelectorRequirement, repeated: true },
    2: { name: 'matchFields', type: () => nodeSelectorRequirement, repeated: true },
  },
);

const nodeSelector: Schema = message(
  { name: C + 'NodeSelector' },
  {
    1: {
      name: 'nodeSelectorTerms',
      type: () => nodeSelectorTerm,
      repeated: true,
      required: true,
      description: 'Terms ORed together.',
    },
  },
);

const preferredSchedulingTerm: Schema = message(
  { name: C + 'PreferredSchedulingTerm' },
  {
    1: { name: 'weight', type: 'int', required: true, description: '1-100.' },
    2: { name: 'preference', type: () => nodeSelectorTerm, required: true },
  },
);

const nodeAffinity: Schema = message(
  { name: C + 'NodeAffinity' },
  {
    1: { name: 'requiredDuringSchedulingIgnoredDuringExecution', type: () => nodeSelector },
    2: {
      name: 'preferredDuringSchedulingIgnoredDuringExecution',
      type: () => preferredSchedulingTerm,
      repeated: true,
    },
  },
);

const podAffinityTerm: Schema = message(
  { name: C + 'PodAffinityTerm' },
  {
    1: { name: 'labelSelector', type: () => labelSelector },
    2: { name: 'namespaces', type: 'string', repeated: true },
    3: {
      name: 'topologyKey',
      type: 'string',
      required: true,
      description: 'Node label whose value defines the co-location domain.',
    },
    4: { name: 'namespaceSelector', type: () => labelSelector },
    5: { name: 'matchLabelKeys', type: 'string', repeated: true },
    6: { name: 'mismatchLabelKeys', type: 'string', repeated: true },
  },
);

const weightedPodAffinityTerm: Schema = message(
  { name: C + 'WeightedPodAffinityTerm' },
  {
    1: { name: 'weight', type: 'int', required: true, description: '1-100.' },
    2: { name: 'podAffinityTerm', type: () => podAffinityTerm, required: true },
  },
);

const podAffinityFields: Schema = {
  1: {
    name: 'requiredDuringSchedulingIgnoredDuringExecution',
    type: () => podAffinityTerm,
    repeated: true,
  },
  2: {
    name: 'preferredDuringSchedulingIgnoredDuringExecution',
    type: () => weightedPodAffinityTerm,
    repeated: true,
  },
};

const podAffinity: Schema = message({ name: C + 'PodAffinity' }, { ...podAffinityFields });
const podAntiAffinity: Schema = message({ name: C + 'PodAntiAffinity' }, { ...podAffinityFields });

/** core/v1 Affinity. */
export const affinity: Schema = message(
  { name: C + 'Affinity' },
  {
    1: { name: 'nodeAffinity', type: () => nodeAffinity },
    2: { name: 'podAffinity', type: () => podAffinity },
    3: { name: 'podAntiAffinity', type: () => podAntiAffinity },
  },
);

/** core/v1 Toleration. */
export const toleration: Schema = message(
  { name: 'io.k8s.api.core.v1.Toleration' },
  {
    1: {
      name: 'key',
      type: 'string',
      description:
        'Taint key the toleration applies to; empty matches all keys with operator Exists.',
    },
    2: { name: 'operator', type: 'string' },
    3: { name: 'value', type: 'string' },
    4: {
      name: 'effect',
      type: 'string',
      description:
        'Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.',
    },
    5: { name: 'tolerationSeconds', type: 'int', optional: true },
  },
);

/** core/v1 TopologySpreadConstraint. */
export const topologySpreadConstraint: Schema = message(
  { name: C + 'TopologySpreadConstraint' },
  {
    1: {
      name: 'maxSkew',
      type: 'int',
      required: true,
      description: 'Largest allowed difference in matching pods between two domains.',
    },
    2: { name: 'topologyKey', type: 'string', required: true },
    3: {
      name: 'whenUnsatisfiable',
      type: 'string',
      required: true,
      description: 'DoNotSchedule or ScheduleAnyway.',
    },
    4: { name: 'labelSelector', type: () => labelSelector },
    5: { name: 'minDomains', type: 'int', optional: true },
    6: { name: 'nodeAffinityPolicy', type: 'string', optional: true },
    7: { name: 'nodeTaintsPolicy', type: 'string', optional: true },
    8: { name: 'matchLabelKeys', type: 'string', repeated: true },
  },
);
