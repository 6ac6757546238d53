/**
 * Taking a template's copies out of member clusters: when the placement shrinks, when no policy
 * selects the template any more, and when the template is deleted (its cleanup finalizer).
 */
import {
  CLUSTERS,
  RESOURCE_BINDINGS,
  type Cluster,
  type ResourceBinding,
} from '../../apis/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { Logger } from '../../../machinery/controller/index.js';
import { ApiError } from '../../../machinery/errors/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
} from '../../../machinery/registry/generic-registry.js';
import { isClusterReady } from '../../scheduler/placement.js';
import type { ClusterClients } from '../cluster-clients.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import { FINALIZER_CLEANUP, hasFinalizer, removeFinalizers } from '../finalizers.js';
import { releaseMemberObject, templateLabel, type ReleaseOptions } from './member-cleanup.js';
import { MANAGED_SELECTOR } from './member-object.js';
import { ignoreNotFound } from './member-writer.js';
import { bindingNamespace, type TemplateType } from './template-type.js';
import { isPullCluster, type WorkWriter } from './work-writer.js';

/** Annotation on a template: keep member objects when it is deleted. */
export const ANNOTATION_ORPHAN = 'federation.flotilla.io/orphan';
/** Release options for objects whose template no longer places them there. */
export const RELEASE_DELETE: ReleaseOptions = { orphan: false, waitGone: false };

/** What a {@link TemplateCleanup} reads and writes with. */
export interface TemplateCleanupOptions {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  works: WorkWriter;
  logger: Logger;
}

/**
 * Removes (or orphans) the propagation controller's member objects of a template, and its
 * ResourceBinding and cleanup finalizer once nothing is left. Always reads the member itself.
 */
export class TemplateCleanup {
  private readonly opts: TemplateCleanupOptions;

  constructor(opts: TemplateCleanupOptions) {
    this.opts = opts;
  }

  /**
   * Ready Push clusters whose member cache holds a copy of the template, bound or not: a copy
   * written by a reconcile whose binding write then failed (a conflict, the federation API server
   * or this manager gone) is in no binding, and was left behind when the placement shrank.
   */
  cachedCopies(t: TemplateType, tmpl: KubeObject, clusters: Cluster[]): string[] {
    return clusters
      .filter((c) => isClusterReady(c) && !isPullCluster(c))
      .filter((c) => {
        try {
          return (
            this.opts.clients.cache(c, t.gvr, MANAGED_SELECTOR)?.get(objectKey(tmpl)) !== undefined
          );
        } catch {
          return false; // no credentials yet: the next resync looks again
        }
      })
      .map((c) => c.metadata.name ?? '');
  }

  /**
   * No policy selects the template any more: deletes its objects in the bound clusters, then the
   * binding, which is kept (it names the clusters) until every member has been cleaned.
   * @throws MemberCleanupPendingError while objects are left in some cluster
   */
  async unbind(
    t: TemplateType,
    tmpl: KubeObject,
    objKey: string,
    bindingName: string,
    binding: ResourceBinding,
  ): Promise<void> {
    const left = await this.removeFrom(
      t,
      tmpl,
      // with the copies a graceful eviction keeps
      [
        ...binding.spec.clusters.map((c) => c.name),
        ...(binding.spec.gracefulEvictionTasks ?? []).map((e) => e.fromCluster),
      ],
      RELEASE_DELETE,
    );
    if (left.length > 0) throw new MemberCleanupPendingError(objKey, left);
    await this.opts.client
      .resource(RESOURCE_BINDINGS, bindingNamespace(tmpl))
      .delete(bindingName)
      .catch(ignoreNotFound);
  }

  /**
   * Deletion: release the template's objects in every joined cluster (not only the bound ones, so
   * leftovers of earlier placements go too), then drop the binding and the cleanup finalizer.
   * While a joined member cannot be reached the finalizer stays and the key is retried; clusters
   * that are no longer joined are skipped. `orphan` / `foregroundDeletion` are left for the
   * garbage collector, which acts once this finalizer is gone.
   */
  async finalize(
    t: TemplateType,
    tmpl: KubeObject,
    bindingName: string,
    binding: ResourceBinding | undefined,
  ): Promise<void> {
    if (!hasFinalizer(tmpl, FINALIZER_CLEANUP)) return;
    const release: ReleaseOptions = {
      orphan:
        hasFinalizer(tmpl, FINALIZER_ORPHAN) ||
        tmpl.metadata.annotations?.[ANNOTATION_ORPHAN] === 'true',
      waitGone: hasFinalizer(tmpl, FINALIZER_FOREGROUND),
    };
    const joined = this.opts.informers
      .for<Cluster>(CLUSTERS)
      .list()
      .map((c) => c.metadata.name ?? '');
    const left = await this.removeFrom(t, tmpl, joined, release);
    if (left.length > 0) throw new MemberCleanupPendingError(objectKey(tmpl), left);
    if (binding) {
      await this.opts.client
        .resource(RESOURCE_BINDINGS, bindingNamespace(tmpl))
        .delete(bindingName)
        .catch(ignoreNotFound);
    }
    await removeFinalizers(this.opts.client, t.gvr, tmpl, [FINALIZER_CLEANUP]);
  }

  /**
   * Deletes (or orphans) the template's objects in the given clusters (members independent, all
   * at once); clusters no longer joined are skipped.
   * @returns the clusters where objects are left: unreachable, or still deleting in foreground.
   */
  async removeFrom(
    t: TemplateType,
    tmpl: KubeObject,
    clusterNames: string[],
    release: ReleaseOptions,
  ): Promise<string[]> {
    const left = await Promise.all(
      clusterNames.map(async (name): Promise<string[]> => {
        const cluster = this.opts.informers.for<Cluster>(CLUSTERS).get(name);
        if (!cluster) return [];
        try {
          return (await this.removeOne(cluster, t, tmpl, release)) ? [] : [name];
        } catch (err) {
          if (err instanceof ApiError && err.code < 500 && err.code !== 429) throw err;
          this.opts.logger.warn(
            `${t.kind} ${objectKey(tmpl)}: cannot clean up in cluster ${name}: ${err instanceof Error ? err.message : String(err)}`,
          );
          return [name];
        }
      }),
    );
    return left.flat();
  }

  /**
   * Deletes (or orphans) the template's object in one cluster: its Work for a Pull member, the
   * object through the member's guarded client (an open circuit fails at once) for a Push member.
   * @returns true when nothing is left to wait for
   * @throws the member's (or the federation's) errors
   */
  async removeOne(
    cluster: Cluster,
    t: TemplateType,
    tmpl: KubeObject,
    release: ReleaseOptions,
  ): Promise<boolean> {
    if (isPullCluster(cluster)) return this.opts.works.release(cluster, t, tmpl, release);
    const label = templateLabel(t.kind, tmpl.metadata.namespace, tmpl.metadata.name ?? '');
    const rc = this.opts.clients.guarded(cluster).resource(t.gvr, tmpl.metadata.namespace);
    // deletion paths read the member itself, not its cache
    const existing = await rc.get(tmpl.metadata.name ?? '').catch(ignoreNotFound);
    return releaseMemberObject(rc, existing, label, release);
  }
}
