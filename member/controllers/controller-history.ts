/**
 * ControllerRevision history of StatefulSets and DaemonSets (Kubernetes' controller_history):
 * one immutable revision per distinct pod template, numbered in order of use, old ones
 * truncated to `revisionHistoryLimit`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { AlreadyExistsError, NotFoundError } from '../../machinery/errors/index.js';
import type { InformerFactory } from '../../machinery/informer/index.js';
import {
  CONTROLLERREVISIONS,
  type ControllerRevision,
  type PodTemplateSpec,
} from '../../api/index.js';
import { controllerRef, controllerUid, templateHash } from './pod-template.js';

/** Label on pods (and revisions) naming the revision/hash they were made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/** What a revision stores: the template as a patch of the owner's spec, as Kubernetes does. */
export function revisionData(template: PodTemplateSpec): { spec: { template: PodTemplateSpec } } {
  return { spec: { template: structuredClone(template) } };
}

/** The template a revision stores. */
export function revisionTemplate(r: ControllerRevision): PodTemplateSpec | undefined {
  return (r.data as { spec?: { template?: PodTemplateSpec } } | undefined)?.spec?.template;
}

/** Revisions owned by `owner`, oldest revision number first. */
export function ownedRevisions(
  informers: InformerFactory,
  owner: KubeObject,
): ControllerRevision[] {
  return informers
    .for<ControllerRevision>(CONTROLLERREVISIONS)
    .list(owner.metadata.namespace)
    .filter((r) => controllerUid(r) === owner.metadata.uid)
    .sort((a, b) => a.revision - b.revision);
}

/**
 * The revision for `template`: an existing one with the same template (renumbered to the newest
 * when it is not, like a rollback), or a new one `<owner>-<hash>`.
 */
export async function ensureRevision(
  client: KubeClient,
  owner: KubeObject,
  template: PodTemplateSpec,
  revisions: ControllerRevision[],
): Promise<ControllerRevision> {
  const hash = templateHash(template);
  const data = revisionData(template);
  const max = revisions.reduce((m, r) => Math.max(m, r.revision), 0);
  const rc = client.resource<ControllerRevision>(CONTROLLERREVISIONS, owner.metadata.namespace);
  const same = revisions.find((r) => isDeepStrictEqual(r.data, data));
  if (same) {
    if (same.revision === max) return same;
    return rc.update({ ...structuredClone(same), revision: max + 1 });
  }
  const rev: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${owner.metadata.name ?? ''}-${hash}`,
      namespace: owner.metadata.namespace ?? 'default',
      labels: { ...owner.metadata.labels, [CONTROLLER_REVISION_HASH]: hash },
      ownerReferences: [controllerRef(owner)],
    },
    data,
    revision: max + 1,
  };
  try {
    return await rc.create(rev);
  } catch (err) {
    // created by an earlier reconcile the cache has not shown yet
    if (!(err instanceof AlreadyExistsError)) throw err;
    return rc.get(rev.metadata.name ?? '');
  }
}

/** Deletes the oldest revisions beyond `limit`, never one named in `keep` (still in use). */
export async function truncateHistory(
  client: KubeClient,
  revisions: ControllerRevision[],
  limit: number,
  keep: Set<string>,
): Promise<void> {
  const old = revisions.filter((r) => !keep.has(r.metadata.name ?? ''));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    await client
      .resource(CONTROLLERREVISIONS, r.metadata.namespace)
      .delete(r.metadata.name ?? '')
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }
}
