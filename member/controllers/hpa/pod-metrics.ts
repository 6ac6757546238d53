/**
 * The HPA controller's view of a scale target's pods: their requests and readiness from the pod
 * cache, their usage from `metrics.k8s.io/v1beta1` PodMetrics (what `kubectl top pods` reads, the
 * member API server computing it from the kubelets' Summary API), as {@link PodSample}s.
 */
import { quantityValue } from '../../../api/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import type { Pod } from '../../../api/index.js';
import { isPodActive, isPodReady } from '../pod-template.js';
import type { PodSample } from './replica-calculator.js';

/** `pods.metrics.k8s.io`. */
export const POD_METRICS: GroupVersionResource = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resource: 'pods',
};

/** A PodMetrics object (metrics.k8s.io/v1beta1). */
export interface PodMetrics extends KubeObject {
  containers?: { name: string; usage?: Record<string, string> }[];
}

/** A resource.Quantity in thousandths of its unit (`250m` → 250, `12345n` → 0.012345); NaN if not one. */
export function milliValue(q: unknown): number {
  return (quantityValue(q) ?? Number.NaN) * 1000;
}

/** The sum of a pod's container requests of `resource`; undefined when a container has none. */
function requestOf(pod: Pod, resource: string): number | undefined {
  let sum = 0;
  for (const c of pod.spec.containers) {
    const v = milliValue(c.resources?.requests?.[resource]);
    if (Number.isNaN(v)) return undefined;
    sum += v;
  }
  return sum;
}

/** Usage of `resource` by pod name, from the metrics API (pods it has no sample for are absent). */
export async function podUsage(
  client: KubeClient,
  namespace: string,
  selector: string,
  resource: string,
): Promise<Map<string, number>> {
  const list = await client
    .resource<PodMetrics>(POD_METRICS, namespace)
    .list(selector === '' ? {} : { labelSelector: selector });
  const out = new Map<string, number>();
  for (const pm of list.items) {
    const usages = (pm.containers ?? []).map((c) => milliValue(c.usage?.[resource]));
    if (usages.length === 0 || usages.some(Number.isNaN)) continue;
    out.set(
      pm.metadata.name ?? '',
      usages.reduce((n, v) => n + v, 0),
    );
  }
  return out;
}

/** The target's active pods as samples of `resource` (requests, readiness, usage). */
export function podSamples(
  pods: readonly Pod[],
  usage: ReadonlyMap<string, number>,
  resource: string,
): PodSample[] {
  return pods.filter(isPodActive).map((p) => ({
    name: p.metadata.name ?? '',
    ready: isPodReady(p),
    requestMilli: requestOf(p, resource),
    usageMilli: usage.get(p.metadata.name ?? ''),
  }));
}
