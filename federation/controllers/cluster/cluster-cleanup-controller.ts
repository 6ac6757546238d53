import { CLUSTERS, isPullCluster, WORKS, type Cluster } from '../../apis/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { FINALIZER_ORPHAN } from '../../../machinery/registry/generic-registry.js';
import { isClusterReady } from '../../scheduler/placement.js';
import type { ClusterClients } from '../cluster-clients.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import {
  addFinalizer,
  FINALIZER_CLUSTER_CLEANUP,
  hasFinalizer,
  removeFinalizers,
} from '../finalizers.js';
import { isManagedFor, releaseMemberObject, templateLabel } from '../propagation/member-cleanup.js';
import { LABEL_MANAGED_BY, MANAGER } from '../propagation/member-object.js';
import type { TemplateType } from '../propagation/propagation-controller.js';
import { releasePullCluster, sweepPullCluster } from './pull-cluster-cleanup.js';

export const ControllerName = 'cluster-cleanup-controller';

/** Options for {@link ClusterCleanupController}. */
export interface ClusterCleanupOptions {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  /** The kinds the federation propagates (what it may have left in a member). */
  types: TemplateType[];
  logger: Logger;
  /** How often a Ready member is swept for objects of deleted templates. @defaultValue 60000 */
  sweepPeriodMs?: number;
}

/**
 * Owns the member side of a Cluster's lifecycle:
 *
 * - every Cluster gets the `federation.flotilla.io/cluster-cleanup` finalizer; when the Cluster is
 *   deleted (unjoin) the federation-managed objects are deleted from that member (or, with
 *   `--cascade=orphan`, left there without the federation's labels) before the finalizer goes.
 *   While the member cannot be reached the finalizer stays (`unjoin --force` skips the cleanup);
 * - a Ready member is swept (when it becomes Ready, then every `sweepPeriodMs`) for managed
 *   objects whose template no longer exists in the federation, which an earlier failure (forced
 *   finalizer removal, a forced unjoin) may have left behind; those are deleted.
 *
 * Pull clusters are never called: their cleanup deletes the Works in `fed-es-<cluster>` and waits
 * for the agent to release them ({@link releasePullCluster}, {@link sweepPullCluster}).
 */
export class ClusterCleanupController {
  readonly controller: Controller;
  private readonly opts: ClusterCleanupOptions;

  constructor(opts: ClusterCleanupOptions) {
    this.opts = opts;
    const clusters = opts.informers.for<Cluster>(CLUSTERS);
    const templates = opts.types.map((t) => opts.informers.for(t.gvr));
    this.controller = new Controller({
      name: ControllerName,
      informers: [clusters, ...templates, opts.informers.for(WORKS)],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: 2,
    });
    clusters.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (o, n) => {
        // deletion started, finalizer removed by someone, or the member came back: look again
        if (
          n.metadata.deletionTimestamp !== o.metadata.deletionTimestamp ||
          JSON.stringify(n.metadata.finalizers) !== JSON.stringify(o.metadata.finalizers) ||
          isClusterReady(n) !== isClusterReady(o)
        ) {
          this.controller.enqueueObject(n);
        }
      },
    });
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const cluster = this.opts.informers.for<Cluster>(CLUSTERS).get(name);
    if (!cluster) return undefined;
    if (cluster.metadata.deletionTimestamp) {
      if (!hasFinalizer(cluster, FINALIZER_CLUSTER_CLEANUP)) return undefined;
      await this.releaseAll(cluster, hasFinalizer(cluster, FINALIZER_ORPHAN));
      await removeFinalizers(this.opts.client, CLUSTERS, cluster, [FINALIZER_CLUSTER_CLEANUP]);
      this.opts.logger.info(`cluster ${name}: federation objects removed, unjoin can complete`);
      return undefined;
    }
    if (!hasFinalizer(cluster, FINALIZER_CLUSTER_CLEANUP)) {
      await addFinalizer(this.opts.client, CLUSTERS, cluster, FINALIZER_CLUSTER_CLEANUP);
      return undefined; // the update event brings us back
    }
    if (!isClusterReady(cluster)) return undefined; // the Ready transition requeues
    await this.sweep(cluster);
    return { requeueAfterMs: this.opts.sweepPeriodMs ?? 60_000 };
  }

  /** Managed objects of one type in a member. @throws when the member cannot be reached. */
  private async managed(cluster: Cluster, t: TemplateType): Promise<KubeObject[]> {
    return (
      await this.opts.clients
        .for(cluster)
        .resource(t.gvr)
        .list({ labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}` })
    ).items;
  }

  /** Unjoin: every managed object goes (or is orphaned). Any failure throws, keeping the finalizer. */
  private async releaseAll(cluster: Cluster, orphan: boolean): Promise<void> {
    if (isPullCluster(cluster)) {
      await releasePullCluster(this.opts.client, cluster, orphan);
      return;
    }
    const name = cluster.metadata.name ?? '';
    try {
      for (const t of this.opts.types) {
        for (const obj of await this.managed(cluster, t)) {
          const rc = this.opts.clients.for(cluster).resource(t.gvr, obj.metadata.namespace);
          const label = templateLabel(t.kind, obj.metadata.namespace, obj.metadata.name ?? '');
          await releaseMemberObject(rc, obj, label, { orphan, waitGone: false });
        }
      }
    } catch (err) {
      throw new MemberCleanupPendingError(name, [name], err);
    }
  }

  /**
   * Deletes managed objects whose template is gone from the federation. Objects whose template
   * exists (even while it is being deleted) are the propagation controller's business.
   */
  private async sweep(cluster: Cluster): Promise<void> {
    if (isPullCluster(cluster)) {
      for (const key of await sweepPullCluster(
        this.opts.client,
        this.opts.informers,
        cluster,
        this.opts.types,
      )) {
        this.opts.logger.info(`removed Work ${key} left by a deleted template`);
      }
      return;
    }
    for (const t of this.opts.types) {
      const templates = this.opts.informers.for(t.gvr);
      for (const obj of await this.managed(cluster, t)) {
        if (templates.get(objectKey(obj))) continue;
        const label = templateLabel(t.kind, obj.metadata.namespace, obj.metadata.name ?? '');
        if (!isManagedFor(obj, label)) continue;
        const rc = this.opts.clients.for(cluster).resource(t.gvr, obj.metadata.namespace);
        await releaseMemberObject(rc, obj, label, { orphan: false, waitGone: false });
        this.opts.logger.info(
          `cluster ${cluster.metadata.name ?? ''}: removed ${t.kind} ${objectKey(obj)} left by a deleted template`,
        );
      }
    }
  }
}
