import { NAMESPACES } from '../../../api/index.js';
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger, type RequeueAfter } from '../../../machinery/controller/index.js';
import {
  NamespaceDeleter,
  type NamespaceCondition,
} from '../../../machinery/controller/namespace-deleter.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import { deleteMemberNamespaces } from './member-namespaces.js';

export const ControllerName = 'namespace-controller';
/** Condition set while content (in the federation or a member) cannot be deleted. */
export const CONDITION_CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
/** Condition set while objects are still left in the namespace or its member copies. */
export const CONDITION_CONTENT_REMAINING = 'NamespaceContentRemaining';
/** Failed passes in a row before the failure shows as a condition (a blip does not). */
export const FAILURES_BEFORE_CONDITION = 3;

/** Options for {@link FederationNamespaceController}. */
export interface FederationNamespaceOptions {
  client: KubeClient;
  informers: InformerFactory;
  logger: Logger;
  /** Clients of the members behind their circuit breakers (credentials from their Cluster). */
  clients: { guarded(cluster: Cluster): KubeClient };
  /** The namespaced resources the federation serves (discovered at start). */
  resources: () => readonly GroupVersionResource[];
  /** How soon a namespace whose content is still going is looked at again. @defaultValue 500 */
  pollMs?: number;
  /** Clock, for condition times (tests). */
  now?: () => Date;
}

/**
 * The federation's namespace controller (kube-controller-manager's, plus the members): a deleted
 * namespace turns Terminating, every namespaced object in it is deleted (the propagation
 * controller removes their member copies through its finalizers), then the namespace's copies in
 * the members are deleted (their own namespace controllers empty them), and last the `kubernetes`
 * finalizer is released through `namespaces/<name>/finalize`. An unreachable member keeps the
 * namespace Terminating with a {@link CONDITION_CONTENT_FAILURE} condition, retried with back-off.
 */
export class FederationNamespaceController {
  readonly controller: Controller;
  private readonly opts: FederationNamespaceOptions;
  private readonly deleter: NamespaceDeleter;
  /** Failed passes in a row, per namespace. */
  private readonly failures = new Map<string, number>();

  constructor(opts: FederationNamespaceOptions) {
    this.opts = opts;
    this.deleter = new NamespaceDeleter({ client: opts.client, resources: opts.resources });
    const namespaces = opts.informers.for(NAMESPACES);
    const clusters = opts.informers.for<Cluster>(CLUSTERS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [namespaces, clusters],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
    });
    namespaces.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
  }

  /** Converges one namespace; see the class comment for the steps. */
  async reconcile(name: string): Promise<RequeueAfter | undefined> {
    const ns = this.opts.informers.for(NAMESPACES).get(name);
    if (!ns?.metadata.deletionTimestamp) {
      this.failures.delete(name);
      return undefined;
    }
    const poll = { requeueAfterMs: this.opts.pollMs ?? 500 };
    const content = await this.deleter.deleteContent(name);
    if (content.failures.length > 0) {
      return this.failed(ns, content.failures, `content of ${name}`);
    }
    if (content.remaining > 0) {
      await this.deleter.setStatus(
        ns,
        this.conditions(ns, undefined, `${String(content.remaining)} object(s) remaining`),
      );
      return poll;
    }
    const clusters = this.opts.informers.for<Cluster>(CLUSTERS).list();
    const members = await deleteMemberNamespaces(name, clusters, (c) =>
      this.opts.clients.guarded(c),
    );
    if (members.failures.length > 0) {
      return this.failed(ns, members.failures, `namespace ${name} in members`);
    }
    this.failures.delete(name);
    if (members.pending.length > 0) {
      const msg = `namespace still in cluster(s) ${members.pending.join(', ')}`;
      await this.deleter.setStatus(ns, this.conditions(ns, undefined, msg));
      return poll;
    }
    await this.deleter.finalize(ns);
    return undefined;
  }

  /**
   * A pass that could not delete something: after {@link FAILURES_BEFORE_CONDITION} in a row the
   * namespace shows why; the error requeues the key with the workqueue's capped back-off.
   */
  private async failed(ns: KubeObject, failures: string[], what: string): Promise<never> {
    const name = ns.metadata.name ?? '';
    const n = (this.failures.get(name) ?? 0) + 1;
    this.failures.set(name, n);
    const message = `failed to delete ${what}: ${failures.join('; ')}`;
    await this.deleter.setStatus(
      ns,
      n >= FAILURES_BEFORE_CONDITION ? this.conditions(ns, message, undefined) : undefined,
    );
    const clusters = failures.map((f) => f.split(':')[0] ?? '');
    throw new MemberCleanupPendingError(name, clusters, new Error(message));
  }

  /** The two deletion conditions, keeping each one's transition time while its status holds. */
  private conditions(
    ns: KubeObject,
    failure: string | undefined,
    remaining: string | undefined,
  ): NamespaceCondition[] {
    const old = (ns.status as { conditions?: NamespaceCondition[] } | undefined)?.conditions ?? [];
    const now = (this.opts.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const make = (type: string, msg: string | undefined, reason: string): NamespaceCondition => {
      const status = msg === undefined ? 'False' : 'True';
      const prev = old.find((c) => c.type === type);
      return {
        type,
        status,
        reason: msg === undefined ? `No${reason}` : reason,
        message: msg ?? 'All content successfully deleted',
        lastTransitionTime: prev?.status === status ? (prev.lastTransitionTime ?? now) : now,
      };
    };
    return [
      make(CONDITION_CONTENT_FAILURE, failure, 'ContentDeletionFailed'),
      make(CONDITION_CONTENT_REMAINING, remaining, 'SomeResourcesRemain'),
    ];
  }
}
