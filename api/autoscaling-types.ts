/**
 * autoscaling/v2 HorizontalPodAutoscaler: its shape, defaulting and validation (the served
 * resource types, v2 and the v1 view of the same objects, are in autoscaling-resource-types.ts).
 */
import type { Condition, KubeObject, StatusCause } from '../machinery/meta.js';
import { invalid, required } from './validation.js';

/** The object an autoscaler scales (through its `scale` subresource). */
export interface CrossVersionObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
}

/** A metric's target: a utilization percentage of the pods' requests, or a quantity. */
export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

/** One metric an autoscaler follows (only `Resource` metrics are computed by members). */
export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: Record<string, unknown>;
  object?: Record<string, unknown>;
  external?: Record<string, unknown>;
}

/** A metric's current value, as status reports it. */
export interface MetricStatus {
  type: MetricSpec['type'];
  resource?: {
    name: string;
    current: { averageUtilization?: number; averageValue?: string; value?: string };
  };
}

/** One scaling policy: at most `value` pods (or percent) per `periodSeconds`. */
export interface HpaScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** How one direction scales (`behavior.scaleUp` / `behavior.scaleDown`). */
export interface HpaScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HpaScalingPolicy[];
}

/** autoscaling/v2 HorizontalPodAutoscaler. */
export interface HorizontalPodAutoscaler extends KubeObject {
  spec: {
    scaleTargetRef: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas: number;
    metrics?: MetricSpec[];
    behavior?: { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules };
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: MetricStatus[] | null;
    conditions?: Condition[];
  };
}

/** Condition types the HPA controller sets, as Kubernetes names them. */
export const HPA_ABLE_TO_SCALE = 'AbleToScale';
/** See {@link HPA_ABLE_TO_SCALE}. */
export const HPA_SCALING_ACTIVE = 'ScalingActive';
/** See {@link HPA_ABLE_TO_SCALE}. */
export const HPA_SCALING_LIMITED = 'ScalingLimited';

/** The CPU target autoscaling/v2 defaults to when an autoscaler names no metric. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** Kubernetes' defaulting: minReplicas 1, and an 80 % CPU utilization metric when none is set. */
export function defaultHorizontalPodAutoscaler(o: HorizontalPodAutoscaler): void {
  const spec = o.spec as HorizontalPodAutoscaler['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
        },
      },
    ];
  }
  o.status ??= { currentReplicas: 0, desiredReplicas: 0 };
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateTarget(t: MetricTarget | undefined, path: string): StatusCause[] {
  if (!t || typeof t !== 'object') return [required(`${path}.target`)];
  const out: StatusCause[] = [];
  const p = `${path}.target`;
  if (t.type === 'Utilization') {
    if (!isInt(t.averageUtilization) || t.averageUtilization < 1) {
      out.push(invalid(`${p}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
    }
  } else if (t.type === 'AverageValue') {
    if (typeof t.averageValue !== 'string' && typeof t.averageValue !== 'number') {
      out.push(required(`${p}.averageValue`));
    }
  } else if (t.type === 'Value') {
    if (typeof t.value !== 'string' && typeof t.value !== 'number') {
      out.push(required(`${p}.value`));
    }
  } else {
    out.push(invalid(`${p}.type`, t.type, 'must be either Utilization, Value, or AverageValue'));
  }
  return out;
}

function validateMetric(m: MetricSpec, i: number): StatusCause[] {
  const path = `spec.metrics[${String(i)}]`;
  switch (m.type) {
    case 'Resource':
      if (!m.resource?.name) return [required(`${path}.resource.name`)];
      return validateTarget(m.resource.target, `${path}.resource`);
    case 'ContainerResource':
      if (!m.containerResource?.name) return [required(`${path}.containerResource.name`)];
      return validateTarget(m.containerResource.target, `${path}.containerResource`);
    case 'Pods':
    case 'Object':
    case 'External':
      return [];
    default:
      return [
        invalid(
          `${path}.type`,
          (m as { type?: unknown }).type,
          'must be either Resource, Pods, Object, External or ContainerResource',
        ),
      ];
  }
}

function validateRules(r: HpaScalingRules | undefined, path: string): StatusCause[] {
  if (r === undefined) return [];
  const out: StatusCause[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!isInt(w) || w < 0 || w > 3600)) {
    out.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be between 0 and 3600'));
  }
  (r.policies ?? []).forEach((p, i) => {
    const pp = `${path}.policies[${String(i)}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') {
      out.push(invalid(`${pp}.type`, p.type, 'must be either Pods or Percent'));
    }
    if (!isInt(p.value) || p.value < 1) out.push(invalid(`${pp}.value`, p.value, 'must be > 0'));
    if (!isInt(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) {
      out.push(invalid(`${pp}.periodSeconds`, p.periodSeconds, 'must be between 1 and 1800'));
    }
  });
  return out;
}

/** Validates an autoscaler: a scale target, 1 ≤ minReplicas ≤ maxReplicas, its metrics, behavior. */
export function validateHorizontalPodAutoscaler(o: HorizontalPodAutoscaler): StatusCause[] {
  const spec = o.spec as HorizontalPodAutoscaler['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return [required('spec')];
  const out: StatusCause[] = [];
  const ref = spec.scaleTargetRef as CrossVersionObjectReference | undefined;
  if (!ref?.kind) out.push(required('spec.scaleTargetRef.kind'));
  if (!ref?.name) out.push(required('spec.scaleTargetRef.name'));
  const min = spec.minReplicas ?? 1;
  if (!isInt(min) || min < 1) {
    out.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  }
  if (!isInt(spec.maxReplicas) || spec.maxReplicas < 1) {
    out.push(invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than 0'));
  } else if (isInt(min) && spec.maxReplicas < min) {
    out.push(
      invalid(
        'spec.maxReplicas',
        spec.maxReplicas,
        'must be greater than or equal to `minReplicas`',
      ),
    );
  }
  (spec.metrics ?? []).forEach((m, i) => out.push(...validateMetric(m, i)));
  out.push(...validateRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp'));
  out.push(...validateRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return out;
}
