/**
 * CPU and memory quantities as the scheduler sums them (api/quantity.ts parses them); what is not
 * a quantity counts as 0.
 */
import { quantityValue } from '../../api/index.js';

/** Parses a Kubernetes CPU quantity into millicores ("100m" → 100, "2" → 2000). */
export function parseCpu(q: string | undefined): number {
  return Math.round((quantityValue(q) ?? 0) * 1000);
}

/** Parses a memory quantity into bytes ("64Mi" → 67108864). */
export function parseMemory(q: string | undefined): number {
  return Math.round(quantityValue(q) ?? 0);
}
