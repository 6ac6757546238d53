/**
 * Writing one desired object into a member, shared by push mode (the propagation controller
 * calls the member) and pull mode (the agent applies a Work's manifests).
 */
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { ResourceClient } from '../../../machinery/client/kube-client.js';
import {
  AlreadyExistsError,
  ConflictError,
  NotFoundError,
} from '../../../machinery/errors/index.js';
import { isManaged, isSubset } from './member-object.js';
import type { ApplyResult } from './template-type.js';

/** What to do with an object the federation does not manage: refuse (default) or adopt it. */
export type ConflictResolution = 'Abort' | 'Overwrite';

/**
 * Creates or updates one member object from `existing` (what the member is believed to hold):
 * create when absent, leave alone when it already matches, refuse an unmanaged object under
 * conflictResolution Abort, otherwise update it (preconditioned on its resourceVersion). Fields the
 * member owns (Service clusterIP, status) are kept.
 * @throws the member's AlreadyExists / Conflict / NotFound when `existing` was out of date
 */
export async function writeMemberObject(
  rc: ResourceClient,
  cluster: string,
  desired: KubeObject,
  existing: KubeObject | undefined,
  conflictResolution: ConflictResolution | undefined,
): Promise<ApplyResult> {
  if (!existing) return { cluster, applied: true, object: await rc.create(desired) };
  if (!isManaged(existing) && (conflictResolution ?? 'Abort') === 'Abort') {
    return {
      cluster,
      applied: false,
      message: `${desired.kind} ${objectKey(existing)} already exists in cluster ${cluster} and is not managed by the federation (conflictResolution: Abort)`,
      object: existing,
    };
  }
  const { metadata: dm, ...dbody } = desired;
  const { metadata: _em, status: _es, ...ebody } = existing;
  if (
    isManaged(existing) &&
    isSubset(dbody, ebody) &&
    isSubset(dm.labels ?? {}, existing.metadata.labels ?? {}) &&
    isSubset(dm.annotations ?? {}, existing.metadata.annotations ?? {})
  ) {
    return { cluster, applied: true, object: existing };
  }
  const merged: KubeObject = {
    ...existing,
    ...desired,
    metadata: {
      ...existing.metadata,
      labels: dm.labels ?? {},
      annotations: { ...(existing.metadata.annotations ?? {}), ...(dm.annotations ?? {}) },
    },
  };
  if (desired.kind === 'Service') {
    const es = existing.spec as Record<string, unknown>;
    const ms = merged.spec as Record<string, unknown>;
    if (es.clusterIP !== undefined) ms.clusterIP = es.clusterIP;
    if (es.clusterIPs !== undefined) ms.clusterIPs = es.clusterIPs;
  }
  if (existing.status !== undefined) merged.status = existing.status;
  return { cluster, applied: true, object: await rc.update(merged) };
}

/** A member write refused because what it was based on was out of date. */
export function isStale(err: unknown): boolean {
  return (
    err instanceof AlreadyExistsError ||
    err instanceof ConflictError ||
    err instanceof NotFoundError
  );
}

/** `.catch` helper: NotFound → undefined, anything else rethrown. */
export function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}
