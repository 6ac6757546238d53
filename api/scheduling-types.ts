/**
 * scheduling.k8s.io/v1 PriorityClass: its type, validation (pkg/apis/scheduling/validation), the
 * two system classes every cluster has, and the resource type a member serves.
 */
import type { KubeObject, StatusCause } from '../machinery/meta.js';
import type { Pod } from './core-types.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { invalid } from './validation.js';

/** scheduling.k8s.io/v1 PriorityClass (cluster-scoped; the fields are top-level, no spec). */
export interface PriorityClass extends KubeObject {
  value: number;
  globalDefault?: boolean;
  description?: string;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
}

/** Highest value a user-defined class may have (scheduling.HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** Names with this prefix are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
export const PREEMPT_LOWER_PRIORITY = 'PreemptLowerPriority';

/** The classes kube-apiserver creates at start (schedulingapiv1.SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: readonly {
  name: string;
  value: number;
  description: string;
}[] = [
  {
    name: 'system-node-critical',
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: 'system-cluster-critical',
    value: 2_000_000_000,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** A system class as it is stored. */
export function systemPriorityClass(c: (typeof SYSTEM_PRIORITY_CLASSES)[number]): PriorityClass {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: c.name },
    value: c.value,
    description: c.description,
    preemptionPolicy: PREEMPT_LOWER_PRIORITY,
  };
}

const POLICIES = ['Never', 'PreemptLowerPriority'];

/** Validates a PriorityClass as kube-apiserver does (create and update). */
export function validatePriorityClass(
  pc: PriorityClass,
  old: PriorityClass | undefined,
): StatusCause[] {
  const out: StatusCause[] = [];
  const name = pc.metadata.name ?? '';
  if (typeof pc.value !== 'number' || !Number.isInteger(pc.value)) {
    out.push(invalid('value', pc.value, 'must be an integer'));
  } else if (pc.value < -2_147_483_648 || pc.value > 2_147_483_647) {
    out.push(invalid('value', pc.value, 'must be a 32-bit integer'));
  }
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
    let why: string | undefined;
    if (!known) why = `${name} is not a known system priority class`;
    else if (known.value !== pc.value) {
      why = `value of ${name} PriorityClass must be ${String(known.value)}`;
    } else if (pc.globalDefault) why = `globalDefault of ${name} PriorityClass must be false`;
    if (why !== undefined) {
      out.push({
        reason: 'FieldValueForbidden',
        field: 'metadata.name',
        message: `Forbidden: priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`,
      });
    }
  } else if (typeof pc.value === 'number' && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    out.push({
      reason: 'FieldValueForbidden',
      field: 'value',
      message: `Forbidden: maximum allowed value of a user defined priority is ${String(HIGHEST_USER_DEFINABLE_PRIORITY)}`,
    });
  }
  if (pc.preemptionPolicy !== undefined && !POLICIES.includes(pc.preemptionPolicy)) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'preemptionPolicy',
      message: `Unsupported value: "${String(pc.preemptionPolicy)}": supported values: "Never", "PreemptLowerPriority"`,
    });
  }
  if (old) {
    if (old.value !== pc.value) {
      out.push({
        reason: 'FieldValueForbidden',
        field: 'value',
        message: 'Forbidden: may not be changed in an update.',
      });
    }
    if (old.preemptionPolicy !== pc.preemptionPolicy) {
      out.push(invalid('preemptionPolicy', pc.preemptionPolicy, 'field is immutable'));
    }
  }
  return out;
}

/** `priorityclass` resource type (scheduling.k8s.io/v1). */
export const priorityClassType: ResourceType<PriorityClass> = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  defaults: (o) => {
    o.value ??= 0;
    o.preemptionPolicy ??= PREEMPT_LOWER_PRIORITY;
  },
  validate: (o, old) => validatePriorityClass(o, old),
  printerColumns: [
    { name: 'Value', type: 'integer', value: (p) => p.value },
    { name: 'Global-Default', type: 'boolean', value: (p) => p.globalDefault ?? false },
    { name: 'PreemptionPolicy', type: 'string', value: (p) => p.preemptionPolicy },
  ],
};

/**
 * Priority admission on pod update: the priority and preemption policy set at create are kept
 * when an update leaves them out (a `kubectl replace` of the original manifest).
 */
export function keepPodPriority(pod: Pod, old: Pod): void {
  if (!pod.spec || typeof pod.spec !== 'object') return;
  if (pod.spec.priority === undefined && old.spec.priority !== undefined) {
    pod.spec.priority = old.spec.priority;
  }
  if (pod.spec.preemptionPolicy === undefined && old.spec.preemptionPolicy !== undefined) {
    pod.spec.preemptionPolicy = old.spec.preemptionPolicy;
  }
}
