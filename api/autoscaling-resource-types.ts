/**
 * The `horizontalpodautoscalers` resource types a member serves: autoscaling/v2 (stored) and
 * autoscaling/v1 (what `kubectl autoscale` posts), one object seen in two versions. As
 * kube-apiserver does, the v1 view keeps what it cannot express (other metrics, behavior,
 * conditions) in `autoscaling.alpha.kubernetes.io/*` annotations, so a v1 round trip loses nothing.
 */
import type { Condition, KubeObject } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import {
  defaultHorizontalPodAutoscaler,
  validateHorizontalPodAutoscaler,
  type HorizontalPodAutoscaler,
  type MetricSpec,
  type MetricStatus,
} from './autoscaling-types.js';
import { invalid } from './validation.js';

/** autoscaling/v1 HorizontalPodAutoscaler (CPU utilization only). */
export interface HorizontalPodAutoscalerV1 extends KubeObject {
  spec: {
    scaleTargetRef: HorizontalPodAutoscaler['spec']['scaleTargetRef'];
    minReplicas?: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentCPUUtilizationPercentage?: number;
  };
}

const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';

const isCpuUtilization = (m: MetricSpec): boolean =>
  m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';

function parsed<T>(annotations: Record<string, string>, key: string): T | undefined {
  const raw = annotations[key];
  delete annotations[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined; // a hand-edited annotation that is not JSON: dropped, as Kubernetes does
  }
}

/** The v1 view of a stored (v2) autoscaler. */
export function hpaToV1(obj: KubeObject): HorizontalPodAutoscalerV1 {
  const o = obj as HorizontalPodAutoscaler;
  const metrics = o.spec.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  const annotations = { ...(o.metadata.annotations ?? {}) };
  if (others.length > 0) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (o.spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(o.spec.behavior);
  const st = o.status;
  if (st?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
  const currentCpu = st?.currentMetrics?.find(
    (m) => m.type === 'Resource' && m.resource?.name === 'cpu',
  )?.resource?.current.averageUtilization;
  const otherCurrent = (st?.currentMetrics ?? []).filter(
    (m) => !(m.type === 'Resource' && m.resource?.name === 'cpu'),
  );
  if (otherCurrent.length > 0) {
    annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(otherCurrent);
  }
  const { currentMetrics: _m, conditions: _c, ...status } = st ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      ...o.metadata,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      scaleTargetRef: o.spec.scaleTargetRef,
      ...(o.spec.minReplicas !== undefined ? { minReplicas: o.spec.minReplicas } : {}),
      maxReplicas: o.spec.maxReplicas,
      ...(cpu?.resource?.target.averageUtilization !== undefined
        ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization }
        : {}),
    },
    ...(st
      ? {
          status: {
            ...status,
            ...(currentCpu !== undefined ? { currentCPUUtilizationPercentage: currentCpu } : {}),
          },
        }
      : {}),
  };
}

/** A v1 autoscaler as it is stored (v2), its annotations turned back into fields. */
export function hpaFromV1(obj: KubeObject): HorizontalPodAutoscaler {
  const o = obj as HorizontalPodAutoscalerV1;
  const spec = (o.spec as HorizontalPodAutoscalerV1['spec'] | undefined) ?? {
    scaleTargetRef: { kind: '', name: '' },
    maxReplicas: 0,
  };
  const annotations = { ...(o.metadata.annotations ?? {}) };
  const others = parsed<MetricSpec[]>(annotations, METRICS_ANNOTATION) ?? [];
  const behavior = parsed<HorizontalPodAutoscaler['spec']['behavior']>(
    annotations,
    BEHAVIOR_ANNOTATION,
  );
  const conditions = parsed<Condition[]>(annotations, CONDITIONS_ANNOTATION);
  const otherCurrent = parsed<MetricStatus[]>(annotations, CURRENT_METRICS_ANNOTATION) ?? [];
  const target = spec.targetCPUUtilizationPercentage;
  const metrics: MetricSpec[] = [
    ...(target !== undefined
      ? [
          {
            type: 'Resource' as const,
            resource: {
              name: 'cpu',
              target: { type: 'Utilization' as const, averageUtilization: target },
            },
          },
        ]
      : []),
    ...others,
  ];
  const { currentCPUUtilizationPercentage: cur, ...status } = o.status ?? {};
  const currentMetrics: MetricStatus[] = [
    ...(cur !== undefined
      ? [
          {
            type: 'Resource' as const,
            resource: { name: 'cpu', current: { averageUtilization: cur } },
          },
        ]
      : []),
    ...otherCurrent,
  ];
  const { annotations: _a, ...meta } = o.metadata;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...meta, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(metrics.length > 0 ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
    ...(o.status
      ? {
          status: {
            ...status,
            ...(currentMetrics.length > 0 ? { currentMetrics } : {}),
            ...(conditions ? { conditions } : {}),
          },
        }
      : {}),
  };
}

