/**
 * `get` and `describe` across member clusters (`--clusters m1,m2`): every member is read through
 * the federation's cluster proxy, concurrently; a member that fails is reported on stderr
 * (`error: cluster "m2": ...`) and the others are still printed, with exit code 1.
 */
import type { KubeList, KubeObject } from '../../../machinery/meta.js';
import { ApiError } from '../../../machinery/errors/index.js';
import type { GroupVersionResource } from '../../../machinery/meta.js';
import { stringFlag, type CommandContext } from '../cli-context.js';
import { ClusterProxyClient } from '../cluster-proxy-client.js';
import { ResourceResolver, type ResolvedResource } from '../resource-resolver.js';
import { CLUSTER_LABEL } from './unjoin.js';

/** What `Accept` asks a member for server-side printing (meta.k8s.io/v1 Table). */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/**
 * The annotation the CLI adds to objects printed as YAML or JSON across clusters, naming the
 * member they were read from (the same key the federation labels member credentials with).
 */
export const CLUSTER_ANNOTATION = CLUSTER_LABEL;

/** One member's answer. */
export interface ClusterAnswer<T> {
  cluster: string;
  value: T;
}

/** The collection path of a resource on a member (`/api/v1/namespaces/default/pods`). */
export function collectionPath(gvr: GroupVersionResource, namespace: string | undefined): string {
  const base = gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
  const ns = namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${gvr.resource}`;
}

/** One line for a member's failure. */
export function clusterFailure(cluster: string, err: unknown): string {
  const msg =
    err instanceof ApiError || err instanceof Error ? err.message || err.name : String(err);
  return `error: cluster "${cluster}": ${msg}\n`;
}

/**
 * Runs `fn` for every cluster concurrently. Failures are written to stderr as they come;
 * answers are returned in the order of `clusters`, with the number of failures.
 */
export async function eachCluster<T>(
  ctx: Pick<CommandContext, 'global' | 'io'>,
  clusters: readonly string[],
  fn: (proxy: ClusterProxyClient) => Promise<T>,
): Promise<{ answers: ClusterAnswer<T>[]; failed: number }> {
  const settled = await Promise.allSettled(clusters.map((c) => fn(ClusterProxyClient.of(ctx, c))));
  const answers: ClusterAnswer<T>[] = [];
  let failed = 0;
  settled.forEach((s, i) => {
    const cluster = clusters[i] ?? '';
    if (s.status === 'fulfilled') {
      answers.push({ cluster, value: s.value });
    } else {
      failed++;
      ctx.io.stderr(clusterFailure(cluster, s.reason));
    }
  });
  return { answers, failed };
}

/** What one member answered to a `get` or `describe`. */
export interface MemberRead<T> {
  resource: ResolvedResource;
  /** The namespace read (undefined: cluster-scoped or all namespaces). */
  namespace: string | undefined;
  allNamespaces: boolean;
  value: T;
}

/**
 * Resolves `what` through the member's own discovery, then reads with `read(path)` where path is
 * the collection path in the namespace the flags select.
 */
export async function readMember<T>(
  ctx: CommandContext,
  proxy: ClusterProxyClient,
  what: string,
  read: (path: string, r: ResolvedResource) => Promise<T>,
): Promise<MemberRead<T>> {
  const rest = proxy.restClient();
  try {
    const resource = await new ResourceResolver(rest).resolve(what);
    const allNamespaces = ctx.global.allNamespaces === true && resource.namespaced;
    const namespace = resource.namespaced && !allNamespaces ? ctx.namespace : undefined;
    const value = await read(collectionPath(resource.gvr, namespace), resource);
    return { resource, namespace, allNamespaces, value };
  } finally {
    rest.close();
  }
}

/** The `-l` selector as a list query. */
export function selectorQuery(ctx: CommandContext): URLSearchParams {
  const q = new URLSearchParams();
  const sel = stringFlag(ctx.flags, 'selector');
  if (sel) q.set('labelSelector', sel);
  return q;
}

/** Objects named (each read on its own) or listed with the selector. */
export async function memberObjects(
  ctx: CommandContext,
  proxy: ClusterProxyClient,
  path: string,
  names: readonly string[],
): Promise<KubeObject[]> {
  if (names.length > 0) {
    return Promise.all(
      names.map((n) => proxy.getJson<KubeObject>(`${path}/${encodeURIComponent(n)}`)),
    );
  }
  return (await proxy.getJson<KubeList<KubeObject>>(path, selectorQuery(ctx))).items;
}

/** A copy of `o` annotated with the cluster it came from (for YAML/JSON output). */
export function annotated(cluster: string, o: KubeObject): KubeObject {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      annotations: { ...(o.metadata.annotations ?? {}), [CLUSTER_ANNOTATION]: cluster },
    },
  };
}

/** `-o name` across clusters: `<cluster>/<kind>/<name>`. */
export function clusterNameLine(cluster: string, kind: string, o: KubeObject): string {
  return `${cluster}/${kind.toLowerCase()}/${o.metadata.name ?? ''}\n`;
}
