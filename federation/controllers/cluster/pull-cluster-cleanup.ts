/**
 * The cluster-cleanup controller's Pull-cluster side: the federation cannot reach the member, so
 * cleaning it up means deleting Works (the agent's finalizer holds each one until the member
 * objects are gone or orphaned).
 */
import {
  ANNOTATION_WORK_ORPHAN,
  executionNamespace,
  WORKS,
  type Cluster,
  type Work,
} from '../../apis/index.js';
import { objectKey } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import type { TemplateType } from '../propagation/template-type.js';
import { templateOfWork } from '../propagation/work-writer.js';

const ignoreNotFound = (err: unknown): undefined => {
  if (err instanceof NotFoundError) return undefined;
  throw err;
};

/**
 * Unjoin of a Pull cluster: every Work in its execution namespace is deleted (marked orphan
 * first when asked). @throws MemberCleanupPendingError while any Work is still there (the agent
 * has not cleaned the member up yet), so the Cluster keeps its finalizer and is retried.
 */
export async function releasePullCluster(
  client: KubeClient,
  cluster: Cluster,
  orphan: boolean,
): Promise<void> {
  const name = cluster.metadata.name ?? '';
  const rc = client.resource<Work>(WORKS, executionNamespace(name));
  // a deletion path: read the federation, not the cache
  const works = (await rc.list()).items;
  for (const w of works) {
    let cur = w;
    if (orphan && cur.metadata.annotations?.[ANNOTATION_WORK_ORPHAN] !== 'true') {
      const annotations = { ...(cur.metadata.annotations ?? {}), [ANNOTATION_WORK_ORPHAN]: 'true' };
      const next = await rc
        .update({ ...structuredClone(cur), metadata: { ...cur.metadata, annotations } })
        .catch(ignoreNotFound);
      if (!next) continue;
      cur = next;
    }
    if (!cur.metadata.deletionTimestamp) {
      await rc.delete(cur.metadata.name ?? '').catch(ignoreNotFound);
    }
  }
  const left = (await rc.list()).items;
  if (left.length > 0) {
    throw new MemberCleanupPendingError(
      name,
      [name],
      new Error(`${String(left.length)} Work(s) in ${executionNamespace(name)} wait for the agent`),
    );
  }
}

/**
 * Deletes the Works of a Pull cluster whose template is gone from the federation (a forced
 * finalizer removal may have skipped them). Works of existing templates are the propagation
 * controller's business.
 * @returns the keys of the Works deleted
 */
export async function sweepPullCluster(
  client: KubeClient,
  informers: InformerFactory,
  cluster: Cluster,
  types: readonly TemplateType[],
): Promise<string[]> {
  const ns = executionNamespace(cluster.metadata.name ?? '');
  const removed: string[] = [];
  for (const w of informers.for<Work>(WORKS).list(ns)) {
    if (w.metadata.deletionTimestamp) continue;
    const ref = templateOfWork(w);
    const t = ref && types.find((x) => x.kind.toLowerCase() === ref.kind);
    if (!ref || !t) continue;
    const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    if (informers.for(t.gvr).get(key)) continue;
    await client
      .resource(WORKS, ns)
      .delete(w.metadata.name ?? '')
      .catch(ignoreNotFound);
    removed.push(objectKey(w));
  }
  return removed;
}
