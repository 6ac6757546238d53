import { EventRecorder } from '../../../api/index.js';
import { CLUSTERS, isPullCluster, WORKS, type Cluster } from '../../apis/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { FINALIZER_ORPHAN } from '../../../machinery/registry/generic-registry.js';
import { isClusterReady } from '../../scheduler/placement.js';
import type { ClusterClients } from '../cluster-clients.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  addFinalizer,
  FINALIZER_CLUSTER_CLEANUP,
  hasFinalizer,
  removeFinalizers,
} from '../finalizers.js';
import { isManagedFor, releaseMemberObject, templateLabel } from '../propagation/member-cleanup.js';
import { LABEL_MANAGED_BY, MANAGER } from '../propagation/member-object.js';
import type { TemplateType } from '../propagation/propagation-controller.js';
import {
  REASON_AGENT_CLEANUP_PENDING,
  REASON_MEMBER_UNREACHABLE,
  reportCleanupFailure,
} from './cleanup-failure.js';
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
  /**
   * How long after a Cluster's deletion its member-side cleanup is retried (with growing
   * back-off) before the Cluster is marked `CleanupFailed` and a Warning Event is recorded. The
   * finalizer stays either way; the cleanup goes on every `cleanupRetryPeriodMs`.
   * @defaultValue 120000
   */
  cleanupTimeoutMs?: number;
  /** Retry period of the cleanup once `cleanupTimeoutMs` has passed. @defaultValue 30000 */
  cleanupRetryPeriodMs?: number;
  /** Records the CleanupFailed Warning Events. @defaultValue a recorder writing through `client` */
  events?: EventRecorder;
  /** Clock (tests). @defaultValue Date.now */
  now?: () => number;
}

/** Shortest and longest pause between two cleanup attempts within the bound. */
const MIN_CLEANUP_BACKOFF_MS = 200;
const MAX_CLEANUP_BACKOFF_MS = 10_000;

/**
 * Owns the member side of a Cluster's lifecycle:
 *
 * - every Cluster gets the `federation.flotilla.io/cluster-cleanup` finalizer; when the Cluster is
 *   deleted (unjoin) the federation-managed objects are deleted from that member (or, with
 *   `--cascade=orphan`, left there without the federation's labels) before the finalizer goes.
 *   While the member cannot be reached the finalizer stays: the cleanup is retried with growing
 *   back-off for `cleanupTimeoutMs` after the deletion, then the Cluster gets the `CleanupFailed`
 *   condition and a Warning Event, and the cleanup is retried every `cleanupRetryPeriodMs`
 *   (`unjoin --force` removes the federation side without it);
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
  private readonly events: EventRecorder;

  constructor(opts: ClusterCleanupOptions) {
    this.opts = opts;
    this.events =
      opts.events ??
      new EventRecorder({
        client: opts.client,
        component: ControllerName,
        logger: opts.logger,
        now: () => new Date(),
      });
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
      try {
        await this.releaseAll(cluster, hasFinalizer(cluster, FINALIZER_ORPHAN));
      } catch (err) {
        if (!(err instanceof MemberCleanupPendingError)) throw err;
        return this.cleanupPending(cluster, err);
      }
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

  /**
   * A cleanup attempt failed (member unreachable, agent not done). Within `cleanupTimeoutMs` of
   * the deletion it is retried with a pause that grows with the time spent (half of it, within
   * 200 ms..10 s, never past the bound), not the queue's per-item back-off, whose doubling would
   * overshoot the bound by minutes. Past the bound the Cluster is marked (condition + Warning
   * Event, once) and retried slowly; the finalizer stays, so `unjoin --force` is the way out.
   */
  private async cleanupPending(
    cluster: Cluster,
    err: MemberCleanupPendingError,
  ): Promise<{ requeueAfterMs: number }> {
    const name = cluster.metadata.name ?? '';
    const now = (this.opts.now ?? Date.now)();
    const deletedAt = Date.parse(cluster.metadata.deletionTimestamp ?? '') || now;
    const bound = this.opts.cleanupTimeoutMs ?? 120_000;
    const elapsed = Math.max(0, now - deletedAt);
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    if (elapsed < bound) {
      const pause = Math.min(Math.max(elapsed / 2, MIN_CLEANUP_BACKOFF_MS), MAX_CLEANUP_BACKOFF_MS);
      this.opts.logger.warn(`cluster ${name}: cleanup failed, retrying: ${cause}`);
      return { requeueAfterMs: Math.max(1, Math.min(pause, bound - elapsed)) };
    }
    const pull = isPullCluster(cluster);
    const what = pull
      ? `the Works in its execution namespace were not released by the agent`
      : `federation-managed objects could not be removed from member ${name}`;
    const reported = await reportCleanupFailure(this.opts.client, cluster, {
      reason: pull ? REASON_AGENT_CLEANUP_PENDING : REASON_MEMBER_UNREACHABLE,
      message: `cleanup did not finish within ${String(Math.round(bound / 1000))}s: ${what} (${cause}); the finalizer ${FINALIZER_CLUSTER_CLEANUP} stays and the cleanup is retried; run \`flotilla unjoin ${name} --force\` to remove the Cluster without it`,
      events: this.events,
    });
    if (reported) {
      this.opts.logger.warn(`cluster ${name}: cleanup failed for ${String(bound)} ms: ${cause}`);
    }
    return { requeueAfterMs: this.opts.cleanupRetryPeriodMs ?? 30_000 };
  }

  /** Managed objects of one type in a member. @throws when the member cannot be reached. */
  private async managed(cluster: Cluster, t: TemplateType): Promise<KubeObject[]> {
    try {
      return (
        await this.opts.clients
          .guarded(cluster)
          .resource(t.gvr)
          .list({ labelSelector: `${LABEL_MANAGED_BY}=${MANAGER}` })
      ).items;
    } catch (err) {
      // a kind the member does not serve (no CustomResourceDefinitions there) holds nothing of ours
      if (err instanceof NotFoundError) return [];
      throw err;
    }
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
          const rc = this.opts.clients.guarded(cluster).resource(t.gvr, obj.metadata.namespace);
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
        const rc = this.opts.clients.guarded(cluster).resource(t.gvr, obj.metadata.namespace);
        await releaseMemberObject(rc, obj, label, { orphan: false, waitGone: false });
        this.opts.logger.info(
          `cluster ${cluster.metadata.name ?? ''}: removed ${t.kind} ${objectKey(obj)} left by a deleted template`,
        );
      }
    }
  }
}
