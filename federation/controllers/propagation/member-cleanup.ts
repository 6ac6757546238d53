import type { KubeObject } from '../../../machinery/meta.js';
import type { ResourceClient } from '../../../machinery/client/kube-client.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  ANNOTATION_GENERATION,
  isManaged,
  LABEL_MANAGED_BY,
  LABEL_TEMPLATE,
} from './member-object.js';

/** How member objects are released when their template (or their Cluster) goes. */
export interface ReleaseOptions {
  /** Keep the object in the member, without the federation's labels (cascade=orphan). */
  orphan: boolean;
  /** Report `false` until the object is really gone from the member (cascade=foreground). */
  waitGone: boolean;
}

/** The LABEL_TEMPLATE value of a template (`<kind>.<namespace>.<name>`). */
export function templateLabel(kind: string, namespace: string | undefined, name: string): string {
  return `${kind.toLowerCase()}.${namespace ?? ''}.${name}`;
}

/** True when the member object is managed by the federation for exactly this template. */
export function isManagedFor(obj: KubeObject, label: string): boolean {
  return isManaged(obj) && obj.metadata.labels?.[LABEL_TEMPLATE] === label;
}

/**
 * Deletes (or orphans) one member object if the federation manages it for `label`. Objects the
 * federation does not manage (or manages for another template) are never touched.
 * @returns true when nothing managed is left; false while a delete is still finishing and
 *   `waitGone` is set.
 * @throws whatever the member's client throws (unreachable member, 5xx): the caller retries.
 */
export async function releaseMemberObject(
  rc: ResourceClient,
  existing: KubeObject | undefined,
  label: string,
  opts: ReleaseOptions,
): Promise<boolean> {
  if (!existing || !isManagedFor(existing, label)) return true;
  const name = existing.metadata.name ?? '';
  try {
    if (opts.orphan) {
      const labels = { ...(existing.metadata.labels ?? {}) };
      delete labels[LABEL_MANAGED_BY];
      delete labels[LABEL_TEMPLATE];
      const annotations = { ...(existing.metadata.annotations ?? {}) };
      delete annotations[ANNOTATION_GENERATION];
      await rc.update({ ...existing, metadata: { ...existing.metadata, labels, annotations } });
      return true;
    }
    if (existing.metadata.deletionTimestamp) return !opts.waitGone;
    // Background in the member even for a foreground delete: the member's own dependents
    // (ReplicaSets, Pods) are its garbage collector's business; the federation waits for its copy
    const pending = await rc.delete(name, { propagationPolicy: 'Background' });
    return pending === undefined || !opts.waitGone;
  } catch (err) {
    if (err instanceof NotFoundError) return true;
    throw err;
  }
}
