/**
 * Writing a template's copy into one member cluster: overrides and the image gate, then a Work
 * for a Pull member, or the member's own API (its namespace first) for a Push member.
 */
import type { Cluster, OverridePolicy, PropagationPolicy } from '../../apis/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import { applyOverridePolicies } from '../../overrides/apply-overrides.js';
import { isClusterReady } from '../../scheduler/placement.js';
import type { ClusterClients } from '../cluster-clients.js';
import { LABEL_MANAGED_BY, MANAGED_SELECTOR, MANAGER, memberCopy } from './member-object.js';
import {
  conflictResolutionOf,
  ignoreNotFound,
  isStale,
  writeMemberObject,
} from './member-writer.js';
import type { PropagationLatency } from './propagation-latency.js';
import { templateKey, type ApplyResult, type TemplateType } from './template-type.js';
import { isPullCluster, type WorkWriter } from './work-writer.js';
import type { ApplyIntent, MemberExecution } from './member-execution.js';
import { isEstablished } from './custom-resource-kinds.js';
import { CrdNotEstablishedError } from '../errors/index.js';
import {
  CUSTOM_RESOURCE_DEFINITIONS,
  HORIZONTALPODAUTOSCALERS,
  type CustomResourceDefinition,
  type HorizontalPodAutoscaler,
} from '../../../api/index.js';

/** Rewrites or refuses a workload's images for a target cluster (image promotion gate). */
export type ImageGate = (obj: KubeObject, cluster: Cluster) => Promise<KubeObject>;

/** What a {@link MemberApplier} writes with. */
export interface MemberApplierOptions {
  clients: ClusterClients;
  works: WorkWriter;
  latency: PropagationLatency;
  imageGate?: ImageGate | undefined;
  /** Where Push members' writes are queued (one queue per member). */
  execution: MemberExecution;
}

/**
 * Applies templates to member clusters for the propagation controller: computes each member's
 * copy, writes a Pull member's Work at once, and queues a Push member's write in its own execution
 * queue ({@link MemberExecution}, which calls {@link MemberApplier.write}). What a Push member has
 * is read from its watched cache of managed objects while the cluster is Ready (no read per
 * write); a write refused because the cache was behind is decided again once from a fresh read.
 */
export class MemberApplier {
  private readonly opts: MemberApplierOptions;
  /** Member namespaces known to exist (cluster/ns|endpoint); a member recreated elsewhere gets a new key. */
  private readonly namespacesEnsured = new Set<string>();

  constructor(opts: MemberApplierOptions) {
    this.opts = opts;
  }

  /**
   * Writes the template's copy (with `replicas`, the override policies and the policy's conflict
   * resolution `policyConflictResolution`) into `cluster`: a Pull member's Work now, a Push member's object through its
   * execution queue (never waiting on the member). `revised` is the template as the resource
   * interpreter revised it for this cluster (its replicas already set), when it did.
   * @returns what it came to (for a Push member: the last attempt, or pending); a failure is
   *   reported in the result, never thrown
   */
  async apply(
    cluster: Cluster,
    t: TemplateType,
    tmpl: KubeObject,
    replicas: number | undefined,
    ops: OverridePolicy[],
    policyConflictResolution: PropagationPolicy['spec']['conflictResolution'],
    revised?: KubeObject,
  ): Promise<ApplyResult> {
    const name = cluster.metadata.name ?? '';
    const conflictResolution = conflictResolutionOf(tmpl, policyConflictResolution);
    try {
      const copy = revised ? memberCopy(revised, undefined) : memberCopy(tmpl, replicas);
      let desired = applyOverridePolicies(copy, cluster, ops);
      if (this.opts.imageGate) desired = await this.opts.imageGate(desired, cluster);
      if (isPullCluster(cluster)) {
        return await this.opts.works.apply(cluster, t, tmpl, desired, conflictResolution);
      }
      return this.opts.execution.apply(templateKey(t, tmpl), {
        op: 'apply',
        cluster,
        t,
        tmpl,
        desired,
        conflictResolution,
      });
    } catch (err) {
      return {
        cluster: name,
        applied: false,
        message: err instanceof Error ? err.message : String(err),
      };
    }
  }

  /**
   * A custom resource is written only once the member serves its kind: its cache of the kind has
   * synced, or its copy of the CRD is Established (read from the member).
   * @throws CrdNotEstablishedError (retried with back-off) until then
   */
  private async crdEstablished(cluster: Cluster, crd: string, t: TemplateType): Promise<void> {
    const served =
      isClusterReady(cluster) && this.opts.clients.cache(cluster, t.gvr, MANAGED_SELECTOR);
    if (served) return;
    const copy = await this.opts.clients
      .guarded(cluster)
      .resource<CustomResourceDefinition>(CUSTOM_RESOURCE_DEFINITIONS)
      .get(crd)
      .catch(ignoreNotFound);
    if (!isEstablished(copy)) throw new CrdNotEstablishedError(cluster.metadata.name ?? '', crd);
  }

  /**
   * The member's HorizontalPodAutoscalers in `obj`'s namespace, for the interpreter's retain rule
   * (the writer asks only for kinds whose rule reads them): from a watched cache of all the
   * member's autoscalers while the cluster is Ready, else read. An autoscaler is created before it
   * scales anything and its watch event comes first, so the cache knows it by the time the
   * federation sees the member's replicas change. A member that serves none has none.
   */
  private async autoscalers(
    cluster: Cluster,
    obj: KubeObject,
  ): Promise<readonly HorizontalPodAutoscaler[]> {
    const ns = obj.metadata.namespace;
    const cache = isClusterReady(cluster)
      ? this.opts.clients.cache<HorizontalPodAutoscaler>(cluster, HORIZONTALPODAUTOSCALERS, '')
      : undefined;
    if (cache) return cache.list(ns);
    const list = await this.opts.clients
      .guarded(cluster)
      .resource<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS, ns)
      .list()
      .catch(ignoreNotFound);
    return list?.items ?? [];
  }

  /**
   * Writes `desired` through a Push member's API (its guarded client: an open circuit fails at
   * once). Called by the member's execution queue.
   * @throws whatever the member's client throws
   */
  async write(i: ApplyIntent): Promise<ApplyResult> {
    const { cluster, t, tmpl, desired } = i;
    const name = cluster.metadata.name ?? '';
    const client = this.opts.clients.guarded(cluster);
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
    if (t.crd !== undefined) await this.crdEstablished(cluster, t.crd, t);
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
        const res = await writeMemberObject(rc, name, desired, existing, i.conflictResolution, () =>
          this.autoscalers(cluster, desired),
        );
        // created or updated (a no-op hands `existing` back)
        if (res.applied && res.object !== existing) {
          this.opts.latency.written(templateKey(t, tmpl), name);
        }
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
  }
}
