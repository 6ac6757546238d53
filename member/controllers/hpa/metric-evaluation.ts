/**
 * Evaluating an autoscaler's metrics (Kubernetes' `computeReplicasForMetrics`): each `Resource`
 * metric (cpu, memory; Utilization of requests or AverageValue per pod) proposes replicas from the
 * pods' usage in the metrics API; the largest proposal wins. A metric that cannot be read never
 * lets the autoscaler scale down (only up, on the others), as Kubernetes decides.
 */
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { ApiError } from '../../../machinery/errors/index.js';
import {
  DEFAULT_CPU_UTILIZATION,
  type HorizontalPodAutoscaler,
  type MetricSpec,
  type MetricStatus,
  type Pod,
} from '../../../api/index.js';
import { milliValue, podSamples, podUsage } from './pod-metrics.js';
import { MetricUnavailableError, utilizationReplicas } from './replica-calculator.js';

/** What the metrics propose: replicas, or why none (the ScalingActive=False message). */
export type MetricsEvaluation =
  | { replicas: number; currentMetrics: MetricStatus[] }
  | { replicas: undefined; message: string; currentMetrics: MetricStatus[] | null };

const DEFAULT_METRICS: MetricSpec[] = [
  {
    type: 'Resource',
    resource: {
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
    },
  },
];

/** Formats milli-units as a Quantity (`250m`, `2`). */
const quantity = (milli: number): string =>
  Number.isInteger(milli / 1000) ? String(milli / 1000) : `${String(Math.round(milli))}m`;

/** One Resource metric's proposal and current value. */
async function resourceMetric(
  client: KubeClient,
  hpa: HorizontalPodAutoscaler,
  m: MetricSpec,
  current: number,
  pods: readonly Pod[],
  selector: string,
): Promise<{ replicas: number; status: MetricStatus }> {
  const res = m.resource;
  if (m.type !== 'Resource' || !res) {
    throw new MetricUnavailableError(`metric type ${m.type} is not supported by this member`);
  }
  const usage = await podUsage(client, hpa.metadata.namespace ?? '', selector, res.name).catch(
    (err: unknown) => {
      // the metrics API answering with an error is a metric not available now (next sync retries)
      if (err instanceof ApiError) {
        throw new MetricUnavailableError(
          `unable to get metrics for resource ${res.name}: ${err.message}`,
        );
      }
      throw err;
    },
  );
  const samples = podSamples(pods, usage, res.name);
  const t = res.target;
  if (t.type === 'Utilization') {
    const p = utilizationReplicas(
      current,
      samples,
      t.averageUtilization ?? DEFAULT_CPU_UTILIZATION,
    );
    const avg = samples.reduce((n, s) => n + (s.usageMilli ?? 0), 0) / Math.max(1, usage.size);
    return {
      replicas: p.replicas,
      status: {
        type: 'Resource',
        resource: {
          name: res.name,
          current: { averageUtilization: p.utilization, averageValue: quantity(avg) },
        },
      },
    };
  }
  // AverageValue: the per-pod target stands in for each pod's request, at a 100 % target
  const target = milliValue(t.averageValue ?? t.value);
  if (!(target > 0)) throw new MetricUnavailableError(`invalid target value for ${res.name}`);
  const p = utilizationReplicas(
    current,
    samples.map((s) => ({ ...s, requestMilli: target })),
    100,
  );
  const avg = (p.utilization * target) / 100;
  return {
    replicas: p.replicas,
    status: {
      type: 'Resource',
      resource: { name: res.name, current: { averageValue: quantity(avg) } },
    },
  };
}

/**
 * The replicas the autoscaler's metrics ask for (the largest proposal), or a message when none
 * can be computed. A failed metric still lets the others scale up but not down.
 * @throws the metrics API's errors other than a missing metric (retried by the controller)
 */
export async function evaluateMetrics(
  client: KubeClient,
  hpa: HorizontalPodAutoscaler,
  current: number,
  pods: readonly Pod[],
  selector = '',
): Promise<MetricsEvaluation> {
  const metrics = hpa.spec.metrics?.length ? hpa.spec.metrics : DEFAULT_METRICS;
  const statuses: MetricStatus[] = [];
  let best: number | undefined;
  let failure: string | undefined;
  for (const m of metrics) {
    try {
      const r = await resourceMetric(client, hpa, m, current, pods, selector);
      statuses.push(r.status);
      best = Math.max(best ?? 0, r.replicas);
    } catch (err) {
      if (!(err instanceof MetricUnavailableError)) throw err;
      failure ??= `the HPA was unable to compute the replica count: ${err.message}`;
    }
  }
  if (best === undefined) {
    return { replicas: undefined, message: failure ?? 'no metrics', currentMetrics: null };
  }
  // an unreadable metric might have asked for more: never scale down on the rest
  if (failure !== undefined && best < current) best = current;
  return { replicas: best, currentMetrics: statuses };
}
