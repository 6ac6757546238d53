/** Parses a Kubernetes CPU quantity into millicores ("100m" → 100, "2" → 2000). */
export function parseCpu(q: string | undefined): number {
  if (q === undefined || q === '') return 0;
  if (q.endsWith('m')) return Number(q.slice(0, -1)) || 0;
  return Math.round((Number(q) || 0) * 1000);
}

const UNITS: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Parses a memory quantity into bytes ("64Mi" → 67108864). */
export function parseMemory(q: string | undefined): number {
  if (q === undefined || q === '') return 0;
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return 0;
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1));
}
