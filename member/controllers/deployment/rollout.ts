import type { Deployment, ReplicaSet } from '../../../api/index.js';

/** Resolves an int-or-percent against a total (surge rounds up, unavailable down). */
export function resolveIntOrPercent(
  v: number | string | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge and maxUnavailable for a Deployment (never both 0). */
export function surgeAndUnavailable(d: Deployment): { surge: number; unavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const surge = resolveIntOrPercent(ru?.maxSurge ?? '25%', replicas, true);
  let unavailable = resolveIntOrPercent(ru?.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/**
 * Desired replica counts for a rolling update step: the new ReplicaSet grows within
 * replicas+maxSurge, old ones shrink while at least replicas-maxUnavailable pods stay available.
 * Pure; returns name → replicas for the sets that change.
 */
export function rollingStep(
  d: Deployment,
  newRs: ReplicaSet,
  olds: ReplicaSet[],
): Map<string, number> {
  const out = new Map<string, number>();
  const replicas = d.spec.replicas ?? 1;
  const { surge, unavailable } = surgeAndUnavailable(d);
  const all = [newRs, ...olds];
  const total = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
  const newWant = newRs.spec.replicas ?? 0;
  if (olds.every((o) => (o.spec.replicas ?? 0) === 0)) {
    if (newWant !== replicas) out.set(newRs.metadata.name ?? '', replicas);
    return out;
  }
  // scale up the new set within the surge budget
  const room = replicas + surge - total;
  let newCount = newWant;
  if (room > 0 && newWant < replicas) {
    newCount = Math.min(replicas, newWant + room);
    out.set(newRs.metadata.name ?? '', newCount);
  }
  // scale down old sets while availability allows
  const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
  const minAvailable = replicas - unavailable;
  const oldUnavailable = olds.reduce(
    (n, rs) => n + Math.max(0, (rs.spec.replicas ?? 0) - (rs.status?.availableReplicas ?? 0)),
    0,
  );
  let canRemove = Math.max(0, available - minAvailable) + oldUnavailable;
  // never let the total drop below what the new set can cover
  for (const rs of [...olds].sort(
    (a, b) =>
      Date.parse(a.metadata.creationTimestamp ?? '0') -
      Date.parse(b.metadata.creationTimestamp ?? '0'),
  )) {
    if (canRemove <= 0) break;
    const cur = rs.spec.replicas ?? 0;
    if (cur === 0) continue;
    const drop = Math.min(cur, canRemove);
    out.set(rs.metadata.name ?? '', cur - drop);
    canRemove -= drop;
  }
  return out;
}
