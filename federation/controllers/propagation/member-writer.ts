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
import type { HorizontalPodAutoscaler } from '../../../api/index.js';
import { retainMemberFields, retainsAutoscaledReplicas } from '../../interpreter/builtin-retain.js';

/** Reads the member's HorizontalPodAutoscalers in the object's namespace (for the retain rule). */
export type MemberAutoscalers = () => Promise<readonly HorizontalPodAutoscaler[]>;

/** What to do with an object the federation does not manage: refuse (default) or adopt it. */
export type ConflictResolution = 'Abort' | 'Overwrite';

/**
 * Annotation on a template (Karmada's `work.karmada.io/conflict-resolution`): `Overwrite` or
 * `Abort` (any case) for this template whatever its policy says; `flotilla promote` sets it to
 * adopt a member object the template's policy refused to take over.
 */
export const ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION = 'work.flotilla.io/conflict-resolution';

/**
 * The conflict resolution of a template's copies: its own annotation when it holds a valid value
 * (the user's explicit choice for this object wins, as in Karmada), else its policy's.
 */
export function conflictResolutionOf(
  tmpl: KubeObject,
  policy: ConflictResolution | undefined,
): ConflictResolution | undefined {
  const v = tmpl.metadata.annotations?.[ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION]?.toLowerCase();
  if (v === 'overwrite') return 'Overwrite';
  if (v === 'abort') return 'Abort';
  return policy;
}

/**
 * Creates or updates one member object from `existing` (what the member is believed to hold):
 * create when absent, leave alone when it already matches, refuse an unmanaged object under
 * conflictResolution Abort, otherwise update it (preconditioned on its resourceVersion). Fields the
 * member owns (status, and what the kind's retain rule keeps: Service clusterIP, replicas a member
 * HorizontalPodAutoscaler scales — `autoscalers` is read only for the kinds whose rule needs it)
 * are kept.
 * @throws the member's AlreadyExists / Conflict / NotFound when `existing` was out of date
 */
export async function writeMemberObject(
  rc: ResourceClient,
  cluster: string,
  desired: KubeObject,
  existing: KubeObject | undefined,
  conflictResolution: ConflictResolution | undefined,
  autoscalers: MemberAutoscalers = () => Promise.resolve([]),
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
  // the interpreter's Retain: fields the member owns (clusterIP, autoscaled replicas) stay its own,
  // so they neither count as drift nor get overwritten
  const kept = retainMemberFields(desired, existing, {
    autoscalers: retainsAutoscaledReplicas(desired) ? await autoscalers() : [],
  });
  const { metadata: dm, ...dbody } = kept;
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
    ...kept,
    metadata: {
      ...existing.metadata,
      labels: dm.labels ?? {},
      annotations: { ...(existing.metadata.annotations ?? {}), ...(dm.annotations ?? {}) },
    },
  };
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
