/** The arithmetic of a PodDisruptionBudget's status, as Kubernetes' disruption controller does it. */
import type { IntOrPercent } from '../../../api/index.js';

/** How long an eviction's entry in `status.disruptedPods` holds a pod out of currentHealthy. */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

/** The counts a PodDisruptionBudget's status carries. */
export interface DisruptionCounts {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

/**
 * `value` scaled to `total`: an int as is, a percentage of `total` rounded up (Kubernetes'
 * GetScaledValueFromIntOrPercent with roundUp, which the disruption controller uses).
 */
export function scaledValue(value: IntOrPercent, total: number): number {
  if (typeof value === 'number') return value;
  const pct = Number(value.slice(0, -1));
  return Math.ceil((pct * total) / 100);
}

/**
 * Status counts from the budget's spec, the number of pods it selects and how many are healthy:
 * desiredHealthy from minAvailable, or expected − maxUnavailable (never below 0), and
 * disruptionsAllowed = max(0, currentHealthy − desiredHealthy).
 */
export function disruptionCounts(
  spec: { minAvailable?: IntOrPercent; maxUnavailable?: IntOrPercent },
  expectedPods: number,
  currentHealthy: number,
): DisruptionCounts {
  let desiredHealthy = 0;
  if (spec.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(0, expectedPods - scaledValue(spec.maxUnavailable, expectedPods));
  } else if (spec.minAvailable !== undefined) {
    desiredHealthy = scaledValue(spec.minAvailable, expectedPods);
  }
  return {
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}
