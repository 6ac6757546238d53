import type { KubeObject } from '../meta.js';
import type { ResourceType } from '../resource-type.js';

/** Finalizer that makes the garbage collector orphan dependents (propagationPolicy Orphan). */
export const FINALIZER_ORPHAN = 'orphan';
/** Finalizer that makes the garbage collector delete dependents first (propagationPolicy Foreground). */
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** The parts of DeleteOptions that decide how an object goes. */
export interface DeletionRequest {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
}

/**
 * What a DELETE does to the stored object: `remove` it now, store `mark` (deletionTimestamp set,
 * waiting for its grace period or finalizers), or nothing (`pending`: already marked as asked).
 */
export type DeletionPlan =
  { action: 'remove' } | { action: 'mark'; object: KubeObject } | { action: 'pending' };

/** RFC 3339 with second precision, as metadata timestamps are. */
export function metaTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  // a busy server stamps many objects within one second: format each second once
  if (second !== lastStamp.second) {
    lastStamp = { second, text: new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }
  return lastStamp.text;
}

let lastStamp = { second: Number.NaN, text: '' };

/**
 * The grace period of this DELETE in seconds: 0 for types without graceful deletion. A negative
 * request counts as 1s, as kube-apiserver treats it. An object already being deleted gracefully
 * may only get a shorter period; one marked without a period (finalizers) goes at once.
 */
function graceSeconds(rt: ResourceType, current: KubeObject, req: DeletionRequest): number {
  if (!rt.gracefulDeletion) return 0;
  let asked = req.gracePeriodSeconds;
  if (asked !== undefined && asked < 0) asked = 1;
  const grace = Math.max(0, Math.floor(rt.gracefulDeletion(current, asked)));
  const m = current.metadata;
  if (m.deletionTimestamp === undefined) return grace;
  if (m.deletionGracePeriodSeconds === undefined) return 0;
  return Math.min(grace, m.deletionGracePeriodSeconds);
}

/**
 * Kubernetes' `BeforeDelete`: decides between removing the object, marking it with a
 * deletionTimestamp (graceful deletion through the type's `gracefulDeletion` strategy, or
 * finalizers, including the orphan/foreground ones propagationPolicy adds), and leaving it as it
 * is. Graceful deletion sets `deletionTimestamp` = request time + grace and
 * `deletionGracePeriodSeconds`; a later DELETE may only shorten them (the timestamp moves back by
 * the difference), and grace 0 removes the object unless finalizers hold it.
 */
export function planDeletion(
  rt: ResourceType,
  current: KubeObject,
  req: DeletionRequest,
  nowMs: number,
): DeletionPlan {
  const finalizers = [...(current.metadata.finalizers ?? [])];
  if (req.propagationPolicy === 'Orphan' && !finalizers.includes(FINALIZER_ORPHAN)) {
    finalizers.push(FINALIZER_ORPHAN);
  }
  if (req.propagationPolicy === 'Foreground' && !finalizers.includes(FINALIZER_FOREGROUND)) {
    finalizers.push(FINALIZER_FOREGROUND);
  }
  const grace = graceSeconds(rt, current, req);
  if (grace === 0 && finalizers.length === 0) return { action: 'remove' };
  const next = structuredClone(current);
  const m = next.metadata;
  if (finalizers.length > 0) m.finalizers = finalizers;
  const oldGrace = current.metadata.deletionGracePeriodSeconds;
  const oldTs = current.metadata.deletionTimestamp;
  if (oldTs === undefined) {
    m.deletionTimestamp = metaTimestamp(nowMs + grace * 1000);
  } else if (oldGrace !== undefined && grace < oldGrace) {
    // the period counts from the first request: shortening moves the deadline back
    m.deletionTimestamp = metaTimestamp(Date.parse(oldTs) - (oldGrace - grace) * 1000);
  }
  m.deletionGracePeriodSeconds = grace;
  if (JSON.stringify(next) === JSON.stringify(current)) return { action: 'pending' };
  return { action: 'mark', object: next };
}
