import type { RestClient } from '../../machinery/client/rest-client.js';
import type { CollectedType } from '../controllers/garbagecollector/garbage-collector-controller.js';

/**
 * Groups the garbage collector leaves alone: reviews (create-only), RBAC (as in-process), and
 * events.k8s.io, whose Events are the core/v1 ones in another version (watched once, as v1).
 */
const SKIPPED_GROUPS = new Set([
  'authentication.k8s.io',
  'authorization.k8s.io',
  'events.k8s.io',
  'rbac.authorization.k8s.io',
]);

interface ResourceList {
  resources?: { name: string; namespaced: boolean; verbs?: string[] }[];
}

interface GroupList {
  groups?: { name: string; preferredVersion?: { version: string } }[];
}

/**
 * The types the federation serves, read from its discovery documents (as Kubernetes' garbage
 * collector does): every top-level resource of `/api/v1` and of each group's preferred version
 * that can be listed, watched and deleted. A separate controller manager does not know which
 * optional types (e.g. image promotion) its API servers serve, so it asks them.
 */
export async function discoverCollectedTypes(client: RestClient): Promise<CollectedType[]> {
  const out: CollectedType[] = [];
  const add = (group: string, version: string, list: ResourceList): void => {
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      const verbs = new Set(r.verbs ?? []);
      if (!['list', 'watch', 'delete'].every((v) => verbs.has(v))) continue;
      out.push({ gvr: { group, version, resource: r.name }, namespaced: r.namespaced });
    }
  };
  add('', 'v1', await client.request<ResourceList>('GET', '/api/v1'));
  const groups = await client.request<GroupList>('GET', '/apis');
  for (const g of groups.groups ?? []) {
    const version = g.preferredVersion?.version;
    if (SKIPPED_GROUPS.has(g.name) || version === undefined) continue;
    add(g.name, version, await client.request<ResourceList>('GET', `/apis/${g.name}/${version}`));
  }
  return out;
}
