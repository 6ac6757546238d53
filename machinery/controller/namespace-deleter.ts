/**
 * The generic part of a namespace controller (kube-controller-manager's `namespacedResourcesDeleter`):
 * mark a deleted namespace Terminating, delete every namespaced object in it, and release the
 * `kubernetes` finalizer through `namespaces/<name>/finalize` once it is empty. The member's and
 * the federation's namespace controllers both drive it from their reconcile.
 */
import type { GroupVersionResource, KubeObject } from '../meta.js';
import type { KubeClient } from '../client/kube-client.js';
import { ConflictError, NotFoundError } from '../errors/index.js';

/** The Namespace resource. */
const NAMESPACES: GroupVersionResource = { group: '', version: 'v1', resource: 'namespaces' };
/** The finalizer namespace controllers hold until the namespace is empty. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/** Options for {@link NamespaceDeleter}. */
export interface NamespaceDeleterOptions {
  client: KubeClient;
  /** The namespaced resources to empty (asked each pass: what a server serves may change). */
  resources: () => Promise<readonly GroupVersionResource[]> | readonly GroupVersionResource[];
}

/** What one pass over a namespace's content found. */
export interface ContentDeletion {
  /** Objects still in the namespace (deleted now, or still finishing their own finalizers). */
  remaining: number;
  /** Resources that could not be listed or emptied, with the error (e.g. `deployments.apps: ...`). */
  failures: string[];
}

const ignoreNotFound = (err: unknown): undefined => {
  if (err instanceof NotFoundError) return undefined;
  throw err;
};

/** The phase of a namespace (Active when unset). */
export function namespacePhase(ns: KubeObject): string {
  return (ns.status as { phase?: string } | undefined)?.phase ?? 'Active';
}

/** Empties and finalizes deleted namespaces through a client; every step is idempotent. */
export class NamespaceDeleter {
  private readonly opts: NamespaceDeleterOptions;

  constructor(opts: NamespaceDeleterOptions) {
    this.opts = opts;
  }

  /** Writes `status.phase: Terminating` (and `conditions`) when they differ from the namespace's. */
  async setStatus(ns: KubeObject, conditions?: NamespaceCondition[]): Promise<void> {
    const status = (ns.status ?? {}) as { phase?: string; conditions?: NamespaceCondition[] };
    const same =
      status.phase === 'Terminating' &&
      (conditions === undefined ||
        JSON.stringify(stripTimes(status.conditions ?? [])) ===
          JSON.stringify(stripTimes(conditions)));
    if (same) return;
    const next = structuredClone(ns);
    next.status = { ...status, phase: 'Terminating', ...(conditions ? { conditions } : {}) };
    await this.opts.client
      .resource(NAMESPACES)
      .updateStatus(next)
      .catch((err: unknown) => {
        // a newer version is already there: the next pass writes again
        if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
      });
  }

  /**
   * Deletes every object of every namespaced resource in `namespace` (objects already being
   * deleted are left to their own finalizers) and counts what is left.
   */
  async deleteContent(namespace: string): Promise<ContentDeletion> {
    const out: ContentDeletion = { remaining: 0, failures: [] };
    for (const gvr of await this.opts.resources()) {
      const c = this.opts.client.resource(gvr, namespace);
      try {
        const items = (await c.list()).items;
        out.remaining += items.length;
        await Promise.all(
          items
            .filter((o) => !o.metadata.deletionTimestamp)
            .map((o) =>
              c.delete(o.metadata.name ?? '', { gracePeriodSeconds: 0 }).catch(ignoreNotFound),
            ),
        );
      } catch (err) {
        const what = gvr.group === '' ? gvr.resource : `${gvr.resource}.${gvr.group}`;
        out.failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return out;
  }

  /** Releases the `kubernetes` finalizer through `namespaces/<name>/finalize` (PUT). */
  async finalize(ns: KubeObject): Promise<void> {
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    const next = structuredClone(ns);
    next.spec = {
      ...spec,
      finalizers: (spec.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER),
    };
    delete next.metadata.resourceVersion;
    await this.opts.client
      .resource(NAMESPACES)
      .subresource(ns.metadata.name ?? '', 'finalize', 'PUT', next)
      .catch(ignoreNotFound);
  }
}

/** A namespace condition (core/v1 NamespaceCondition). */
export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function stripTimes(cs: NamespaceCondition[]): NamespaceCondition[] {
  return cs.map(({ lastTransitionTime: _t, ...rest }) => rest);
}
