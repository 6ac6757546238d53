/** policy/v1 PodDisruptionBudget: its type, validation and the resource type a member serves. */
import type { Condition, KubeObject, StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import type { LabelSelectorSpec } from './core-types.js';
import { invalid } from './validation.js';

/** An int or a percentage string such as `50%` (Kubernetes' IntOrString). */
export type IntOrPercent = number | string;

/** policy/v1 PodDisruptionBudget. */
export interface PodDisruptionBudget extends KubeObject {
  spec: {
    minAvailable?: IntOrPercent;
    maxUnavailable?: IntOrPercent;
    selector?: LabelSelectorSpec;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: {
    observedGeneration?: number;
    /** Pods the eviction API deleted that the controller has not yet seen go (name → time). */
    disruptedPods?: Record<string, string>;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    conditions?: Condition[];
  };
}

/** Condition type the disruption controller sets on every PodDisruptionBudget. */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';

/** True for a non-negative integer or a `N%` string (what IntOrString fields of a PDB accept). */
export function isIntOrPercent(v: unknown): v is IntOrPercent {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0;
  return typeof v === 'string' && /^\d+%$/.test(v);
}

/** Validates a PodDisruptionBudget: exactly one of minAvailable/maxUnavailable, a selector. */
export function validatePodDisruptionBudget(o: PodDisruptionBudget): StatusCause[] {
  const spec = o.spec as PodDisruptionBudget['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return [invalid('spec', spec, 'Required value')];
  const out: StatusCause[] = [];
  const hasMin = spec.minAvailable !== undefined;
  const hasMax = spec.maxUnavailable !== undefined;
  if (hasMin && hasMax) {
    out.push(
      invalid(
        'spec',
        'minAvailable and maxUnavailable',
        'minAvailable and maxUnavailable cannot be both set',
      ),
    );
  } else if (!hasMin && !hasMax) {
    out.push({
      reason: 'FieldValueRequired',
      field: 'spec.minAvailable',
      message: 'Required value: one of minAvailable or maxUnavailable must be set',
    });
  }
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    const v = spec[f];
    if (v === undefined) continue;
    if (!isIntOrPercent(v)) {
      out.push(invalid(`spec.${f}`, v, 'must be a non-negative integer or a percentage'));
    } else if (typeof v === 'string' && Number(v.slice(0, -1)) > 100) {
      out.push(invalid(`spec.${f}`, v, 'must not be greater than 100%'));
    }
  }
  if (spec.selector === undefined || spec.selector === null || typeof spec.selector !== 'object') {
    out.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
  }
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.unhealthyPodEvictionPolicy',
      message: `Unsupported value: "${String(policy)}": supported values: "AlwaysAllow", "IfHealthyBudget"`,
    });
  }
  return out;
}

const orNA = (v: IntOrPercent | undefined): string | number => v ?? 'N/A';

/** `poddisruptionbudget` resource type (policy/v1). */
export const podDisruptionBudgetType: ResourceType<PodDisruptionBudget> = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  subresources: { status: true },
  patchMergeKeys: { '.status.conditions': 'type' },
  defaults: (o) => {
    o.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate: (o) => validatePodDisruptionBudget(o),
  printerColumns: [
    { name: 'Min Available', type: 'string', value: (p) => String(orNA(p.spec.minAvailable)) },
    { name: 'Max Unavailable', type: 'string', value: (p) => String(orNA(p.spec.maxUnavailable)) },
    {
      name: 'Allowed Disruptions',
      type: 'integer',
      value: (p) => p.status?.disruptionsAllowed ?? 0,
    },
  ],
};
