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
import { ignoreNotFound, isStale, writeMemberObject } from './member-writer.js';
import type { PropagationLatency } from './propagation-latency.js';
import { templateKey, type ApplyResult, type TemplateType } from './template-type.js';
import { isPullCluster, type WorkWriter } from './work-writer.js';

/** Rewrites or refuses a workload's images for a target cluster (image promotion gate). */
export type ImageGate = (obj: KubeObject, cluster: Cluster) => Promise<KubeObject>;

/** What a {@link MemberApplier} writes with. */
export interface MemberApplierOptions {
  clients: ClusterClients;
  works: WorkWriter;
  latency: PropagationLatency;
  imageGate?: ImageGate | undefined;
}

/**
 * Applies templates to member clusters for the propagation controller. What a Push member has is
 * read from its watched cache of managed objects while the cluster is Ready (no read per
 * reconcile); a write refused because the cache was behind is decided again once from a fresh read.
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
   * resolution) into `cluster`.
   * @returns what it came to; a failure is reported in the result, never thrown
   */
  async apply(
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
        return await this.opts.works.apply(
          cluster,
          t,
          tmpl,
          desired,
          policy.spec.conflictResolution,
        );
      }
      return await this.applyToPush(cluster, t, tmpl, desired, policy);
    } catch (err) {
      return {
        cluster: name,
        applied: false,
        message: err instanceof Error ? err.message : String(err),
      };
    }
  }

  /** Writes `desired` through a Push member's API. @throws whatever the member's client throws */
  private async applyToPush(
    cluster: Cluster,
    t: TemplateType,
    tmpl: KubeObject,
    desired: KubeObject,
    policy: PropagationPolicy,
  ): Promise<ApplyResult> {
    const name = cluster.metadata.name ?? '';
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
