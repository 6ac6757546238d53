/** Writing the MCS controller's conditions on a member's ServiceExport (only when they change). */
import { SERVICEEXPORTS, type ServiceExport } from '../../../api/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { Condition } from '../../../machinery/meta.js';
import type { DesiredCondition } from './export-resolution.js';

/** Kubernetes' condition time format (seconds). */
const stamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The export's conditions with `desired` applied: a condition keeps its transition time while its
 * status holds; conditions of other types (another controller's) are kept.
 */
export function mergeConditions(
  old: readonly Condition[],
  desired: readonly DesiredCondition[],
  now: Date,
): Condition[] {
  const out: Condition[] = old.filter((c) => !desired.some((d) => d.type === c.type));
  for (const d of desired) {
    const prev = old.find((c) => c.type === d.type);
    out.push({
      ...d,
      lastTransitionTime:
        prev?.status === d.status ? (prev.lastTransitionTime ?? stamp(now)) : stamp(now),
    });
  }
  return out.sort((a, b) => a.type.localeCompare(b.type));
}

const same = (a: readonly Condition[], b: readonly DesiredCondition[]): boolean =>
  b.every((d) => {
    const c = a.find((x) => x.type === d.type);
    return c?.status === d.status && c.reason === d.reason && c.message === d.message;
  });

/**
 * Writes `desired` into the export's status through `/status` unless it already says so.
 * Returns true when it wrote. @throws the member's errors (Conflict when the cache was stale)
 */
export async function writeExportConditions(
  client: KubeClient,
  exp: ServiceExport,
  desired: readonly DesiredCondition[],
  now: Date,
): Promise<boolean> {
  const old = exp.status?.conditions ?? [];
  if (same(old, desired)) return false;
  const next: ServiceExport = structuredClone(exp);
  next.status = { ...(next.status ?? {}), conditions: mergeConditions(old, desired, now) };
  await client.resource<ServiceExport>(SERVICEEXPORTS, exp.metadata.namespace).updateStatus(next);
  return true;
}
