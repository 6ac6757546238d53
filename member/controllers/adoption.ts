import type { KubeObject } from '../../machinery/meta.js';
import type { ResourceClient } from '../../machinery/client/kube-client.js';
import { InvalidError, NotFoundError } from '../../machinery/errors/index.js';
import type { LabelSelectorSpec } from '../../api/index.js';
import { labelSelectorFromObject } from '../../machinery/selectors/index.js';
import { controllerRef } from './pod-template.js';

/** True for objects without a controller that are not being deleted (candidates for adoption). */
export function isOrphan(o: KubeObject): boolean {
  return (
    o.metadata.deletionTimestamp === undefined &&
    !(o.metadata.ownerReferences ?? []).some((r) => r.controller === true)
  );
}

/** Orphans among `objs` whose labels match `selector`. */
export function adoptable<T extends KubeObject>(objs: T[], selector: LabelSelectorSpec): T[] {
  const sel = labelSelectorFromObject(selector);
  return objs.filter((o) => isOrphan(o) && sel.matches(o.metadata.labels));
}

/**
 * Adopts orphans by adding a controller ownerReference to `owner` (like Kubernetes'
 * ControllerRefManager); returns the adopted objects as the server now has them. The uid in the
 * patch is a precondition: an object replaced under the same name is not adopted.
 */
export async function adopt<T extends KubeObject>(
  client: ResourceClient<T>,
  owner: { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } },
  orphans: T[],
): Promise<T[]> {
  const out: T[] = [];
  for (const o of orphans) {
    const refs = [...(o.metadata.ownerReferences ?? []), controllerRef(owner)];
    try {
      out.push(
        await client.patch(
          o.metadata.name ?? '',
          { metadata: { ownerReferences: refs, uid: o.metadata.uid } },
          'merge',
        ),
      );
    } catch (err) {
      // gone, or replaced by a new object with another uid: nothing to adopt
      if (!(err instanceof NotFoundError) && !(err instanceof InvalidError)) throw err;
    }
  }
  return out;
}