/** `cpu: 12%/80%` as kubectl prints an autoscaler's targets. */
function targetsColumn(h: HorizontalPodAutoscaler): string {
  const metrics = h.spec.metrics ?? [];
  if (metrics.length === 0) return '<none>';
  return metrics
    .map((m) => {
      if (m.type !== 'Resource' || !m.resource) return `<${m.type}>`;
      const cur = h.status?.currentMetrics?.find(
        (c) => c.type === 'Resource' && c.resource?.name === m.resource?.name,
      )?.resource?.current;
      const t = m.resource.target;
      if (t.type === 'Utilization') {
        const c = cur?.averageUtilization;
        return `${m.resource.name}: ${c === undefined ? '<unknown>' : `${String(c)}%`}/${String(t.averageUtilization)}%`;
      }
      return `${m.resource.name}: ${cur?.averageValue ?? '<unknown>'}/${t.averageValue ?? t.value ?? ''}`;
    })
    .join(', ');
}

const hpaColumns: ResourceType<HorizontalPodAutoscaler>['printerColumns'] = [
  {
    name: 'Reference',
    type: 'string',
    value: (h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`,
  },
  { name: 'Targets', type: 'string', value: targetsColumn },
  { name: 'MinPods', type: 'integer', value: (h) => h.spec.minReplicas ?? 1 },
  { name: 'MaxPods', type: 'integer', value: (h) => h.spec.maxReplicas },
  { name: 'Replicas', type: 'integer', value: (h) => h.status?.currentReplicas ?? 0 },
];

/** `horizontalpodautoscalers` in autoscaling/v2, the stored version. */
export const horizontalPodAutoscalerType: ResourceType<HorizontalPodAutoscaler> = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: { status: true },
  patchMergeKeys: { '.status.conditions': 'type' },
  defaults: defaultHorizontalPodAutoscaler,
  validate: (o) => validateHorizontalPodAutoscaler(o),
  printerColumns: hpaColumns,
};

/** `horizontalpodautoscalers` in autoscaling/v1: the same objects, CPU utilization only. */
export const horizontalPodAutoscalerV1Type: ResourceType<HorizontalPodAutoscalerV1> = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: { status: true },
  storageConversion: { toStorage: hpaFromV1, fromStorage: hpaToV1 },
  defaults: (o) => {
    const spec = o.spec as HorizontalPodAutoscalerV1['spec'] | undefined;
    if (spec && typeof spec === 'object') spec.minReplicas ??= 1;
  },
  validate: (o) => {
    const t = (o.spec as HorizontalPodAutoscalerV1['spec'] | undefined)
      ?.targetCPUUtilizationPercentage;
    const out = validateHorizontalPodAutoscaler(hpaFromV1(o));
    if (t !== undefined && (!Number.isInteger(t) || t < 1)) {
      out.push(invalid('spec.targetCPUUtilizationPercentage', t, 'must be greater than 0'));
    }
    return out.filter((c) => !c.field?.startsWith('spec.metrics'));
  },
  printerColumns: [
    {
      name: 'Reference',
      type: 'string',
      value: (h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`,
    },
    {
      name: 'Targets',
      type: 'string',
      value: (h) =>
        `${h.status?.currentCPUUtilizationPercentage === undefined ? '<unknown>' : `${String(h.status.currentCPUUtilizationPercentage)}%`}/${String(h.spec.targetCPUUtilizationPercentage ?? 80)}%`,
    },
    { name: 'MinPods', type: 'integer', value: (h) => h.spec.minReplicas ?? 1 },
    { name: 'MaxPods', type: 'integer', value: (h) => h.spec.maxReplicas },
    { name: 'Replicas', type: 'integer', value: (h) => h.status?.currentReplicas ?? 0 },
  ],
};
