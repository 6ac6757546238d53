/**
 * The HorizontalPodAutoscaler's arithmetic (Kubernetes' `replica_calculator.go` and the
 * normalization of `horizontal.go`), pure functions: replicas a resource utilization metric asks
 * for (ceil(current × usage / target) outside a 10 % tolerance, with missing and unready pods
 * counted so they damp the change), the stabilization windows over past recommendations, and
 * the min/max clamp.
 */

/** Kubernetes' `--horizontal-pod-autoscaler-tolerance`. */
export const DEFAULT_TOLERANCE = 0.1;
/** Default `behavior.scaleDown.stabilizationWindowSeconds`. */
export const DEFAULT_SCALE_DOWN_WINDOW_SECONDS = 300;
/** Default `behavior.scaleUp.stabilizationWindowSeconds`. */
export const DEFAULT_SCALE_UP_WINDOW_SECONDS = 0;

/** One pod of the scale target, as the calculator sees it. */
export interface PodSample {
  name: string;
  /** Ready and running; unready pods are left out of a scale-up's average. */
  ready: boolean;
  /** Sum of its containers' requests of the resource (milli-units); undefined when one has none. */
  requestMilli: number | undefined;
  /** Its usage from the metrics API (milli-units); undefined when the API has none for it. */
  usageMilli: number | undefined;
}

/** What a utilization metric proposes. */
export interface UtilizationProposal {
  replicas: number;
  /** Average utilization of the pods with metrics (percent of requests), as status reports it. */
  utilization: number;
}

/** Why a metric cannot be computed (the HPA's `ScalingActive=False` reason). */
export class MetricUnavailableError extends Error {
  readonly reason: 'FailedGetResourceMetric';
  /** Not retryable as such: the controller retries on its next sync period. */
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'MetricUnavailableError';
    this.reason = 'FailedGetResourceMetric';
  }
}

const ratioOf = (pods: readonly { usage: number; request: number }[]): number => {
  const req = pods.reduce((n, p) => n + p.request, 0);
  return req === 0 ? 0 : pods.reduce((n, p) => n + p.usage, 0) / req;
};

/**
 * Replicas for a target average utilization (percent of requests), as Kubernetes'
 * `GetResourceReplicas`: within `tolerance` of the target nothing changes; pods without metrics
 * count as at 100 % on a scale-down and 0 % on a scale-up, unready pods as 0 % on a scale-up, and
 * a change those pods would reverse is dropped.
 * @throws MetricUnavailableError when no ready pod has metrics or a pod lacks a request
 */
export function utilizationReplicas(
  currentReplicas: number,
  pods: readonly PodSample[],
  targetUtilization: number,
  tolerance = DEFAULT_TOLERANCE,
): UtilizationProposal {
  const missingRequest = pods.find((p) => p.requestMilli === undefined || p.requestMilli <= 0);
  if (missingRequest) {
    throw new MetricUnavailableError(`missing request for cpu in pod ${missingRequest.name}`);
  }
  const measured = pods
    .filter((p) => p.ready && p.usageMilli !== undefined)
    .map((p) => ({ usage: p.usageMilli ?? 0, request: p.requestMilli ?? 0 }));
  if (measured.length === 0) {
    throw new MetricUnavailableError('did not receive metrics for any ready pods');
  }
  const missing = pods.filter((p) => p.ready && p.usageMilli === undefined);
  const unready = pods.filter((p) => !p.ready);
  const base = ratioOf(measured);
  const utilization = Math.round(base * 100);
  const usageRatio = (base * 100) / targetUtilization;
  const rebalanceUnready = unready.length > 0 && usageRatio > 1;
  if (!rebalanceUnready && missing.length === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return { replicas: currentReplicas, utilization };
    return { replicas: Math.ceil(usageRatio * measured.length), utilization };
  }
  const all = [...measured];
  for (const p of missing) {
    const request = p.requestMilli ?? 0;
    // a pod without metrics damps the change: as if at target going down, idle going up
    all.push({ usage: usageRatio < 1 ? (request * targetUtilization) / 100 : 0, request });
  }
  if (rebalanceUnready) {
    for (const p of unready) all.push({ usage: 0, request: p.requestMilli ?? 0 });
  }
  const newRatio = (ratioOf(all) * 100) / targetUtilization;
  if (
    Math.abs(1 - newRatio) <= tolerance ||
    (usageRatio < 1 && newRatio > 1) ||
    (usageRatio > 1 && newRatio < 1)
  ) {
    return { replicas: currentReplicas, utilization };
  }
  const replicas = Math.ceil(newRatio * all.length);
  if (
    (newRatio < 1 && replicas > currentReplicas) ||
    (newRatio > 1 && replicas < currentReplicas)
  ) {
    return { replicas: currentReplicas, utilization };
  }
  return { replicas, utilization };
}

/** A past recommendation (Kubernetes keeps them per autoscaler for the stabilization windows). */
export interface Recommendation {
  replicas: number;
  /** Epoch milliseconds. */
  at: number;
}

/**
 * Stabilization (Kubernetes' `stabilizeRecommendationWithBehaviors`): a scale-up goes no higher
 * than the lowest recommendation of the scale-up window, a scale-down no lower than the highest
 * of the scale-down window, so a short dip or spike does not move the target.
 */
export function stabilize(
  current: number,
  proposed: number,
  history: readonly Recommendation[],
  now: number,
  windows: { upSeconds: number; downSeconds: number },
): number {
  let upFloor = proposed;
  let downCeiling = proposed;
  for (const r of history) {
    if (r.at > now - windows.upSeconds * 1000) upFloor = Math.min(upFloor, r.replicas);
    if (r.at > now - windows.downSeconds * 1000) downCeiling = Math.max(downCeiling, r.replicas);
  }
  if (proposed > current) return Math.max(current, upFloor);
  if (proposed < current) return Math.min(current, downCeiling);
  return current;
}

/** Past recommendations still inside the longer window (the rest can go). */
export function pruneHistory(
  history: readonly Recommendation[],
  now: number,
  windows: { upSeconds: number; downSeconds: number },
): Recommendation[] {
  const keepMs = Math.max(windows.upSeconds, windows.downSeconds) * 1000;
  return history.filter((r) => r.at > now - keepMs);
}

/** The min/max clamp and whether it applied (the `ScalingLimited` condition). */
export function clampReplicas(
  desired: number,
  min: number,
  max: number,
): { replicas: number; limited: 'TooFewReplicas' | 'TooManyReplicas' | undefined } {
  if (desired < min) return { replicas: min, limited: 'TooFewReplicas' };
  if (desired > max) return { replicas: max, limited: 'TooManyReplicas' };
  return { replicas: desired, limited: undefined };
}
