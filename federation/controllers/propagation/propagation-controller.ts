import type { Registry } from 'prom-client';
import {
  CLUSTERS,
  OVERRIDE_POLICIES,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  WORKS,
  type Cluster,
  type OverridePolicy,
  type PropagationPolicy,
  type ResourceBinding,
  type Work,
} from '../../apis/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import { AlreadyExistsError, ApiError, NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
} from '../../../machinery/registry/generic-registry.js';
import { applyOverridePolicies, selectorsMatch } from '../../overrides/apply-overrides.js';
import { isClusterReady, place } from '../../scheduler/placement.js';
import type { ClusterClients } from '../cluster-clients.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import { addFinalizer, FINALIZER_CLEANUP, hasFinalizer, removeFinalizers } from '../finalizers.js';
import { releaseMemberObject, templateLabel, type ReleaseOptions } from './member-cleanup.js';
import { LABEL_MANAGED_BY, MANAGER, memberCopy } from './member-object.js';
import { ignoreNotFound, isStale, writeMemberObject } from './member-writer.js';
import { PropagationLatency } from './propagation-latency.js';
import { isPullCluster, templateOfWork, WorkWriter } from './work-writer.js';
import { writeBinding, writeTemplateStatus } from './binding-writer.js';
import type { ApplyResult, TemplateType } from './template-type.js';
import { PropagationEvents } from './propagation-events.js';
import { scheduleOutcome } from './schedule-outcome.js';
import { diagnoseInMembers } from './member-diagnosis.js';
import { EventRecorder } from '../../../api/index.js';

export type { TemplateType } from './template-type.js';

