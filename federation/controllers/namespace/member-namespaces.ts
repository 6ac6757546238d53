import type { Cluster } from '../../apis/index.js';
import { isPullCluster } from '../../apis/index.js';
import { NAMESPACES } from '../../../api/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import { isManaged } from '../propagation/member-object.js';

/** What one pass over the members found for a deleted federation namespace. */
export interface MemberNamespaceDeletion {
  /** Members where the namespace still exists (deleted now, or its own controller empties it). */
  pending: string[];
  /** Members that could not be reached, with the error. */
  failures: string[];
}

/**
 * Deletes the copy of namespace `name` in every push-mode member where the federation created it
 * (labelled managed-by the federation); the member's own namespace controller then empties it.
 * Namespaces the federation did not create (e.g. made by hand in the member) are left alone, and
 * pull-mode members are reached through their Works only.
 */
export async function deleteMemberNamespaces(
  name: string,
  clusters: readonly Cluster[],
  clientFor: (c: Cluster) => KubeClient,
): Promise<MemberNamespaceDeletion> {
  const out: MemberNamespaceDeletion = { pending: [], failures: [] };
  await Promise.all(
    clusters
      .filter((c) => !isPullCluster(c))
      .map(async (c) => {
        const cluster = c.metadata.name ?? '';
        try {
          const rc = clientFor(c).resource(NAMESPACES);
          const ns = await rc.get(name);
          if (!isManaged(ns)) return;
          if (!ns.metadata.deletionTimestamp) await rc.delete(name);
          out.pending.push(cluster);
        } catch (err) {
          if (err instanceof NotFoundError) return;
          out.failures.push(`${cluster}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
  );
  out.pending.sort();
  out.failures.sort();
  return out;
}
