/**
 * resource.Quantity: "500m", "2", "1.5Gi", "1e3", "12345n" → a number of the unit (cores, bytes,
 * pods). The one parser the scheduler, the quota, the autoscaler and the federation's cluster
 * summaries share.
 */

/** Suffix → factor (decimal SI and binary; `n` and `u` for what metrics report). */
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY =
  /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The value of a quantity (a JSON number counts as one); undefined when it is not a quantity. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * 10 ** Number(m[2] ?? 0) * (SUFFIX[m[3] ?? ''] ?? 1);
  return Number.isFinite(n) ? n : undefined;
}

/** The factor of a suffix (`Gi` → 2^30), 1 for none or an unknown one. */
export function quantitySuffix(s: string): number {
  return SUFFIX[s] ?? 1;
}
