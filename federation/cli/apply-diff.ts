/** The create/update decision of `apply`: what to send, and whether anything changed. */
import type { KubeObject } from '../../machinery/meta.js';

/** Outcome of comparing a manifest with the stored object. */
export type ApplyPlan =
  | { action: 'create'; object: KubeObject }
  | { action: 'unchanged' }
  | { action: 'configure'; object: KubeObject };

/** True when every field set in `want` has the same value in `have` (arrays compare whole). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== 'object') return want === have;
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) &&
      want.length === have.length &&
      want.every((w, i) => isSubset(w, have[i]))
    );
  }
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
}

/**
 * Plans one apply. Fields the manifest sets replace the stored ones at top level (spec, data...);
 * server-owned parts (status, uid, resourceVersion, creationTimestamp, finalizers) are kept; labels
 * follow the manifest when it has them; annotations are merged. The stored resourceVersion is sent
 * so a concurrent writer makes the update fail with 409 instead of being overwritten.
 * Unchanged when every field the manifest sets already has that value (defaults added by the
 * server do not count as a difference).
 */
export function planApply(
  desired: KubeObject,
  current: KubeObject | undefined,
  namespace: string | undefined,
): ApplyPlan {
  const { metadata: dm, status: _ds, ...want } = desired;
  if (!current) {
    return {
      action: 'create',
      object: {
        ...desired,
        metadata: { ...dm, ...(namespace !== undefined ? { namespace } : {}) },
      },
    };
  }
  const { metadata: cm, status: _cs, ...have } = current;
  const sameLabels =
    dm.labels === undefined ||
    (isSubset(dm.labels, cm.labels ?? {}) && isSubset(cm.labels ?? {}, dm.labels));
  const sameMeta = sameLabels && isSubset(dm.annotations ?? {}, cm.annotations ?? {});
  if (sameMeta && isSubset(want, have)) return { action: 'unchanged' };
  const metadata = {
    ...cm,
    labels: dm.labels ?? cm.labels ?? {},
    annotations: { ...(cm.annotations ?? {}), ...(dm.annotations ?? {}) },
  };
  return { action: 'configure', object: { ...current, ...want, metadata } };
}