export const ControllerName = 'propagation-controller';
export { FINALIZER_CLEANUP };
/** Release options for objects whose template no longer places them there. */
const RELEASE_DELETE: ReleaseOptions = { orphan: false, waitGone: false };
/** Selects the member objects the federation manages (the member caches hold only these). */
const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGER}`;
/** Annotation on a template: keep member objects when it is deleted. */
export const ANNOTATION_ORPHAN = 'federation.flotilla.io/orphan';

/** Rewrites or refuses a workload's images for a target cluster (image promotion gate). */
export type ImageGate = (obj: KubeObject, cluster: Cluster) => Promise<KubeObject>;

/** Options for {@link PropagationController}. */
export interface PropagationOptions {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  types: TemplateType[];
  logger: Logger;
  /** Every template is re-checked this often (drift repair, status). @defaultValue 5000 */
  resyncMs?: number;
  imageGate?: ImageGate;
  /**
   * Templates reconciled at once (a template is never handed to two workers at once). Each
   * reconcile mostly waits on member and federation round trips (three in a row for a new
   * template), so many overlap: on the propagation bench 32 workers moved ~1.4× the objects of 8.
   * @defaultValue 32
   */
  workers?: number;
  /** Where `flotilla_propagation_latency_seconds` and the placement attempts go. @defaultValue none */
  metricsRegistry?: Registry | undefined;
  /** Records the templates' events. @defaultValue a recorder writing through `client` */
  events?: EventRecorder;
}

const tkey = (t: TemplateType, obj: KubeObject): string =>
  `${t.gvr.group}/${t.gvr.resource}|${objectKey(obj)}`;

/**
 * Template × PropagationPolicy → placement → per-cluster copy (overrides, replicas) written into
 * Push members through their Kubernetes API, and into a Work in `fed-es-<cluster>` for Pull
 * members (their agent applies it and reports status back, see {@link WorkWriter});
 * ResourceBinding records the decision and per-cluster status; template status is aggregated; deletion cleans members up (or orphans). Level-triggered:
 * every reconcile compares what members have with what they should have, which also repairs drift.
 * What members have is read from watched caches of their managed objects (no member read per
 * reconcile, see {@link ClusterClients.cache}); a write refused because the cache was behind is
 * decided again once from a fresh read. Deletion paths always read the member itself.
 */
export class PropagationController {
  readonly controller: Controller;
  private readonly opts: PropagationOptions;
  /** Member namespaces known to exist (cluster/ns|endpoint); a member recreated elsewhere gets a new key. */
  private readonly namespacesEnsured = new Set<string>();
  private readonly works: WorkWriter;
  private readonly latency: PropagationLatency;
  private readonly events: PropagationEvents;

  constructor(opts: PropagationOptions) {
    this.opts = opts;
    const now = (): Date => new Date();
    const { client, logger } = opts;
    this.events = new PropagationEvents(
      opts.events ?? new EventRecorder({ client, component: ControllerName, logger, now }),
      diagnoseInMembers(opts.informers, opts.clients),
    );
    const clusters = opts.informers.for<Cluster>(CLUSTERS);
    const pps = opts.informers.for<PropagationPolicy>(PROPAGATION_POLICIES);
    const ops = opts.informers.for<OverridePolicy>(OVERRIDE_POLICIES);
    const templates = opts.types.map((t) => opts.informers.for(t.gvr));
    const works = opts.informers.for<Work>(WORKS);
    this.works = new WorkWriter(opts.client, works);
    this.latency = new PropagationLatency(opts.metricsRegistry);
    this.controller = new Controller({
      name: ControllerName,
      informers: [clusters, pps, ops, ...templates, opts.informers.for(RESOURCE_BINDINGS), works],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: opts.workers ?? 32,
    });
    opts.types.forEach((t, i) => {
      const enqueue = (o: KubeObject): void => this.controller.enqueue(tkey(t, o));
      // a template change starts the propagation latency clock
      const changed = (o: KubeObject): void => {
        this.latency.changed(tkey(t, o));
        enqueue(o);
      };
      templates[i]?.addEventHandler({
        onAdd: changed,
        onUpdate: (_o, n) => changed(n),
        onDelete: (o) => {
          this.latency.deleted(tkey(t, o));
          enqueue(o);
        },
      });
    });
    const all = (): void => this.enqueueAll();
    clusters.addEventHandler({
      onAdd: all,
      onDelete: all,
      onUpdate: (o, n) => {
        if (
          JSON.stringify(o.spec) !== JSON.stringify(n.spec) ||
          JSON.stringify(o.metadata.labels) !== JSON.stringify(n.metadata.labels) ||
          readyReason(o) !== readyReason(n)
        ) {
          all();
        }
      },
    });
    // what an agent reported (or a Work vanishing) brings its template back
    const fromWork = (w: Work): void => {
      const ref = templateOfWork(w);
      const t = ref && opts.types.find((x) => x.kind.toLowerCase() === ref.kind);
      if (t && ref) {
        this.controller.enqueue(
          `${t.gvr.group}/${t.gvr.resource}|${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`,
        );
      }
    };
    works.addEventHandler({ onUpdate: (_o, n) => fromWork(n), onDelete: fromWork });
    pps.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
    ops.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  /** Re-checks every template. */
  enqueueAll(): void {
    this.opts.types.forEach((t) => {
      for (const o of this.opts.informers.for(t.gvr).list()) this.controller.enqueue(tkey(t, o));
    });
  }

  private typeOf(key: string): TemplateType | undefined {
    const g = key.split('|')[0];
    return this.opts.types.find((t) => `${t.gvr.group}/${t.gvr.resource}` === g);
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const t = this.typeOf(key);
    if (!t) return undefined;
    const objKey = key.split('|')[1] ?? '';
    const cached = this.opts.informers.for(t.gvr).get(objKey);
    const resync = { requeueAfterMs: this.opts.resyncMs ?? 5000 };
    if (!cached) return undefined;
    let tmpl: KubeObject = cached;
    const ns = tmpl.metadata.namespace;
    const bindingName = `${tmpl.metadata.name ?? ''}-${t.kind.toLowerCase()}`;
    const binding = this.opts.informers
      .for<ResourceBinding>(RESOURCE_BINDINGS)
      .get(`${ns ?? ''}/${bindingName}`);
    if (tmpl.metadata.deletionTimestamp) {
      this.events.forget(tmpl);
      await this.finalize(t, tmpl, bindingName, binding);
      return undefined;
    }
    const policy = this.opts.informers
      .for<PropagationPolicy>(PROPAGATION_POLICIES)
      .list(ns)
      .filter((p) => selectorsMatch(p.spec.resourceSelectors, tmpl))
      .sort(
        (a, b) =>
          (b.spec.priority ?? 0) - (a.spec.priority ?? 0) ||
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
      )[0];
    if (!policy) {
      if (binding) {
        const left = await this.removeFrom(
          t,
          tmpl,
          binding.spec.clusters.map((c) => c.name),
          RELEASE_DELETE,
        );
        // keep the binding (it names the clusters) until every member has been cleaned
        if (left.length > 0) throw new MemberCleanupPendingError(objKey, left);
        await this.opts.client
          .resource(RESOURCE_BINDINGS, ns)
          .delete(bindingName)
          .catch(ignoreNotFound);
      }
      return undefined;
    }
    // go on with the patched template rather than wait for its update event: that would queue the
    // key behind every other pending one, so a burst of new templates would all get their
    // finalizer before the first reached a member (the event's reconcile finds nothing to do)
    tmpl = await addFinalizer(this.opts.client, t.gvr, tmpl, FINALIZER_CLEANUP);
    const clusters = this.opts.informers.for<Cluster>(CLUSTERS).list();
    const replicas =
      t.kind === 'Deployment' || t.kind === 'ReplicaSet'
        ? ((tmpl.spec as { replicas?: number } | undefined)?.replicas ?? 1)
        : undefined;
    // where it already is (a NoSchedule taint keeps those; replicas 0 = being removed)
    const bound = new Set(
      (binding?.spec.clusters ?? []).filter((c) => c.replicas !== 0).map((c) => c.name),
    );
    const decision = this.latency.placement(() =>
      place(policy.spec.placement, clusters, replicas, bound),
    );
    const schedule = scheduleOutcome(policy, policy.spec.placement, clusters, decision);
    const ops = this.opts.informers.for<OverridePolicy>(OVERRIDE_POLICIES).list(ns);
    // members are independent: write to all of them at once
    const results: ApplyResult[] = await Promise.all(
      decision.clusters.flatMap((target) => {
        const cluster = clusters.find((c) => c.metadata.name === target.name);
        return cluster ? [this.applyTo(cluster, t, tmpl, target.replicas, ops, policy)] : [];
      }),
    );
    const keep = new Set(decision.clusters.map((c) => c.name));
    const stale = [
      ...new Set([
        ...(binding?.spec.clusters ?? []).map((c) => c.name),
        ...this.cachedCopies(t, tmpl, clusters),
      ]),
    ].filter((n) => !keep.has(n));
    const unreachable = await this.removeFrom(t, tmpl, stale, RELEASE_DELETE);
    await writeBinding(
      this.opts.client,
      t,
      tmpl,
      bindingName,
      binding,
      policy,
      decision.clusters
        .filter((c) => keep.has(c.name))
        .concat(unreachable.map((name) => ({ name, replicas: 0 }))),
      results,
      replicas,
      schedule,
    );
    if (t.status) await writeTemplateStatus(this.opts.client, t, tmpl, results, schedule);
    await this.events.reconciled(tmpl, schedule, results);
    return resync;
  }

  /**
   * Ready Push clusters whose member cache holds a copy of the template, bound or not: a copy
   * written by a reconcile whose binding write then failed (a conflict, the federation API server
   * or this manager gone) is in no binding, and was left behind when the placement shrank.
   */
  private cachedCopies(t: TemplateType, tmpl: KubeObject, clusters: Cluster[]): string[] {
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

  private async applyTo(
    cluster: Cluster,
    t: TemplateType,
    tmpl: KubeObject,
    replicas: number | undefined,
    ops: OverridePolicy[],
    policy: PropagationPolicy,
  ): Promise<ApplyResult> {
    const name = cluster.metadata.name ?? '';
    try {
      let desired = applyOverridePolicies(memberCopy(tmpl, replicas), cluster, ops);
      if (this.opts.imageGate) desired = await this.opts.imageGate(desired, cluster);
      if (isPullCluster(cluster)) {
        return await this.works.apply(cluster, t, tmpl, desired, policy.spec.conflictResolution);
      }
      const client = this.opts.clients.for(cluster);
      const ns = tmpl.metadata.namespace;
      const nsKey = `${name}/${ns ?? ''}|${client.server}`;
      if (ns && !this.namespacesEnsured.has(nsKey)) {
        await client
          .resource({ group: '', version: 'v1', resource: 'namespaces' })
          .create({
            apiVersion: 'v1',
            kind: 'Namespace',
            // the federation's namespace controller deletes the copies it made, no others
            metadata: { name: ns, labels: { [LABEL_MANAGED_BY]: MANAGER } },
          })
          .catch((err: unknown) => {
            if (!(err instanceof AlreadyExistsError)) throw err;
          });
        this.namespacesEnsured.add(nsKey);
      }
      const rc = client.resource(t.gvr, ns);
      const memberName = desired.metadata.name ?? '';
      // the member's managed objects come from a watched cache (no read per reconcile) while the
      // cluster is Ready; otherwise, and when the cache turns out stale, from the member itself
      const cache = isClusterReady(cluster)
        ? this.opts.clients.cache(cluster, t.gvr, MANAGED_SELECTOR)
        : undefined;
      let existing = cache
        ? cache.get(objectKey(desired))
        : await rc.get(memberName).catch(ignoreNotFound);
      for (let fresh = cache === undefined; ; fresh = true) {
        try {
          const res = await writeMemberObject(
            rc,
            name,
            desired,
            existing,
            policy.spec.conflictResolution,
          );
          // created or updated (a no-op hands `existing` back)
          if (res.applied && res.object !== existing) this.latency.written(tkey(t, tmpl), name);
          return res;
        } catch (err) {
          // the member's namespace went (deleted there): make it again on the next pass
          if (err instanceof NotFoundError && err.kind === 'namespaces') {
            this.namespacesEnsured.delete(nsKey);
          }
          if (fresh || !isStale(err)) throw err;
          existing = await rc.get(memberName).catch(ignoreNotFound);
        }
      }
    } catch (err) {
      return {
        cluster: name,
        applied: false,
        message: err instanceof Error ? err.message : String(err),
      };
    }
  }

  /**
   * Deletion: release the template's objects in every joined cluster (not only the bound ones, so
   * leftovers of earlier placements go too), then drop the binding and the cleanup finalizer.
   * While a joined member cannot be reached the finalizer stays and the key is retried; clusters
   * that are no longer joined are skipped. `orphan` / `foregroundDeletion` are left for the
   * garbage collector, which acts once this finalizer is gone.
   */
  private async finalize(
    t: TemplateType,
    tmpl: KubeObject,
    bindingName: string,
    binding: ResourceBinding | undefined,
  ): Promise<void> {
    if (!hasFinalizer(tmpl, FINALIZER_CLEANUP)) return;
    const ns = tmpl.metadata.namespace;
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
        .resource(RESOURCE_BINDINGS, ns)
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
  private async removeFrom(
    t: TemplateType,
    tmpl: KubeObject,
    clusterNames: string[],
    release: ReleaseOptions,
  ): Promise<string[]> {
    const label = templateLabel(t.kind, tmpl.metadata.namespace, tmpl.metadata.name ?? '');
    const left = await Promise.all(
      clusterNames.map(async (name): Promise<string[]> => {
        const cluster = this.opts.informers.for<Cluster>(CLUSTERS).get(name);
        if (!cluster) return [];
        try {
          if (isPullCluster(cluster)) {
            return (await this.works.release(cluster, t, tmpl, release)) ? [] : [name];
          }
          const rc = this.opts.clients.for(cluster).resource(t.gvr, tmpl.metadata.namespace);
          const existing = await rc.get(tmpl.metadata.name ?? '').catch(ignoreNotFound);
          return (await releaseMemberObject(rc, existing, label, release)) ? [] : [name];
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
}

function readyReason(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return `${r?.status ?? ''}/${r?.reason ?? ''}`;
}
